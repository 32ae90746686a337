/**
 * The one way tests run a real ClickHouse (chdb) in a child process: the product's own rehearsal
 * engine process (lib/rehearsal/engine-process), so the tests exercise it too. A child process,
 * because under jest `process.env` writes never reach chdb's `from_env`, and chdb's Kafka engine
 * works only in the first Session of a process: every engine gets a fresh process.
 *
 * Tests that only read results end the engine with `kill()` (SIGKILL): a clean shutdown waits for
 * the Kafka engine's in-flight polls and for ZooKeeper-backed tables.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { create } from 'xmlbuilder2';
import { EngineProcess, EngineQueryError } from '../../lib/rehearsal/engine-process';
import { rehearsalStorage } from '../../lib/rehearsal/overrides';

/** A rendered file to place under the engine's config folder, e.g. `config.d/remote_servers.xml`. */
export interface ConfigFile {
  readonly path: string;
  readonly content: string;
}

/**
 * The rendered hosts only resolve inside the VPC and this machine's DNS server drops some
 * queries (glibc then waits 5 s per retry): no retries, so ClickHouse's lookups of cluster hosts
 * fail at once. Set in the child before chdb starts; glibc reads it at its first lookup.
 */
const NO_DNS_RETRIES = { RES_OPTIONS: 'attempts:0' };

/** Tests read named collections' values; the rehearsal's default user may only list them. */
const SHOW_SECRETS: ConfigFile = {
  path: 'users.d/zz_test_show_secrets.xml',
  content: create({ version: '1.0' }, { clickhouse: { users: { default: { show_named_collections_secrets: 1 } } } })
    .end({ prettyPrint: true }),
};

/**
 * A config.d file that gives the consumer groups of these named collections short sessions (6 s,
 * heartbeats every 0.5 s; librdkafka's default session is 45 s). librdkafka's mock coordinator
 * holds every rebalance after the first for session.timeout.ms − 1 s, so two consumers joining a
 * moment apart would otherwise stall a test for 44 s. Only the test's timing changes: a table on
 * a named collection takes its librdkafka settings from the collection's own <kafka> element.
 */
export function shortKafkaSessions(collections: readonly string[]): ConfigFile {
  const kafka = { session_timeout_ms: 6000, heartbeat_interval_ms: 500 };
  const named = Object.fromEntries(collections.map((c) => [c, { kafka }]));
  return {
    path: 'config.d/zz_test_kafka_sessions.xml',
    content: create({ version: '1.0' }, { clickhouse: { named_collections: named } }).end({ prettyPrint: true }),
  };
}

export class TestEngine {
  /** Loads `files` (config.d/, users.d/ ...) with `env` for from_env; rejects with ClickHouse's reason if the config is refused. */
  public static async open(files: readonly ConfigFile[], env: Readonly<Record<string, string>> = {}): Promise<TestEngine> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-engine-'));
    try {
      // Data tables name the storage hosts' `tiered` policy: an engine without a storage config of
      // its own gets the rehearsal's stand-in of it (same disks and volumes, local folders).
      const storage = files.some((f) => f.content.includes('<storage_configuration>')) ? [] : [rehearsalStorage(dir)];
      const engine = await EngineProcess.start({ dir, configFiles: [...files, ...storage, SHOW_SECRETS], env: { ...NO_DNS_RETRIES, ...env } });
      return new TestEngine(engine, dir);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`ClickHouse rejected the config: ${(e as Error).message}`);
    }
  }

  private constructor(private readonly engine: EngineProcess, public readonly dir: string) {}

  /** Rows as objects (JSONEachRow); rejects with ClickHouse's error. */
  public rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return this.engine.rows<T>(sql);
  }

  /** One scalar value as text. */
  public async value(sql: string): Promise<string> {
    return (await this.engine.query(sql, 'TSVRaw')).replace(/\n$/, '');
  }

  public async exec(sql: string): Promise<void> {
    await this.engine.query(sql);
  }

  /** ClickHouse's error message for `sql`, or undefined if it succeeded. */
  public async errorOf(sql: string): Promise<string | undefined> {
    try {
      await this.engine.rows(sql);
      return undefined;
    } catch (e) {
      if (e instanceof EngineQueryError) return e.clickhouseMessage;
      throw e;
    }
  }

  /** Polls `query` until it returns 1; false if it did not within `timeoutMs`. */
  public async waitFor(query: string, timeoutMs: number, pollMs = 100): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.value(query)) === '1') return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Ends the process at once (SIGKILL), like a pod being killed, and removes its folder. */
  public async kill(): Promise<void> {
    await this.engine.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Shuts ClickHouse down cleanly, then removes its folder. */
  public async close(): Promise<void> {
    await this.engine.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Statements to run on a fresh engine, then queries whose rows come back. */
export interface EngineJob {
  readonly files: readonly ConfigFile[];
  readonly env: Readonly<Record<string, string>>;
  /** Run in order; the first failure stops the job and is reported. */
  readonly statements: readonly { readonly name: string; readonly sql: string }[];
  /** Run after the statements; rows by key. */
  readonly queries: Readonly<Record<string, string>>;
}

export interface EngineJobResult {
  readonly opened: boolean;
  readonly error?: string;
  /** Name of the statement that failed, if one did. */
  readonly failedStatement?: string;
  readonly results: Record<string, Record<string, unknown>[]>;
}

/** Runs one job on a fresh engine and kills it after the results. Never rejects for ClickHouse errors. */
export async function runEngineJob(job: EngineJob): Promise<EngineJobResult> {
  let engine: TestEngine;
  try {
    engine = await TestEngine.open(job.files, job.env);
  } catch (e) {
    return { opened: false, error: String(e), results: {} };
  }
  const results: Record<string, Record<string, unknown>[]> = {};
  try {
    for (const s of job.statements) {
      try {
        await engine.exec(s.sql);
      } catch (e) {
        return { opened: true, failedStatement: s.name, error: String(e), results };
      }
    }
    for (const [key, sql] of Object.entries(job.queries)) results[key] = await engine.rows(sql);
    return { opened: true, results };
  } finally {
    await engine.kill();
  }
}

/** Maps `items` through `fn`, at most `concurrency` at a time; results in input order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
