/**
 * The script that creates ClickHouse's ZooKeeper root, run against a real ZooKeeper with Debian's
 * zkCli.sh (packages `zookeeper` and java): it waits while no server answers, creates the znodes
 * once one does, and a second run (a reboot, another ensemble member) succeeds without changing
 * anything. Checks of the znodes go through zkCli too, not through the script's own output.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { zookeeperRootZnodes } from '../../lib/clickhouse';
import { TopologyValidationError } from '../../lib/model';
import { DEBIAN_ZKCLI, renderCreateZnodesScript } from '../../lib/constructs/zookeeper';
import { bashSyntaxErrors } from '../storage/support/cloud-init-schema';

const JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];
const hasZooKeeper = [...JARS, DEBIAN_ZKCLI, '/usr/bin/java'].every(existsSync);
if (!hasZooKeeper) console.warn('SKIPPED ZooKeeper root script test: Debian package `zookeeper` (zkCli.sh, and java) not installed');

// zkCli.sh reads these: a small, quickly starting client JVM (the script runs it a few times).
const CLIENT_ENV = { ...process.env, CLIENT_JVMFLAGS: '-Xmx64m -XX:TieredStopAtLevel=1 -Xshare:auto', ZOO_LOG_DIR: tmpdir() };

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

interface Run { readonly code: number | null; readonly stderr: string; readonly stdout: string }

function runScript(path: string, onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('/bin/bash', [path], { env: CLIENT_ENV, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr }));
    if (onStderr) child.stderr?.on('data', (chunk: Buffer) => onStderr(chunk.toString()));
  });
}

/** `stat` of each znode through zkCli: exit status 0 only when the node exists. */
function znodeExists(port: number, znode: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(DEBIAN_ZKCLI, ['-server', `127.0.0.1:${port}`, 'stat', znode], { env: CLIENT_ENV, timeout: 30_000 }, (err) => resolve(err === null));
  });
}

const region = { zookeeperRoot: '/clickhouse/test' };

describe('renderCreateZnodesScript', () => {
  test('valid bash that creates the root parents first', () => {
    const script = renderCreateZnodesScript({ znodes: zookeeperRootZnodes(region) });
    expect(bashSyntaxErrors(script)).toBe('');
    expect(script.split('\n').filter((l) => l.startsWith('ensure '))).toEqual(["ensure '/clickhouse'", "ensure '/clickhouse/test'"]);
    expect(script).toContain("server='localhost:2181'");
    expect(script).toContain(`zkcli='${DEBIAN_ZKCLI}'`);
  });

  test('rejects unsafe or unordered znodes, a bad server and out-of-range timings, all at once', () => {
    let problems: { field: string }[] = [];
    try {
      renderCreateZnodesScript({ znodes: ["/a'; rm -rf /", '/x/y', '/..'], server: 'localhost', retrySeconds: 0, deadlineMinutes: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(TopologyValidationError);
      problems = [...(e as TopologyValidationError).problems];
    }
    expect(problems.map((p) => p.field).sort()).toEqual([
      'znodes.deadlineMinutes', 'znodes.retrySeconds', 'znodes.server', 'znodes.znodes[0]', 'znodes.znodes[1]', 'znodes.znodes[2]',
    ]);
  });
});

(hasZooKeeper ? describe : describe.skip)('the rendered script against a real ZooKeeper', () => {
  let dir: string;
  let port: number;
  let script: string;
  let zookeeper: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zk-root-'));
    port = await freePort();
    writeFileSync(join(dir, 'zoo.cfg'), `tickTime=2000\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`);
    script = join(dir, 'create-root');
    writeFileSync(script, renderCreateZnodesScript({ znodes: zookeeperRootZnodes(region), server: `127.0.0.1:${port}`, retrySeconds: 1, deadlineMinutes: 2 }));
  });

  afterAll(async () => {
    if (zookeeper && zookeeper.exitCode === null) {
      const exited = new Promise((r) => zookeeper!.once('exit', r));
      // A scratch server: nothing to shut down cleanly, and a JVM's orderly exit takes a while.
      zookeeper.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('started before ZooKeeper serves, it waits, then creates /clickhouse and /clickhouse/test', async () => {
    // The script's first attempt meets no server (as on a node whose ensemble has no quorum yet);
    // ZooKeeper starts once the script has said so, however long that takes on a busy machine.
    let failedOnce!: () => void;
    const firstFailure = new Promise<void>((resolve) => (failedOnce = resolve));
    let stderrSoFar = '';
    const first = runScript(script, (text) => {
      stderrSoFar += text;
      if (/\/clickhouse not created yet/.test(stderrSoFar)) failedOnce();
    });
    await firstFailure;
    zookeeper = spawn('/usr/bin/java', ['-cp', JARS.join(':'), '-Xmx128m', '-XX:TieredStopAtLevel=1',
      'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')], { stdio: 'ignore' });
    const run = await first;
    expect(run).toEqual(expect.objectContaining({ code: 0 }));
    expect(run.stderr).toMatch(/\/clickhouse not created yet/);
    // Three client JVMs at once: each spends most of its second starting up.
    const exists = await Promise.all(['/clickhouse', '/clickhouse/test', '/clickhouse/other'].map((z) => znodeExists(port, z)));
    expect(exists).toEqual([true, true, false]);
  }, 90_000);

  test('a second run finds both and succeeds without retrying', async () => {
    const run = await runScript(script);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/retrying/);
    expect(run.stdout.trim().split('\n')).toEqual(['/clickhouse exists', '/clickhouse/test exists']);
    expect(await znodeExists(port, '/clickhouse/test')).toBe(true);
  }, 60_000);
});
