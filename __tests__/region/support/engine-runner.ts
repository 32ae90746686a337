/**
 * Runs one ClickHouse node's rendered config and SQL in a fresh process and prints what it found
 * as JSON. chdb's Kafka engine works only in the first Session a process opens (later ones fail
 * with "Shutdown was called"), so every node group gets a process of its own.
 * Input (stdin): an EngineJob. Output (stdout): an EngineResult.
 */
import { ClickHouseEngine, ConfigFile } from '../../support/clickhouse-engine';

export interface EngineJob {
  readonly files: readonly ConfigFile[];
  readonly env: Readonly<Record<string, string>>;
  /** Statements run in order; the first failure stops the run. */
  readonly statements: readonly { readonly name: string; readonly sql: string }[];
  /** Queries run after the statements, results returned by key (JSONEachRow rows). */
  readonly queries: Readonly<Record<string, string>>;
}

export interface EngineResult {
  readonly opened: boolean;
  readonly error?: string;
  /** Name of the statement that failed, if one did. */
  readonly failedStatement?: string;
  readonly results: Record<string, Record<string, unknown>[]>;
}

export function runJob(job: EngineJob): EngineResult {
  let engine: ClickHouseEngine;
  try {
    engine = ClickHouseEngine.open(job.files, job.env);
  } catch (e) {
    return { opened: false, error: String(e), results: {} };
  }
  const results: Record<string, Record<string, unknown>[]> = {};
  try {
    for (const s of job.statements) {
      try {
        engine.exec(s.sql);
      } catch (e) {
        return { opened: true, failedStatement: s.name, error: String(e), results };
      }
    }
    for (const [key, sql] of Object.entries(job.queries)) results[key] = engine.rows(sql);
    return { opened: true, results };
  } finally {
    engine.close();
  }
}

if (require.main === module) {
  const input = require('fs').readFileSync(0, 'utf8') as string;
  process.stdout.write(JSON.stringify(runJob(JSON.parse(input) as EngineJob)));
}
