import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

// Debian's `zookeeper` package, run in the foreground through java so the rehearsal owns the process.
const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';
const JLINE = '/usr/share/java/jline.jar';
const JAVA = '/usr/bin/java';

/** Why a ZooKeeper cannot be started here, or undefined when it can. */
export function zooKeeperProblem(): string | undefined {
  for (const f of [ZOOKEEPER_JAR, SLF4J_SIMPLE, JAVA]) {
    if (!fs.existsSync(f)) return `${f} is missing: the rehearsal's storage half runs Debian's ZooKeeper (apt-get install zookeeper)`;
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function ruok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (d) => { answer += d.toString(); });
    socket.on('end', () => resolve(answer === 'imok'));
    socket.on('timeout', () => { socket.destroy(); resolve(false); });
    socket.on('error', () => resolve(false));
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * A standalone ZooKeeper (Debian's package) on a free loopback port, in a scratch folder. The
 * rehearsal's storage engines register their Replicated tables in it; `tree()` reads ZooKeeper's
 * own view back with its command-line client.
 */
export class LocalZooKeeper {
  public static async start(dir?: string): Promise<LocalZooKeeper> {
    const problem = zooKeeperProblem();
    if (problem !== undefined) throw new Error(problem);
    const work = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-zk-'));
    fs.mkdirSync(work, { recursive: true });
    const port = await freePort();
    const cfg = path.join(work, 'zoo.cfg');
    fs.writeFileSync(cfg, [`tickTime=500`, `dataDir=${work}/data`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
      'minSessionTimeout=1000', 'maxSessionTimeout=30000', 'admin.enableServer=false', '4lw.commands.whitelist=ruok', ''].join('\n'));
    const proc = spawn(JAVA, ['-cp', `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE}`, '-Xmx128m', '-XX:TieredStopAtLevel=1',
      'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: 'ignore' });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const zk = new LocalZooKeeper(proc, work, port);
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

  private constructor(private readonly proc: ChildProcess, public readonly dir: string, public readonly port: number) {}

  private cli(args: readonly string[], input?: string, tolerateExit = false): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(JAVA, ['-cp', [ZOOKEEPER_JAR, SLF4J_SIMPLE, JLINE].join(':'), '-XX:TieredStopAtLevel=1', '-Xmx64m',
        'org.apache.zookeeper.ZooKeeperMain', '-server', `127.0.0.1:${this.port}`, ...args], { timeout: 30_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => (err && !(tolerateExit && err.code !== undefined && !err.killed) ? reject(new Error(`zkCli failed: ${err.message}\n${stderr.slice(-1000)}`)) : resolve(stdout)));
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Creates znodes, parents first (an existing one is left as it is). */
  public async create(znodes: readonly string[]): Promise<void> {
    if (znodes.length === 0) return;
    // One command per client run (piped commands are not reliable in batch mode); zkCli's exit
    // code does not say whether the node exists, so the tree is asked, and a miss retried.
    const missing: string[] = [];
    for (const z of znodes) {
      let made = false;
      for (let attempt = 0; attempt < 3 && !made; attempt++) {
        await this.cli(['create', z, ''], undefined, true).catch(() => undefined);
        made = (await this.tree(z).catch((): string[] => [])).includes(z);
      }
      if (!made) missing.push(z);
    }
    if (missing.length > 0) throw new Error(`ZooKeeper did not create ${missing.join(', ')}`);
  }

  /** Every znode path under `root` (inclusive), as ZooKeeper lists them (`ls -R`). */
  public async tree(root: string): Promise<string[]> {
    const out = await this.cli(['ls', '-R', root]);
    return out.split('\n').map((l) => l.trim()).filter((l) => l === root || l.startsWith(root + '/')).sort();
  }

  public async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      // A scratch server: nothing to shut down cleanly, and a JVM's orderly exit takes a while.
      this.proc.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP relay in front of ZooKeeper for one engine, so a drill can cut that engine's ZooKeeper
 * connection alone (its Replicated tables go read-only) and restore it.
 */
export class ZooKeeperLink {
  public static async open(zookeeperPort: number): Promise<ZooKeeperLink> {
    const link = new ZooKeeperLink(zookeeperPort);
    await new Promise<void>((resolve) => link.server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  private readonly server: net.Server;

  private constructor(private readonly zookeeperPort: number) {
    this.server = net.createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = net.createConnection({ host: '127.0.0.1', port: this.zookeeperPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  public get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Drops every connection and refuses new ones. */
  public disconnect(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  public reconnect(): void {
    this.cut = false;
  }

  public close(): void {
    this.disconnect();
    this.server.close();
  }
}
