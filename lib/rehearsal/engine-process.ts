import { ChildProcess, fork } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RenderedFile } from '../render/file';
import { mainConfigXml, usersXml } from './overrides';

/** Options of one engine process. */
export interface EngineProcessOptions {
  /** Folder of the engine: `etc/` (config) and `data/` (its disk). Created if missing. */
  readonly dir: string;
  /** config.d/ and users.d/ files, paths relative to `etc/`. */
  readonly configFiles: readonly RenderedFile[];
  /** Environment for `from_env` values. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * How long one query may take.
   * @default 60 s
   */
  readonly queryTimeoutMs?: number;
}

interface Pending {
  readonly resolve: (out: string) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** An error ClickHouse raised for a statement. */
export class EngineQueryError extends Error {
  constructor(public readonly sql: string, public readonly clickhouseMessage: string) {
    super(clickhouseMessage);
    this.name = 'EngineQueryError';
  }
}

/**
 * A real ClickHouse (chdb) in a child process, loaded with rendered config files the way a server
 * loads them. One process per engine: chdb runs one Session per process and its Kafka engine only
 * in the first. `kill()` ends it abruptly, like a node that dies; `close()` shuts it down.
 */
export class EngineProcess {
  public static async start(options: EngineProcessOptions): Promise<EngineProcess> {
    const etc = path.join(options.dir, 'etc');
    const data = path.join(options.dir, 'data');
    fs.mkdirSync(etc, { recursive: true });
    fs.mkdirSync(data, { recursive: true });
    for (const sub of ['config.d', 'users.d']) fs.rmSync(path.join(etc, sub), { recursive: true, force: true });
    for (const f of options.configFiles) {
      const target = path.join(etc, f.path);
      if (!path.resolve(target).startsWith(path.resolve(etc) + path.sep)) throw new Error(`config file outside the engine folder: ${f.path}`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content);
    }
    const users = path.join(etc, 'users.xml');
    fs.writeFileSync(users, usersXml());
    const main = path.join(etc, 'config.xml');
    fs.writeFileSync(main, mainConfigXml({ dataDir: data + path.sep, usersFile: users, logFile: path.join(options.dir, 'clickhouse.log') }));

    const child = fork(workerScript(), [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, NODE_PATH: nodeModulesOf('chdb') },
    });
    const engine = new EngineProcess(child, options.dir, options.queryTimeoutMs ?? 60_000);
    try {
      await engine.request({ op: 'open', dataDir: data, configFile: main, env: { ...options.env } }, 'open');
    } catch (e) {
      // A config ClickHouse rejects must not leave the process behind.
      await engine.kill();
      throw e;
    }
    return engine;
  }

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stderr = '';
  private exited = false;

  private constructor(private readonly child: ChildProcess, public readonly dir: string, private readonly timeoutMs: number) {
    live.add(child);
    child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += d.toString();
    });
    child.on('message', (m: { id: number; ok: boolean; result: string }) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.result));
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      live.delete(child);
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`the engine process ended (${signal ?? code})${this.stderr ? ': ' + this.stderr.slice(0, 2000) : ''}`));
      }
      this.pending.clear();
    });
  }

  /** The data folder: what a pod's volume would hold. */
  public get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  public get running(): boolean {
    return !this.exited;
  }

  private request(message: Record<string, unknown>, what: string): Promise<string> {
    if (this.exited) return Promise.reject(new Error('the engine process has ended'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${what} took longer than ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ ...message, id });
    });
  }

  /** Runs one statement; a ClickHouse error rejects with an `EngineQueryError`. */
  public async query(sql: string, format = 'TSV'): Promise<string> {
    try {
      return await this.request({ op: 'query', sql, format }, 'a query');
    } catch (e) {
      throw new EngineQueryError(sql, e instanceof Error ? e.message : String(e));
    }
  }

  /** Rows as objects. */
  public async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const out = await this.query(sql, 'JSONEachRow');
    return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
  }

  /** One number. */
  public async count(sql: string): Promise<number> {
    return Number((await this.query(sql, 'TSVRaw')).trim());
  }

  /** Shuts ClickHouse down and ends the process. */
  public async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.request({ op: 'close' }, 'close').catch(() => undefined);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    this.kill();
  }

  /** Ends the process at once (SIGKILL), as a node that dies. */
  public kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }
}

let compiledWorker: string | undefined;

/**
 * The worker as JavaScript. From sources (jest, swc-node) it is transpiled once per version of its
 * source into one file in the temp dir, so each engine starts with bare node: a TypeScript loader in every child would
 * add most of a second per engine.
 */
function workerScript(): string {
  if (!__filename.endsWith('.ts')) return path.join(__dirname, 'engine-worker.js');
  if (compiledWorker !== undefined && fs.existsSync(compiledWorker)) return compiledWorker;
  // One file per version of the source, shared by every process: no folder per process is left
  // behind when a test runner ends its workers without an 'exit' event.
  const source = path.join(__dirname, 'engine-worker.ts');
  const version = createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `cdktf-clickhouse-ingest-engine-worker-${version}.js`);
  if (!fs.existsSync(file)) {
    const { transformFileSync } = require('@swc/core') as typeof import('@swc/core');
    const { code } = transformFileSync(source, {
      swcrc: false, configFile: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
    });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, file); // atomic: a concurrent process sees the whole file or none
  }
  compiledWorker = file;
  return compiledWorker;
}

/** The node_modules folder a package resolves from here: the worker's imports resolve there even from a temp folder. */
function nodeModulesOf(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg));
  while (path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Engine processes still running, ended when this process exits (a failing test must not leave them). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
