import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createConnection, createServer } from 'net';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { buildTopology, TopologyValidationError, ZooKeeperNode } from '../../lib/model';
import { renderMyId, renderZooCfg, renderZooKeeperNodeFiles, ZooCfgOptions } from '../../lib/zookeeper/zoo-cfg';

const topology = buildTopology({
  name: 'zk', availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], storage: { shards: 1 }, zookeeper: { nodes: 5 },
});

function problemsOf(nodes: readonly ZooKeeperNode[], options: ZooCfgOptions): { field: string; value: unknown }[] {
  try {
    renderZooCfg(nodes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected the options to be rejected');
}

/** Parses `key=value` lines the way ZooKeeper does (java.util.Properties, no sections). */
function parseCfg(text: string): Map<string, string> {
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), l.slice(i + 1)] as [string, string];
  }));
}

describe('renderZooCfg', () => {
  test('an ensemble: server.N per node, autopurge on, short 4lw whitelist, admin server off', () => {
    const cfg = parseCfg(renderZooCfg(topology.zookeeper));
    expect(cfg.get('server.1')).toBe('zk-1.zk.clickhouse.internal:2888:3888');
    expect(cfg.get('server.5')).toBe('zk-5.zk.clickhouse.internal:2888:3888');
    expect([...cfg.keys()].filter((k) => k.startsWith('server.'))).toHaveLength(5);
    expect(cfg.get('clientPort')).toBe('2181');
    expect(cfg.get('dataDir')).toBe('/var/lib/zookeeper');
    expect(cfg.get('autopurge.purgeInterval')).toBe('1');
    expect(cfg.get('autopurge.snapRetainCount')).toBe('3');
    expect(cfg.get('4lw.commands.whitelist')).toBe('ruok, mntr, srvr');
    expect(cfg.get('admin.enableServer')).toBe('false');
  });

  test('each node gets its own myid, the zoo.cfg is the same everywhere', () => {
    const files = topology.zookeeper.map((n) => renderZooKeeperNodeFiles(topology.zookeeper, n));
    expect(files.map((f) => f.find((x) => x.path === '/var/lib/zookeeper/myid')?.content)).toEqual(['1\n', '2\n', '3\n', '4\n', '5\n']);
    expect(new Set(files.map((f) => f.find((x) => x.path === '/etc/zookeeper/conf/zoo.cfg')?.content)).size).toBe(1);
    expect(renderMyId({ id: 3 })).toBe('3\n');
  });

  test('fails on an even ensemble', () => {
    expect(problemsOf(topology.zookeeper.slice(0, 4), {})).toEqual([expect.objectContaining({ field: 'zookeeper.nodes', value: 4 })]);
  });

  test('fails on snapRetainCount below 3 and on purgeInterval 0 without a reason, reporting both', () => {
    const p = problemsOf(topology.zookeeper, { autopurge: { purgeIntervalHours: 0, snapRetainCount: 2 } });
    expect(p.map((x) => x.field).sort()).toEqual(['zookeeper.autopurge.disabledReason', 'zookeeper.autopurge.snapRetainCount']);
  });

  test('autopurge can be turned off only with a written reason', () => {
    const cfg = parseCfg(renderZooCfg(topology.zookeeper, {
      autopurge: { purgeIntervalHours: 0, disabledReason: 'zkCleanup.sh -n 5 runs hourly from cron on these hosts' },
    }));
    expect(cfg.get('autopurge.purgeInterval')).toBe('0');
    expect(problemsOf(topology.zookeeper, { autopurge: { disabledReason: 'because' } }).map((x) => x.field))
      .toEqual(['zookeeper.autopurge.disabledReason']);
  });

  test('fails on a wildcard or long 4lw whitelist and on unknown words', () => {
    expect(problemsOf(topology.zookeeper, { fourLetterWords: ['*'] })).toEqual([expect.objectContaining({ field: 'zookeeper.fourLetterWords[0]' })]);
    expect(problemsOf(topology.zookeeper, { fourLetterWords: ['ruok', 'mntr', 'srvr', 'stat', 'conf', 'dump'] })[0].field).toBe('zookeeper.fourLetterWords');
  });

  test('fails on clashing ports and a relative dataDir', () => {
    const fields = problemsOf(topology.zookeeper, { quorumPort: 2181, dataDir: 'data' }).map((x) => x.field);
    expect(fields).toEqual(expect.arrayContaining(['zookeeper ports', 'zookeeper.dataDir']));
  });
});

// A real ZooKeeper from Debian's `zookeeper` package, run in the foreground through java so the test owns the process.
const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar'; // from libslf4j-java, a dependency of the zookeeper package
const hasZooKeeper = existsSync(ZOOKEEPER_JAR) && existsSync(SLF4J_SIMPLE) && existsSync('/usr/bin/java');
if (!hasZooKeeper) console.warn('SKIPPED real ZooKeeper test: Debian package `zookeeper` (and java) not installed');

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

/** Sends a four-letter word and returns the whole answer ('' if the server is not up yet). */
function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(2000);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d) => { answer += d.toString(); });
    socket.on('end', () => resolve(answer));
    socket.on('timeout', () => { socket.destroy(); resolve(answer); });
    socket.on('error', () => resolve(''));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startZooKeeper(cfg: string, onLog: (text: string) => void): ChildProcess {
  const zk = spawn('/usr/bin/java', [
    '-cp', `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE}`, '-Xmx128m', '-XX:TieredStopAtLevel=1',
    'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  zk.stdout!.on('data', (d) => onLog(d.toString()));
  zk.stderr!.on('data', (d) => onLog(d.toString()));
  return zk;
}

async function stop(zk: ChildProcess | undefined): Promise<void> {
  if (!zk || zk.exitCode !== null || zk.signalCode !== null) return;
  const exited = new Promise((r) => zk.once('exit', r));
  zk.kill('SIGTERM');
  await exited;
}

(hasZooKeeper ? describe : describe.skip)('the rendered zoo.cfg boots a real ZooKeeper', () => {
  let dir: string;
  const processes: ChildProcess[] = [];
  let log = '';

  afterAll(async () => {
    await Promise.all(processes.map(stop));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('ruok → imok, autopurge scheduled with the rendered settings, 4lw outside the whitelist refused', async () => {
    dir = mkdtempSync(join(tmpdir(), 'zk-'));
    const port = await freePort();
    const node: ZooKeeperNode = { id: 1, name: 'zk-1', fqdn: '127.0.0.1', availabilityZone: 'us-east-1a', clientPort: port };
    const [quorumPort, electionPort] = [await freePort(), await freePort()];
    const options: ZooCfgOptions = { dataDir: join(dir, 'data'), quorumPort, electionPort };
    for (const f of renderZooKeeperNodeFiles([node], node, options, dir)) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content);
    }
    processes.push(startZooKeeper(join(dir, 'zoo.cfg'), (text) => { log += text; }));

    const answer = await until('imok', async () => ((await fourLetterWord(port, 'ruok')) === 'imok' ? 'imok' : undefined), 30_000);
    expect(answer).toBe('imok');
    // ruok only says the process is up; mntr answers once the server serves requests.
    const mntr = await until('serving', async () => {
      const m = await fourLetterWord(port, 'mntr');
      return /zk_server_state/.test(m) ? m : undefined;
    }, 30_000);
    expect(mntr).toMatch(/zk_server_state\s+standalone/);
    expect(await fourLetterWord(port, 'dump')).toMatch(/not in the whitelist/);
    // DatadirCleanupManager logs the settings it schedules with, then runs the first purge.
    await until('the first purge', async () => (/Purge task completed/.test(log) ? true : undefined), 10_000);
    expect(log).toMatch(/autopurge\.snapRetainCount set to 3/);
    expect(log).toMatch(/autopurge\.purgeInterval set to 1\b/);
    expect(readFileSync(join(dir, 'data', 'myid'), 'utf8')).toBe('1\n');
  });

  test('a 3-node ensemble on loopback (127.0.0.1-3) elects one leader with two synced followers', async () => {
    const ensembleDir = mkdtempSync(join(dir ?? tmpdir(), 'ensemble-'));
    const [clientPort, quorumPort, electionPort] = [await freePort(), await freePort(), await freePort()];
    const nodes: ZooKeeperNode[] = [1, 2, 3].map((id) => ({
      id, name: `zk-${id}`, fqdn: `127.0.0.${id}`, availabilityZone: 'us-east-1a', clientPort,
    }));
    const members: ChildProcess[] = [];
    for (const node of nodes) {
      const nodeDir = join(ensembleDir, node.name);
      const files = renderZooKeeperNodeFiles(nodes, node, { dataDir: join(nodeDir, 'data'), quorumPort, electionPort }, nodeDir);
      for (const f of files) {
        mkdirSync(dirname(f.path), { recursive: true });
        // On EC2 each node has its own address; on one machine the shared client port needs one line per node.
        writeFileSync(f.path, f.path.endsWith('zoo.cfg') ? `${f.content}clientPortAddress=127.0.0.${node.id}\n` : f.content);
      }
      const member = startZooKeeper(join(nodeDir, 'zoo.cfg'), () => undefined);
      members.push(member);
      processes.push(member);
    }
    const states = await until('a leader and two followers', async () => {
      const answers = await Promise.all(nodes.map(async (n) => {
        const socket = createConnection({ host: n.fqdn, port: clientPort });
        return new Promise<string>((resolve) => {
          let text = '';
          socket.setTimeout(2000);
          socket.on('connect', () => socket.write('mntr'));
          socket.on('data', (d) => { text += d.toString(); });
          socket.on('end', () => resolve(text));
          socket.on('timeout', () => { socket.destroy(); resolve(text); });
          socket.on('error', () => resolve(''));
        });
      }));
      const roles = answers.map((a) => /zk_server_state\s+(\w+)/.exec(a)?.[1]);
      const synced = answers.map((a) => Number(/zk_synced_followers\s+(\d+)/.exec(a)?.[1] ?? 0));
      return roles.filter((x) => x === 'leader').length === 1 && roles.filter((x) => x === 'follower').length === 2 && synced.includes(2)
        ? roles : undefined;
    }, 60_000);
    expect([...states].sort()).toEqual(['follower', 'follower', 'leader']);
    await Promise.all(members.map(stop));
  });
});
