/**
 * Runs one ClickHouse engine in its own process. chdb keeps one ClickHouse per process, and after
 * a session closes, the next one in the same process cannot create Kafka tables ("Shutdown was
 * called"); each installation therefore gets a fresh process. Reads a job as JSON on stdin,
 * writes the rows of each query as JSON on stdout.
 */
import * as fs from 'fs';
import { ClickHouseEngine, ConfigFile } from '../../support/clickhouse-engine';

export interface EngineJob {
  readonly files: readonly ConfigFile[];
  readonly env: Record<string, string>;
  /** Statements run in order before the queries. */
  readonly exec: readonly string[];
  /** Queries whose rows are returned, in order. */
  readonly queries: readonly string[];
}

if (require.main === module) {
  const job = JSON.parse(fs.readFileSync(0, 'utf8')) as EngineJob;
  const engine = ClickHouseEngine.open(job.files, job.env);
  let output: { rows?: unknown[][]; error?: string };
  try {
    for (const sql of job.exec) engine.exec(sql);
    output = { rows: job.queries.map((q) => engine.rows(q)) };
  } catch (e) {
    output = { error: String((e as Error).message ?? e) };
  } finally {
    engine.close();
  }
  // A marker: ClickHouse may write its own lines to stdout.
  fs.writeSync(1, '\n@@RESULT@@' + JSON.stringify(output));
}
