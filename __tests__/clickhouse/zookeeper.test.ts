/**
 * The rendered ZooKeeper client config against a real ZooKeeper (Debian's `zookeeper` package):
 * ClickHouse uses the region's root as a chroot, refuses to use ZooKeeper until that root exists
 * (the script the ZooKeeper nodes run at boot creates it, and that is all ClickHouse needs), and
 * then keeps replicated tables' metadata under it, named by the host's macros.
 */
import { ChildProcess, execFile, spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderHostMacros, renderZooKeeper, zookeeperRootZnodes } from '../../lib/clickhouse';
import { DEBIAN_ZKCLI, renderCreateZnodesScript } from '../../lib/constructs/zookeeper';
import { ConfigFile, TestEngine } from '../support/engine';
import { issueTopology } from './support/topologies';

const JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];
const hasZooKeeper = JARS.every(existsSync) && existsSync('/usr/bin/java') && existsSync(DEBIAN_ZKCLI);
if (!hasZooKeeper) console.warn('SKIPPED ClickHouse ↔ ZooKeeper test: Debian package `zookeeper` (and java) not installed');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs zkCli commands (ZooKeeperMain reading stdin) and returns what it printed (`Created ...` goes to stderr, `ls` to stdout). */
function zkCli(port: number, commands: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/java', ['-cp', JARS.join(':'), '-Xmx64m', '-XX:TieredStopAtLevel=1',
      'org.apache.zookeeper.ZooKeeperMain', '-server', `127.0.0.1:${port}`], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(err);
      else resolve(`${stdout}\n${stderr}`.split('\n').filter((l) => l !== '' && !l.includes(' INFO ') && !l.startsWith('WATCHER') && !l.startsWith('WatchedEvent')));
    });
    child.stdin!.end(commands.join('\n') + '\n');
  });
}

const topology = issueTopology();
const host = topology.storage.hosts.find((h) => h.name === 'ch-data-s02-r2')!;

/** The rendered file with the ensemble's DNS names pointed at the one ZooKeeper on loopback. */
function zookeeperFileOnLoopback(port: number): ConfigFile {
  let { content } = renderZooKeeper(topology);
  for (const node of topology.zookeeper) content = content.split(`<host>${node.fqdn}</host>`).join('<host>127.0.0.1</host>');
  return { path: renderZooKeeper(topology).path, content: content.split(`<port>${topology.zookeeper[0].clientPort}</port>`).join(`<port>${port}</port>`) };
}

(hasZooKeeper ? describe : describe.skip)('ClickHouse with the rendered ZooKeeper config and a real ZooKeeper', () => {
  let dir: string;
  let port: number;
  let zookeeper: ChildProcess | undefined;
  let node: TestEngine | undefined;
  const createProbe = "CREATE TABLE zk_probe (x UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/test.zk_probe', '{replica}') ORDER BY x";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ch-zk-'));
    port = await freePort();
    writeFileSync(join(dir, 'zoo.cfg'), `tickTime=2000\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`);
    zookeeper = spawn('/usr/bin/java', ['-cp', JARS.join(':'), '-Xmx128m', '-XX:TieredStopAtLevel=1',
      'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')], { stdio: 'ignore' });
    node = await TestEngine.open([zookeeperFileOnLoopback(port), renderHostMacros(topology, host)]);
  });

  afterAll(async () => {
    // chdb's shutdown hangs on a replicated table it holds; the process is ours, so end it.
    await node?.kill();
    if (zookeeper && zookeeper.exitCode === null) {
      const exited = new Promise((r) => zookeeper!.once('exit', r));
      // A scratch server: nothing to shut down cleanly, and a JVM's orderly exit takes a while.
      zookeeper.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('the region\'s root must exist before ClickHouse can use ZooKeeper; the ZooKeeper nodes\' root script is enough', async () => {
    // ZooKeeper may still be starting: wait until ClickHouse's error is about the root, not the connection.
    const deadline = Date.now() + 30_000;
    let error = await node!.errorOf(createProbe);
    while (!/root doesn't exist/.test(error ?? '') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      error = await node!.errorOf(createProbe);
    }
    expect(error).toMatch(/ZooKeeper root doesn't exist. You should create root node \/clickhouse\/test before start/);

    expect(zookeeperRootZnodes(topology)).toEqual(['/clickhouse', '/clickhouse/test']);
    // What the ZooKeeper nodes run at boot (their user data points it at localhost:2181).
    const script = join(dir, 'create-root');
    writeFileSync(script, renderCreateZnodesScript({ znodes: zookeeperRootZnodes(topology), server: `127.0.0.1:${port}`, retrySeconds: 1, deadlineMinutes: 1 }));
    const run = spawnSync('/bin/bash', [script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CLIENT_JVMFLAGS: '-Xmx64m -XX:TieredStopAtLevel=1' } });
    expect(run.status).toBe(0);
    expect(await node!.errorOf(createProbe)).toBeUndefined();
  });

  test('replicated metadata lands under the root, named by the host\'s shard and replica macros', async () => {
    const [replica] = await node!.rows<{ zookeeper_path: string; replica_name: string }>(
      "SELECT zookeeper_path, replica_name FROM system.replicas WHERE table = 'zk_probe'");
    expect(replica).toEqual({ zookeeper_path: '/clickhouse/tables/02/test.zk_probe', replica_name: 'ch-data-s02-r2' });
    const listed = await zkCli(port, ['ls /clickhouse/test/clickhouse/tables/02/test.zk_probe/replicas', 'ls /clickhouse']);
    // Seen from outside the chroot: the replica under the region's root, and nothing else beside it.
    expect(listed).toEqual(expect.arrayContaining(['[ch-data-s02-r2]', '[test]']));
  });
});
