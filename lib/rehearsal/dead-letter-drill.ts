/**
 * Dead letters: good events and one malformed message are produced to a stream's topic on the
 * mock Kafka cluster; the malformed one lands in the stream's dead-letter table with its raw
 * text, its error and its topic, partition and offset, and every good event lands in the data
 * table exactly once. In a file of its own, run like every drill (`runDrill`).
 */
import type { StreamDocument } from './bundle';
import type { DrillOptions, DrillReport } from './drill-report';
import { sampleEvents } from './sample-events';
import { runDrill } from './run-drill';
import { RehearsalSession, GROUP_SETTLE_TIMEOUT_MS } from './session';

/** The message the drill sends that no JSONEachRow parser accepts. */
export const MALFORMED_MESSAGE = '{"this is": not json';

/** A stream's dead-letter table (older topology.json files do not list it). */
function deadLetterTable(stream: StreamDocument): string {
  return (stream as StreamDocument & { deadLetterTable?: string }).deadLetterTable ?? `${stream.name}_dead_letters`;
}

export async function deadLetterDrill(bundle: RehearsalSession['bundle'], options: DrillOptions = {}): Promise<DrillReport> {
  const stream = bundle.topology.streams.find((s) => (options.stream === undefined || s.name === options.stream) && s.shuffle === null && s.engine !== null && s.legs.length > 0);
  if (stream === undefined || stream.engine === null) return { name: 'dead letters', ok: true, skipped: 'no stream with a data table', details: [], seconds: 0 };
  const folds = stream.engine.folds;
  return runDrill('dead letters', bundle, options, (session, details) => deadLetters(session, stream, folds, options, details));
}

/** One run of the drill on a fresh session: whether it passed, with what happened in `details`. */
async function deadLetters(session: RehearsalSession, stream: StreamDocument, folds: boolean, options: DrillOptions, details: string[]): Promise<boolean> {
  const leg = stream.legs[0];
  const batch = options.events ?? 10;
  const timeoutMs = options.timeoutMs ?? 90_000;
  const db = session.database;
  const table = deadLetterTable(stream);
  const node = await session.startEngine(leg.roles[0]);
  await session.waitForAssignments([node], GROUP_SETTLE_TIMEOUT_MS);
  const good = sampleEvents(await session.kafkaColumns(node.engine, leg.kafkaTable), batch);
  // Good events around the malformed one, all on one partition so its offset is known: batch/2 before it.
  const lines = [...good.slice(0, batch / 2), MALFORMED_MESSAGE, ...good.slice(batch / 2)];
  await session.mock(leg.backend).produce(leg.topic, lines.map((payload, n) => ({ payload, key: `dead-letter-${n}`, partition: 0 })));
  details.push(`${batch} good events and 1 malformed message produced to ${leg.backend}/${leg.topic} partition 0 (the malformed one at offset ${batch / 2})`);
  const count = (sql: string): Promise<number> => node.engine.count(sql);
  const landed = await session.waitUntil(timeoutMs, async () => (await count(`SELECT count() FROM ${db}.${table}`)) >= 1
    && (await session.rowsIn(stream.dataTable, [node], folds)) >= batch);
  const rows = await node.engine.rows<{ _topic: string; _partition: string; _offset: string; _error: string; _raw_message: string }>(
    `SELECT _topic, _partition, _offset, _error, _raw_message FROM ${db}.${table} FINAL ORDER BY _offset`);
  const stored = await session.rowsIn(stream.dataTable, [node], folds);
  details.push(`${db}.${table}: ${rows.length} row(s)${rows.map((r) => `; ${r._topic}[${r._partition}]@${r._offset}: ${JSON.stringify(r._raw_message)} (${r._error.split('\n')[0].slice(0, 120)})`).join('')}`);
  details.push(`${db}.${stream.dataTable}: ${stored} of ${batch} good events${folds ? ' (FINAL)' : ''}`);
  const letterOk = rows.length === 1 && rows[0]._raw_message === MALFORMED_MESSAGE && rows[0]._error !== ''
    && rows[0]._topic === leg.topic && Number(rows[0]._partition) === 0 && Number(rows[0]._offset) === batch / 2;
  if (!letterOk) details.push('the malformed message is not in the dead-letter table exactly once with its error and position');
  if (stored !== batch) details.push(`${batch - stored} good events missing or ${stored - batch} extra`);
  return landed && letterOk && stored === batch;
}
