/**
 * Runs a role's statements on a real ClickHouse (chdb) in a child process (the shared test
 * engine), the way a node would boot: its config files, its environment, its statements in
 * order. Then it reads back what ClickHouse created, and kills the engine like a pod: closing
 * waits for the Kafka consumers to give up on their brokers.
 */
import { RenderedFile } from '../../../lib/render/file';
import { TestEngine } from '../../support/engine';

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

/** Kept apart from lib/schema's quoting on purpose: the child must not depend on the code under test. */
function backQuote(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

export async function inspectRole(run: RoleRun): Promise<RoleSnapshot> {
  const engine = await TestEngine.open(run.files, run.env);
  try {
    // chdb has no writable access storage; the role statements are parsed in access-roles.test.ts.
    for (const query of run.queries.filter((q) => !/^\s*(CREATE ROLE|GRANT)\s/.test(q))) {
      const message = await engine.errorOf(query);
      if (message !== undefined) return { error: { query, message }, tables: [], clusters: {}, namedCollections: [], probeResults: [], waited: false };
    }
    const waited = run.waitFor === undefined || await engine.waitFor(run.waitFor.query, run.waitFor.timeoutMs);
    const databases = (typeof run.database === 'string' ? [run.database] : run.database).map((d) => `'${d.replace(/['\\]/g, '')}'`);
    const rows = await engine.rows<Omit<TableSnapshot, 'columns' | 'selectColumns'>>(
      'SELECT database, name, engine, engine_full, create_table_query, as_select, sorting_key, dependencies_table ' +
      `FROM system.tables WHERE database IN (${databases.join(', ')}) ORDER BY database, name`);
    const describe = async (target: string): Promise<string[]> => (await engine.rows<{ name: string }>(`DESCRIBE ${target}`)).map((c) => c.name);
    const tables: TableSnapshot[] = [];
    for (const r of rows) {
      tables.push({
        ...r,
        columns: await describe(`TABLE ${backQuote(r.database)}.${backQuote(r.name)}`),
        selectColumns: r.engine === 'MaterializedView' ? await describe(`(${r.as_select})`) : undefined,
      });
    }
    const clusters = Object.fromEntries((await engine.rows<{ cluster: string; shards: string }>(
      'SELECT cluster, toString(count(DISTINCT shard_num)) AS shards FROM system.clusters GROUP BY cluster')).map((c) => [c.cluster, Number(c.shards)]));
    const namedCollections = (await engine.rows<{ name: string }>('SELECT name FROM system.named_collections ORDER BY name')).map((c) => c.name);
    const probeResults: Record<string, unknown>[][] = [];
    for (const p of run.probes ?? []) probeResults.push(await engine.rows(p));
    return { tables, clusters, namedCollections, probeResults, waited };
  } finally {
    await engine.kill();
  }
}
