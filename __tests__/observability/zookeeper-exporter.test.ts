/**
 * The ZooKeeper exporter scraped against a real ZooKeeper booted from the rendered zoo.cfg
 * (Debian's zookeeper 3.8.0, which has no Prometheus metrics provider of its own). Every
 * ZooKeeper metric the rules use must be in what it serves, and promtool must accept the format.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { ZooKeeperNode } from '../../lib/model';
import { renderZooKeeperExporter, renderZooKeeperExporterUnit } from '../../lib/observability/exporter';
import { ZK } from '../../lib/observability/metrics';
import { renderZooKeeperNodeFiles } from '../../lib/zookeeper/zoo-cfg';
import { US_REGION } from '../../stacks/us';
import { alertsOf, checkMetrics, hasPromtool } from './support';

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';
const hasZooKeeper = existsSync(ZOOKEEPER_JAR) && existsSync(SLF4J_SIMPLE) && existsSync('/usr/bin/java');
if (!hasZooKeeper) console.warn('SKIPPED ZooKeeper exporter test: Debian package `zookeeper` (and java) not installed');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

(hasZooKeeper ? test : test.skip)('Debian\'s zookeeper ships no Prometheus metrics provider (why the hosts run an exporter instead)', () => {
  // Zip central directories keep entry names uncompressed: the provider's package would be listed.
  const jars = readdirSync('/usr/share/java').filter((f) => /^zookeeper.*\.jar$/.test(f));
  expect(jars).toContain('zookeeper.jar');
  expect(readFileSync(ZOOKEEPER_JAR).includes(Buffer.from('org/apache/zookeeper/metrics/MetricsProvider'))).toBe(true);
  for (const jar of jars) {
    expect(readFileSync(join('/usr/share/java', jar)).includes(Buffer.from('org/apache/zookeeper/metrics/prometheus/'))).toBe(false);
  }
});

test('the unit runs the exporter as zookeeper against the client port and dataDir', () => {
  const unit = renderZooKeeperExporterUnit({ clientPort: 2181, dataDir: '/var/lib/zookeeper' });
  expect(unit).toMatch(/^ExecStart=\/usr\/bin\/python3 \/usr\/local\/bin\/zookeeper-exporter --port 7000 --zookeeper localhost:2181 --data-dir \/var\/lib\/zookeeper$/m);
  expect(unit).toMatch(/^User=zookeeper$/m);
});

(hasZooKeeper ? describe : describe.skip)('the ZooKeeper exporter against a real ZooKeeper', () => {
  const processes: ChildProcess[] = [];
  let dir: string;
  afterAll(() => {
    processes.forEach((p) => p.kill('SIGKILL'));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('serves mntr, snapshot and dataDir metrics that the rules use', async () => {
    dir = mkdtempSync(join(tmpdir(), 'zk-exporter-'));
    const [clientPort, quorumPort, electionPort, exporterPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const node: ZooKeeperNode = { id: 1, name: 'zk-1', fqdn: '127.0.0.1', availabilityZone: 'us-east-1a', clientPort };
    const dataDir = join(dir, 'data');
    for (const f of renderZooKeeperNodeFiles([node], node, { dataDir, quorumPort, electionPort }, dir)) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content);
    }
    processes.push(spawn('/usr/bin/java', ['-cp', `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE}`, '-Xmx128m', '-XX:TieredStopAtLevel=1',
      'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')], { stdio: 'ignore' }));
    const script = join(dir, 'zookeeper-exporter');
    writeFileSync(script, renderZooKeeperExporter());
    processes.push(execFile('/usr/bin/python3', [script, '--port', String(exporterPort), '--zookeeper', `127.0.0.1:${clientPort}`, '--data-dir', dataDir]));

    const scrape = async (): Promise<string | undefined> => {
      const r = await fetch(`http://127.0.0.1:${exporterPort}/metrics`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    };
    const body = await until('a serving ZooKeeper', async () => {
      const text = await scrape();
      return text !== undefined && /^zookeeper_up 1\.0$/m.test(text) && /zookeeper_snapshot_files [1-9]/.test(text) ? text : undefined;
    }, 40_000);

    expect(body).toMatch(/^zookeeper_server_state\{state="standalone"\} 1\.0$/m);
    expect(body).toMatch(/^zookeeper_server_state\{state="leader"\} 0\.0$/m);
    expect(body).toMatch(/^zookeeper_outstanding_requests 0\.0$/m);
    expect(body).toMatch(/^zookeeper_avg_latency [0-9.]+$/m);
    const snapshots = readdirSync(join(dataDir, 'version-2')).filter((f) => f.startsWith('snapshot.')).length;
    expect(body).toContain(`zookeeper_snapshot_files ${snapshots}.0`);
    expect(Number(/^zookeeper_data_dir_free_bytes (\S+)$/m.exec(body)![1])).toBeGreaterThan(0);
    // Every ZooKeeper metric a rule names is served.
    const { alerts } = alertsOf(US_REGION);
    const used = Object.values(ZK).filter((name) => alerts.some((a) => a.rule.expr.includes(name)));
    expect(used.length).toBeGreaterThanOrEqual(6);
    for (const name of used) expect(body).toMatch(new RegExp(`^${name}[ {]`, 'm'));
    if (hasPromtool) {
      // Parsed; lint findings only for names mntr itself chose (e.g. *_time_ms), none for what the rules use.
      const lint = await checkMetrics(body);
      for (const name of used) expect(lint.filter((l) => l.startsWith(`${name} `))).toEqual([]);
    }

    // ZooKeeper gone: the exporter still answers, with zookeeper_up 0 (ZooKeeperDown fires on it).
    processes[0].kill('SIGKILL');
    const down = await until('zookeeper_up 0', async () => {
      const text = await scrape();
      return text !== undefined && /^zookeeper_up 0\.0$/m.test(text) ? text : undefined;
    }, 20_000);
    expect(down).not.toMatch(/zookeeper_outstanding_requests/);
  }, 90_000);
});
