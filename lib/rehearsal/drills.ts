import * as fs from 'fs';
import * as path from 'path';
import { LegDocument, RehearsalBundle, StreamDocument } from './bundle';
import { deadLetterDrill } from './dead-letter-drill';
import { sampleEvents } from './sample-events';
import { GROUP_SETTLE_TIMEOUT_MS, RehearsalSession, RoleEngine } from './session';
import { runDrill } from './run-drill';
import type { DrillOptions, DrillReport } from './drill-report';

export type { DrillOptions, DrillReport } from './drill-report';
export { runDrill } from './run-drill';

function pick(bundle: RehearsalBundle, options: DrillOptions, fits: (s: StreamDocument) => boolean): StreamDocument | undefined {
  return bundle.topology.streams.find((s) => (options.stream === undefined || s.name === options.stream) && fits(s));
}

/**
 * Pod replacement: an ingestion node stops part-way through a stream (killed, as a pod whose node
 * dies), and a fresh one comes up with an empty disk (its Kafka table, view and writable table
 * gone, only the data tables of the storage stand-in kept) and the same consumer group. Every
 * event lands; duplicates are accepted only where the data table's engine folds them (FINAL).
 */
export function podReplacementDrill(bundle: RehearsalBundle, options: DrillOptions = {}): Promise<DrillReport> {
  return runDrill('pod replacement', bundle, options, async (session, details) => {
    const stream = pick(bundle, options, (s) => s.shuffle === null && s.engine !== null && s.legs.length > 0);
    if (stream === undefined || stream.engine === null) return 'no stream with a data table';
    const engine = stream.engine;
    const leg = stream.legs[0];
    const role = leg.roles[0];
    const batch = options.events ?? 10;
    const timeoutMs = options.timeoutMs ?? 90_000;
    const db = session.database;
    const first = await session.startEngine(role);
    await session.waitForAssignments([first], GROUP_SETTLE_TIMEOUT_MS);
    details.push(`${role} node A consumes ${leg.topic} on ${leg.backend} with group ${leg.consumerGroup} into ${db}.${stream.dataTable} (${engine.family})`);
    await session.produceFor(stream, leg, first.engine, batch, 0);
    const someLanded = await session.waitUntil(timeoutMs, async () => (await session.rowsIn(stream.dataTable, [first])) > 0);
    if (!someLanded) {
      details.push(`nothing landed from node A within ${timeoutMs / 1000} s`);
      return false;
    }
    // The second batch trickles in, one event at a time; A dies as soon as part of it has landed,
    // with the rest still arriving (read and not yet flushed, or not read at all).
    const metadata = await ownedMetadata(session, first);
    const columns = await session.kafkaColumns(first.engine, leg.kafkaTable);
    const second = sampleEvents(columns, batch, { offset: batch });
    let sent = 0;
    const trickle = (async () => {
      for (; sent < second.length; sent++) {
        await session.produceFor(stream, leg, first.engine, 1, batch + sent, second.slice(sent, sent + 1));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await session.waitUntil(timeoutMs, async () => sent >= second.length || (await session.rowsIn(stream.dataTable, [first])) > batch);
    const landedBefore = await session.rowsIn(stream.dataTable, [first]);
    await first.engine.kill();
    session.forget(first);
    details.push(`node A killed with ${landedBefore} of ${2 * batch} events landed and ${Math.min(sent, second.length)} of the second ${batch} produced`);
    await trickle;

    // An empty ingestion disk: the objects the role's SQL created are gone, the storage tables stay.
    for (const file of metadata) fs.rmSync(file, { force: true });
    for (const name of first.ownedObjects) fs.rmSync(path.join(first.engine.dataDir, 'data', db, name), { force: true, recursive: true });
    // The killed node never leaves its group: the new one waits until the coordinator drops it
    // after session.timeout.ms (6 s in the rehearsal, 45 s by librdkafka's default).
    const startedB = Date.now();
    const successor = await session.startEngine(role, { dir: first.engine.dir });
    details.push(`node B started on an empty ingestion disk: ${successor.ownedObjects.length} objects recreated (${successor.ownedObjects.join(', ')})`);
    const expected = 2 * batch;
    const count = async (final: boolean): Promise<number> => session.rowsIn(stream.dataTable, [successor], final);
    const all = await session.waitUntil(timeoutMs, async () => (await count(engine.folds)) >= expected);
    const raw = await count(false);
    const final = engine.folds ? await count(true) : raw;
    details.push(`node B resumed group ${leg.consumerGroup} after ${((Date.now() - startedB) / 1000).toFixed(1)} s: ${raw} rows${engine.folds ? `, ${final} with FINAL` : ''}, for ${expected} events`);
    if (!all || final < expected) {
      details.push(`missing: ${expected - final} events never landed`);
      return false;
    }
    if (raw > expected && !engine.folds) {
      details.push(`${raw - expected} duplicates in ${db}.${stream.dataTable}, whose ${engine.family} does not fold them`);
      return false;
    }
    if (final > expected) {
      details.push(`${final - expected} rows too many even with FINAL`);
      return false;
    }
    details.push(raw > expected ? `${raw - expected} duplicates, folded by ${engine.family} (FINAL = ${final})` : 'no duplicates');
    return true;
  });
}

async function ownedMetadata(session: RehearsalSession, engine: RoleEngine): Promise<string[]> {
  if (engine.ownedObjects.length === 0) return [];
  const names = engine.ownedObjects.map((n) => `'${n}'`).join(', ');
  const rows = await engine.engine.rows<{ p: string }>(`SELECT metadata_path AS p FROM system.tables WHERE database = '${session.database}' AND name IN (${names})`);
  return rows.map((r) => (path.isAbsolute(r.p) ? r.p : path.join(engine.engine.dataDir, r.p)));
}

/**
 * Backend migration: a stream with legs on two backends (MSK and WarpStream) runs both at once on
 * two mock clusters, and events produced to both land in the same data table. Then the MSK leg is
 * removed (its view, Kafka table and writable table dropped) and the WarpStream leg keeps working.
 */
export function backendMigrationDrill(bundle: RehearsalBundle, options: DrillOptions = {}): Promise<DrillReport> {
  return runDrill('backend migration', bundle, options, async (session, details) => {
    const stream = pick(bundle, options, (s) => s.shuffle === null && new Set(s.legs.map((l) => l.backend)).size >= 2);
    if (stream === undefined) return 'no stream with legs on two backends';
    const batch = options.events ?? 10;
    const timeoutMs = options.timeoutMs ?? 90_000;
    const db = session.database;
    const old = stream.legs.find((l) => l.backendKind === 'msk') ?? stream.legs[0];
    const kept = stream.legs.filter((l) => l !== old);
    const roles = [...new Set(stream.legs.flatMap((l) => l.roles))];
    const engines = await Promise.all(roles.map((r) => session.startEngine(r)));
    const engineOf = (leg: LegDocument): RoleEngine => engines.find((e) => leg.roles.includes(e.role))!;
    await session.waitForAssignments(engines, GROUP_SETTLE_TIMEOUT_MS);
    for (const [i, leg] of stream.legs.entries()) await session.produceFor(stream, leg, engineOf(leg).engine, batch, i * batch);
    const both = batch * stream.legs.length;
    details.push(`legs ${stream.legs.map((l) => `${l.backend}/${l.topic}`).join(' and ')} live at once into ${db}.${stream.dataTable}; ${both} events produced`);
    const landed = await session.waitUntil(timeoutMs, async () => (await session.rowsIn(stream.dataTable, engines)) >= both);
    const afterBoth = await session.rowsIn(stream.dataTable, engines);
    details.push(`${afterBoth}/${both} landed in ${db}.${stream.dataTable} from both backends`);
    if (!landed || afterBoth !== both) return false;

    const oldEngine = engineOf(old);
    // Events for the removed leg's topic, generated while its Kafka table still describes them.
    const later = batch * stream.legs.length;
    const oldEvents = sampleEvents(await session.kafkaColumns(oldEngine.engine, old.kafkaTable), batch, { offset: later });
    for (const object of [old.materializedView, old.kafkaTable, old.writableTable]) {
      await oldEngine.engine.query(`DROP TABLE IF EXISTS ${db}.${object} SYNC`);
    }
    details.push(`leg ${old.backend} removed: ${old.materializedView}, ${old.kafkaTable}, ${old.writableTable} dropped`);
    for (const [i, leg] of stream.legs.entries()) await session.produceFor(stream, leg, engineOf(leg).engine, batch, later + i * batch, leg === old ? oldEvents : undefined);
    const want = afterBoth + batch * kept.length;
    const keptLanded = await session.waitUntil(timeoutMs, async () => (await session.rowsIn(stream.dataTable, engines)) >= want);
    // A removed leg must not deliver anything: give it a flush interval to prove it.
    await new Promise((r) => setTimeout(r, 1500));
    const final = await session.rowsIn(stream.dataTable, engines);
    details.push(`after removal: ${final - afterBoth} of ${batch * kept.length} events from ${kept.map((l) => l.backend).join(', ')} landed; the ${batch} produced to ${old.backend}/${old.topic} did not (leg removed)`);
    return keptLanded && final === want;
  });
}

/**
 * ShuffleHog: events produced to a ShuffleHog stream's source topic come out on its re-keyed
 * topic, every message keyed, and every key on exactly one partition (read back with kcat -C -J).
 */
export function shuffleHogDrill(bundle: RehearsalBundle, options: DrillOptions = {}): Promise<DrillReport> {
  return runDrill('ShuffleHog', bundle, options, async (session, details) => {
    const stream = pick(bundle, options, (s) => s.shuffle !== null);
    if (stream === undefined || stream.shuffle === null) return 'no ShuffleHog stream';
    const sink = stream.shuffle;
    const batch = options.events ?? 20;
    const timeoutMs = options.timeoutMs ?? 90_000;
    const roles = [...new Set(stream.legs.flatMap((l) => l.roles))];
    const engines = await Promise.all(roles.map((r) => session.startEngine(r)));
    await session.waitForAssignments(engines, GROUP_SETTLE_TIMEOUT_MS);
    let produced = 0;
    for (const [i, leg] of stream.legs.entries()) {
      const engine = engines.find((e) => leg.roles.includes(e.role))!.engine;
      // The key's columns cycle through 4 values, so every key is shared by several events.
      const columns = await session.kafkaColumns(engine, leg.kafkaTable);
      const keyColumns = columns.filter((c) => new RegExp(`\\b${c.name}\\b`).test(sink.keyExpression)).map((c) => c.name);
      const events = sampleEvents(columns, batch, { offset: i * batch, repeat: { columns: keyColumns, every: 4 } });
      produced += await session.produceFor(stream, leg, engine, batch, i * batch, events);
    }
    details.push(`${produced} events produced to ${stream.legs.map((l) => `${l.backend}/${l.topic}`).join(', ')}`);
    const mock = session.mock(sink.backend);
    const distinct = async (): Promise<number> => new Set((await mock.consumeAll(sink.topic).catch(() => [])).map((m) => m.payload)).size;
    const arrived = await session.waitUntil(timeoutMs, async () => (await distinct()) >= produced);
    const messages = await mock.consumeAll(sink.topic).catch(() => []);
    const payloads = new Set(messages.map((m) => m.payload)).size;
    const partitionsByKey = new Map<string, Set<number>>();
    let unkeyed = 0;
    for (const m of messages) {
      if (m.key === null || m.key === '') unkeyed++;
      else partitionsByKey.set(m.key, (partitionsByKey.get(m.key) ?? new Set()).add(m.partition));
    }
    const split = [...partitionsByKey].filter(([, ps]) => ps.size > 1);
    const partitions = new Set(messages.map((m) => m.partition));
    details.push(`${messages.length} messages on ${sink.backend}/${sink.topic} keyed by ${sink.keyExpression}: ${partitionsByKey.size} keys over ${partitions.size} partitions`);
    if (messages.length > payloads) details.push(`${messages.length - payloads} messages redelivered (at-least-once)`);
    if (unkeyed > 0) details.push(`${unkeyed} messages without a key`);
    for (const [key, ps] of split) details.push(`key ${key} on partitions ${[...ps].join(', ')}`);
    if (split.length === 0 && unkeyed === 0) details.push('every key on exactly one partition');
    return arrived && payloads === produced && unkeyed === 0 && split.length === 0;
  });
}

/** A drill: what `npm run rehearse -- --drills` runs, one session each. */
export type Drill = (bundle: RehearsalBundle, options?: DrillOptions) => Promise<DrillReport>;

/** The registered drills, in the order they run (extended with `registerDrill`). */
export const DRILLS: Drill[] = [podReplacementDrill, backendMigrationDrill, shuffleHogDrill, deadLetterDrill];

/** Adds a drill to every `runDrills` run (a drill in its own file registers itself once, at import). */
export function registerDrill(drill: Drill): void {
  if (!DRILLS.includes(drill)) DRILLS.push(drill);
}

/**
 * Every registered drill, each in its own session, at most `concurrency` at a time (engines are
 * CPU-heavy); the last registered start first (the whole-path drills, the longest), reports in
 * registration order.
 */
export async function runDrills(bundle: RehearsalBundle, options: DrillOptions & { readonly concurrency?: number } = {}): Promise<DrillReport[]> {
  const limit = Math.max(1, options.concurrency ?? 2);
  const reports: DrillReport[] = new Array(DRILLS.length);
  const order = DRILLS.map((_, i) => DRILLS.length - 1 - i);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, DRILLS.length) }, async () => {
    while (next < order.length) {
      const i = order[next++];
      reports[i] = await DRILLS[i](bundle, options);
    }
  }));
  return reports;
}

export function formatDrill(d: DrillReport): string {
  const head = d.skipped !== undefined ? `- drill ${d.name}: skipped (${d.skipped})` : `${d.ok ? '✓' : '✗'} drill ${d.name}: ${d.ok ? 'passed' : 'FAILED'} (${d.seconds.toFixed(1)} s)`;
  return [head, ...d.details.map((l) => `    ${l}`)].join('\n');
}
