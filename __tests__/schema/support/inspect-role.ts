/**
 * Runs a role's statements on a real ClickHouse (chdb) in a child process, the way a node would
 * boot: its config files, its environment, its statements in order. Then it reads back what
 * ClickHouse created.
 *
 * Why a child process: after a chdb Session closes, the Kafka engine's background pool stays
 * shut down for the whole process ("Shutdown was called" on the next CREATE ... ENGINE = Kafka),
 * so every role gets a fresh process, and the jest worker never opens chdb itself (it would
 * poison later test files in the same worker).
 */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { RenderedFile } from '../../../lib/render/file';
import { ClickHouseEngine } from '../../support/clickhouse-engine';

export interface RoleRun {
  readonly files: readonly RenderedFile[];
  readonly env: Readonly<Record<string, string>>;
  /** Executed in order; the first failure stops the run and is reported. */
  readonly queries: readonly string[];
  /** The database(s) whose tables are read back. */
  readonly database: string | readonly string[];
  /**
   * Queries run after `queries`, whose rows come back in `probeResults` (same order).
   * @default none
   */
  readonly probes?: readonly string[];
  /**
   * Before reading back, poll this query until it returns 1 (e.g. until the Kafka engine consumed
   * and committed), for at most `timeoutMs`.
   * @default no wait
   */
  readonly waitFor?: { readonly query: string; readonly timeoutMs: number };
  /**
   * Kill the child (SIGKILL) instead of closing the session, like a pod being killed. Closing or
   * exiting waits for the Kafka engine's in-flight poll (up to kafka_poll_timeout_ms, 10 s here).
   * @default false
   */
  readonly kill?: boolean;
}

export interface TableSnapshot {
  readonly database: string;
  readonly name: string;
  readonly engine: string;
  readonly engine_full: string;
  readonly create_table_query: string;
  readonly as_select: string;
  readonly sorting_key: string;
  readonly dependencies_table: readonly string[];
  /** Column names as ClickHouse describes the table. */
  readonly columns: readonly string[];
  /** For a materialized view: the column names its SELECT produces. */
  readonly selectColumns?: readonly string[];
}

export interface RoleSnapshot {
  /** The failing query and ClickHouse's message, if a query failed. */
  readonly error?: { readonly query: string; readonly message: string };
  readonly tables: readonly TableSnapshot[];
  /** Shard count by cluster name (system.clusters). */
  readonly clusters: Readonly<Record<string, number>>;
  readonly namedCollections: readonly string[];
  /** Rows of each probe query (JSONEachRow objects). */
  readonly probeResults: readonly (readonly Record<string, unknown>[])[];
  /** Whether `waitFor` returned 1 in time (true when there was nothing to wait for). */
  readonly waited: boolean;
}

const MARKER = '@@ROLE-SNAPSHOT@@';

let childScript: string | undefined;

/**
 * This file and the engine helper transpiled to plain JavaScript once, so each child starts with
 * bare node (ts-node would add most of a second per role).
 */
function compiledChild(): string {
  if (childScript !== undefined) return childScript;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-child-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const sources: [string, string][] = [
    [__filename, 'schema/support/inspect-role.js'],
    [path.join(__dirname, '../../support/clickhouse-engine.ts'), 'support/clickhouse-engine.js'],
  ];
  for (const [source, target] of sources) {
    const js = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
    }).outputText;
    fs.mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
    fs.writeFileSync(path.join(dir, target), js);
  }
  childScript = path.join(dir, 'schema/support/inspect-role.js');
  return childScript;
}

function childOptions(): { encoding: 'utf8'; maxBuffer: number; timeout: number; env: NodeJS.ProcessEnv } {
  return {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 150_000,
    // attempts:0: the rendered hosts only resolve inside the VPC; without it ClickHouse's lookups
    // of dozens of cluster hosts hit DNS retries and a CREATE takes seconds.
    env: { ...process.env, RES_OPTIONS: 'attempts:0', NODE_PATH: path.resolve(__dirname, '../../../node_modules') },
  };
}

export function inspectRole(run: RoleRun): RoleSnapshot {
  const child = spawnSync(process.execPath, [compiledChild()], { ...childOptions(), input: JSON.stringify(run) });
  const killedOnPurpose = run.kill === true && child.signal === 'SIGKILL';
  if (child.error !== undefined || (child.status !== 0 && !killedOnPurpose)) {
    throw new Error(`the ClickHouse child failed (${child.error?.message ?? `status ${child.status}, signal ${child.signal}`}):\n${child.stderr.slice(-2000)}`);
  }
  return parseSnapshot(child.stdout);
}

/**
 * The same, without blocking this process: use it while this process must keep serving other
 * children (a mock Kafka whose log pipe would otherwise fill up and stall it).
 */
export function inspectRoleAsync(run: RoleRun): Promise<RoleSnapshot> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [compiledChild()], childOptions(), (err, stdout, stderr) => {
      const killedOnPurpose = run.kill === true && err?.signal === 'SIGKILL';
      if (err !== null && !killedOnPurpose) reject(new Error(`${err.message}\n${stderr.slice(-2000)}`));
      else resolve(parseSnapshot(stdout));
    });
    child.stdin!.end(JSON.stringify(run));
  });
}

function parseSnapshot(out: string): RoleSnapshot {
  const line = out.split('\n').find((l) => l.startsWith(MARKER));
  if (line === undefined) throw new Error(`the ClickHouse child printed no snapshot:\n${out}`);
  return JSON.parse(line.slice(MARKER.length)) as RoleSnapshot;
}

/** Kept apart from lib/schema's quoting on purpose: the child must not depend on the code under test. */
function backQuote(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function snapshot(run: RoleRun): RoleSnapshot {
  const engine = ClickHouseEngine.open(run.files, { ...run.env });
  try {
    for (const query of run.queries) {
      try {
        engine.exec(query);
      } catch (e) {
        return { error: { query, message: String(e) }, tables: [], clusters: {}, namedCollections: [], probeResults: [], waited: false };
      }
    }
    let waited = run.waitFor === undefined;
    const deadline = Date.now() + (run.waitFor?.timeoutMs ?? 0);
    while (!waited && Date.now() < deadline) {
      waited = engine.value(run.waitFor!.query) === '1';
      // The engine works in background threads: block this thread briefly between polls.
      if (!waited) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    const databases = (typeof run.database === 'string' ? [run.database] : run.database).map((d) => `'${d.replace(/['\\]/g, '')}'`);
    const rows = engine.rows<Omit<TableSnapshot, 'columns' | 'selectColumns'>>(
      'SELECT database, name, engine, engine_full, create_table_query, as_select, sorting_key, dependencies_table ' +
      `FROM system.tables WHERE database IN (${databases.join(', ')}) ORDER BY database, name`);
    const describe = (target: string): string[] => engine.rows<{ name: string }>(`DESCRIBE ${target}`).map((c) => c.name);
    const tables = rows.map((r) => ({
      ...r,
      columns: describe(`TABLE ${backQuote(r.database)}.${backQuote(r.name)}`),
      selectColumns: r.engine === 'MaterializedView' ? describe(`(${r.as_select})`) : undefined,
    }));
    const clusters = Object.fromEntries(engine.rows<{ cluster: string; shards: string }>(
      'SELECT cluster, toString(count(DISTINCT shard_num)) AS shards FROM system.clusters GROUP BY cluster').map((c) => [c.cluster, Number(c.shards)]));
    const namedCollections = engine.rows<{ name: string }>('SELECT name FROM system.named_collections ORDER BY name').map((c) => c.name);
    const probeResults = (run.probes ?? []).map((p) => engine.rows(p));
    return { tables, clusters, namedCollections, probeResults, waited };
  } finally {
    if (run.kill === true) fs.rmSync(engine.dir, { recursive: true, force: true });
    else engine.close();
  }
}

if (require.main === module) {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { input += chunk; });
  process.stdin.on('end', () => {
    const run = JSON.parse(input) as RoleRun;
    const result = snapshot(run);
    // Writes to a pipe are synchronous on Linux: the snapshot is out before the kill. exit() would
    // run chdb's destructors, which wait for the Kafka engine's in-flight polls.
    process.stdout.write(`\n${MARKER}${JSON.stringify(result)}\n`);
    if (run.kill === true) process.kill(process.pid, 'SIGKILL');
  });
}
