import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createConnection, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { create } from 'xmlbuilder2';
import { RenderedFile } from '../../../lib/render/file';

// Debian's `zookeeper` package, run in the foreground through java so the test owns the process.
const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';
export const hasZooKeeper = existsSync(ZOOKEEPER_JAR) && existsSync(SLF4J_SIMPLE) && existsSync('/usr/bin/java');

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

function ruok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (d) => { answer += d.toString(); });
    socket.on('end', () => resolve(answer === 'imok'));
    socket.on('timeout', () => { socket.destroy(); resolve(false); });
    socket.on('error', () => resolve(false));
  });
}

/** A standalone ZooKeeper on a free loopback port, in a scratch folder. */
export class LocalZooKeeper {
  public static async start(): Promise<LocalZooKeeper> {
    const dir = mkdtempSync(join(tmpdir(), 'schema-zk-'));
    const port = await freePort();
    const cfg = join(dir, 'zoo.cfg');
    writeFileSync(cfg, [`tickTime=2000`, `dataDir=${dir}/data`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
      'admin.enableServer=false', '4lw.commands.whitelist=ruok', ''].join('\n'));
    const proc = spawn('/usr/bin/java', ['-cp', `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE}`, '-Xmx128m', '-XX:TieredStopAtLevel=1',
      'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: 'ignore' });
    const zk = new LocalZooKeeper(proc, dir, port);
    const deadline = Date.now() + 30_000;
    while (!(await ruok(port))) {
      if (Date.now() > deadline || proc.exitCode !== null) {
        await zk.stop();
        throw new Error('ZooKeeper did not answer ruok within 30 s');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return zk;
  }

  private constructor(private readonly proc: ChildProcess, private readonly dir: string, public readonly port: number) {}

  /**
   * The rendered zookeeper.xml with its nodes replaced by this server. The region's chroot is
   * dropped too: ClickHouse does not create a missing root, and this ensemble is empty.
   */
  public pointConfigHere(files: readonly RenderedFile[]): RenderedFile[] {
    return files.map((f) => {
      if (!f.content.includes('<zookeeper')) return f;
      const doc = create(f.content);
      const zookeeper = doc.root().find((n) => n.node.nodeName === 'zookeeper', false, true);
      if (zookeeper === undefined) return f;
      for (const child of zookeeper.filter((n) => ['node', 'root'].includes(n.node.nodeName))) child.remove();
      zookeeper.ele('node').ele('host').txt('127.0.0.1').up().ele('port').txt(String(this.port));
      return { path: f.path, content: doc.end({ prettyPrint: true }) };
    });
  }

  public async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      // A scratch server: nothing to shut down cleanly, and a JVM's orderly exit takes a while.
      this.proc.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
