import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as path from 'path';
import { ConfigFile } from '../../support/clickhouse-engine';

/**
 * A ClickHouseEngine in a child process of its own. Two reasons: under jest, `process.env` is a
 * copy, so `from_env` values set by a test never reach ClickHouse in the same process; and chdb
 * keeps server-wide state (the Kafka consumer pool, server settings) from the first session of a
 * process, so each node group needs a fresh process to be loaded as a server would load it.
 */
export class EngineProcess {
  public static async open(files: readonly ConfigFile[], env: Record<string, string> = {}): Promise<EngineProcess> {
    const worker = path.join(__dirname, 'engine-worker.ts');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', worker], {
      cwd: path.join(__dirname, '..', '..', '..'),
      env: { ...process.env, ...env, RES_OPTIONS: DNS_OPTIONS },
    });
    const engine = new EngineProcess(child);
    const opened = await engine.request({ op: 'open', files: [...files], env });
    if (opened.error !== undefined) {
      await engine.close();
      throw new Error(`ClickHouse rejected the config: ${opened.error}`);
    }
    return engine;
  }

  private nextId = 1;
  private readonly pending = new Map<number, (r: EngineResponse) => void>();
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith(RESPONSE_PREFIX)) continue;
        const response = JSON.parse(line.slice(RESPONSE_PREFIX.length)) as EngineResponse;
        this.pending.get(response.id)?.(response);
        this.pending.delete(response.id);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.on('exit', () => {
      for (const [id, done] of this.pending) done({ id, error: `engine process exited: ${this.stderr.slice(0, 2000)}` });
      this.pending.clear();
      resolve();
    }));
  }

  /** Rows as objects (JSONEachRow); throws ClickHouse's error. */
  public async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return orThrow(await this.request({ op: 'rows', sql })).rows as T[];
  }

  /** One scalar value; throws ClickHouse's error. */
  public async value(sql: string): Promise<string> {
    return orThrow(await this.request({ op: 'value', sql })).value!;
  }

  public async exec(sql: string): Promise<void> {
    orThrow(await this.request({ op: 'exec', sql }));
  }

  /** ClickHouse's error message for `sql`, or undefined if it succeeded. */
  public async errorOf(sql: string): Promise<string | undefined> {
    return (await this.request({ op: 'rows', sql })).error;
  }

  /**
   * Ends the process without closing the session: chdb's shutdown waits for ZooKeeper-backed
   * replicated tables it cannot shut down cleanly.
   */
  public async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Closes the session and waits for the process to end. */
  public async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  private request(body: DistributiveOmit<EngineRequest, 'id'>): Promise<EngineResponse> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin.write(JSON.stringify({ ...body, id }) + '\n');
    });
  }
}

/**
 * ClickHouse resolves every remote_servers host when it first builds a cluster, and this
 * machine's DNS server drops some queries (glibc then waits 5 s): no retries, so an unresolvable
 * test host fails at once.
 */
const DNS_OPTIONS = 'attempts:0';

export const RESPONSE_PREFIX = '@@engine ';

export type EngineRequest =
  | { readonly id: number; readonly op: 'open'; readonly files: ConfigFile[]; readonly env: Record<string, string> }
  | { readonly id: number; readonly op: 'rows' | 'value' | 'exec'; readonly sql: string };

export interface EngineResponse {
  readonly id: number;
  readonly rows?: unknown[];
  readonly value?: string;
  readonly error?: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function orThrow(response: EngineResponse): EngineResponse {
  if (response.error !== undefined) throw new Error(response.error);
  return response;
}
