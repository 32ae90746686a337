import { LegDocument, RehearsalBundle, RehearsalError, StreamDocument, withStreams } from './bundle';
import { EngineProcess } from './engine-process';
import { compareRows, normalizeProduced } from './compare';
import { ColumnType } from './sample-events';
import { firstLine, standInNotes, RehearsalSession, RoleEngine, topicKey, TopicRef, GROUP_SETTLE_TIMEOUT_MS } from './session';
import { LANDED_DATABASE, TableReplication } from './storage-half';

/** One leg of a stream in the report. */
export interface LegReport {
  readonly backend: string;
  readonly topic: string;
  readonly consumerGroup: string;
  readonly roles: readonly string[];
  readonly kafkaTable: string;
  /** Messages on the leg's topic. */
  readonly produced: number;
  /** Messages the leg's consumer group has committed (written to its target, then committed). */
  readonly committed: number;
  /** Messages on the topic past the consumers' positions. */
  readonly lag: number;
  /** The topic's partitions, as declared and created on the mock. */
  readonly partitions?: number;
  /** Partitions assigned to each engine consuming the leg (one entry per engine, in start order). */
  readonly partitionsPerEngine?: readonly number[];
  /** This leg's events that landed (paired with a row), when rows were compared. */
  readonly landed?: number;
  /** Fields that differ between this leg's events and their rows. */
  readonly mismatches?: number;
  /** The first differences. */
  readonly mismatchExamples?: readonly string[];
}

/** One stream in the report. */
export interface StreamReport {
  readonly name: string;
  /** `posthog.groups`, or `topic events_by_team on warpstream_ingestion` for a ShuffleHog stream. */
  readonly target: string;
  readonly expected: number;
  /** Events that landed: rows in the data table (messages on a ShuffleHog topic), at most `expected`. */
  readonly landed: number;
  /** Rows (or messages) beyond the events produced: redeliveries, harmless only where the engine folds them. */
  readonly duplicates: number;
  /** Rows with FINAL where the engine folds equal keys (distinct payloads on a ShuffleHog topic); otherwise the row count. */
  readonly distinct: number;
  /** Seconds from the first produced event until every expected row had landed. */
  readonly secondsToLand?: number;
  readonly ok: boolean;
  /** What broke the chain, naming the object. */
  readonly problem?: string;
  readonly legs: readonly LegReport[];
  /** Fields that differ between produced events and landed rows, over every leg (when compared). */
  readonly mismatches?: number;
  /** The data table as ZooKeeper holds it: per shard, its path and registered replicas (with the storage half). */
  readonly replication?: TableReplication;
}

export interface RehearsalReport {
  readonly region: string;
  readonly ok: boolean;
  readonly streams: readonly StreamReport[];
  /** What the rehearsal changed in the rendered config to run offline. */
  readonly notes: readonly string[];
  readonly seconds: number;
}

export interface RehearseOptions {
  readonly bundle: RehearsalBundle;
  /**
   * Events generated per source topic.
   * @default 20
   */
  readonly eventsPerTopic?: number;
  /**
   * JSON lines to produce instead of generated events, by source topic name.
   * @default generated from each Kafka table's columns
   */
  readonly events?: Readonly<Record<string, readonly string[]>>;
  /**
   * How long to wait for every event to land.
   * @default 90 s
   */
  readonly timeoutMs?: number;
  /** Progress lines while waiting. @default none */
  readonly onProgress?: (line: string) => void;
  /**
   * Folder for the engines' disks; a second run (its first one's stand-in broker failed) uses
   * `<workDir>/run-2`.
   * @default a temporary folder, removed afterwards
   */
  readonly workDir?: string;
  /**
   * Only this stream (its legs, engines and topics); the others are left out of the report.
   * @default every stream
   */
  readonly stream?: string;
  /**
   * Run the storage half: an engine per data host on a real ZooKeeper, the artifacts checked
   * against the model first. Without it, each ingestion engine holds the data tables itself.
   * @default true
   */
  readonly storage?: boolean;
  /**
   * Engines per ingestion tier, at most the tier's nodes.
   * @default 2
   */
  readonly enginesPerTier?: number;
}

const POLL_MS = 250;

/** Streams and legs as a flow: which topics are produced by the region itself (ShuffleHog sinks). */
export interface Flow {
  readonly streams: readonly StreamDocument[];
  /** Topics the region consumes but nothing in it produces: the rehearsal produces these. */
  readonly sources: readonly (TopicRef & { readonly stream: StreamDocument; readonly leg: LegDocument })[];
}

export function flowOf(streams: readonly StreamDocument[]): Flow {
  const sinks = new Set(streams.filter((s) => s.shuffle).map((s) => topicKey(s.shuffle!)));
  const seen = new Set<string>();
  const sources: (TopicRef & { stream: StreamDocument; leg: LegDocument })[] = [];
  for (const stream of streams) {
    for (const leg of stream.legs) {
      const key = topicKey(leg);
      if (sinks.has(key) || seen.has(key)) continue;
      seen.add(key);
      sources.push({ backend: leg.backend, topic: leg.topic, stream, leg });
    }
  }
  return { streams, sources };
}

/** Messages expected on each topic: produced ones on sources, and for each ShuffleHog sink what its legs read. */
export function expectedMessages(flow: Flow, produced: ReadonlyMap<string, number>): Map<string, number> {
  const expected = new Map(produced);
  // A sink can feed another ShuffleHog stream; resolve until nothing changes (streams are few).
  for (let round = 0; round <= flow.streams.length; round++) {
    for (const s of flow.streams) {
      if (!s.shuffle) continue;
      expected.set(topicKey(s.shuffle), s.legs.reduce((n, l) => n + (expected.get(topicKey(l)) ?? 0), 0));
    }
  }
  return expected;
}

function enginesFor(stream: StreamDocument, engines: readonly RoleEngine[]): RoleEngine[] {
  const roles = new Set(stream.legs.flatMap((l) => l.roles));
  return engines.filter((e) => roles.has(e.role));
}

/**
 * A leg's consumer lag as the broker sees it: messages past the group's committed offsets. The
 * Kafka engine commits only after the block is written to its target, so committed = delivered.
 */
export async function legLag(session: RehearsalSession, leg: LegDocument): Promise<number> {
  return session.mock(leg.backend).uncommitted(leg.topic, leg.consumerGroup);
}

interface Delivered {
  /** Every row (message) delivered. */
  readonly rows: number;
  /** Rows with FINAL where the engine folds equal keys; distinct payloads on a ShuffleHog topic. */
  readonly distinct: number;
}

/** What a stream has delivered so far. */
async function delivered(session: RehearsalSession, stream: StreamDocument, engines: readonly RoleEngine[]): Promise<Delivered> {
  if (stream.shuffle) {
    const messages = await session.mock(stream.shuffle.backend).consumeAll(stream.shuffle.topic).catch(() => []);
    return { rows: messages.length, distinct: new Set(messages.map((m) => m.payload)).size };
  }
  if (session.storage !== undefined) {
    const rows = await session.storage.rows(stream.dataTable);
    return { rows, distinct: stream.engine?.folds ? await session.storage.rows(stream.dataTable, true) : rows };
  }
  const on = enginesFor(stream, engines);
  const rows = await session.rowsIn(stream.dataTable, on);
  return { rows, distinct: stream.engine?.folds ? await session.rowsIn(stream.dataTable, on, true) : rows };
}

/**
 * Whether every event arrived: as many rows as events, and with generated events (distinct in
 * every column) as many distinct rows, so a redelivery cannot hide a lost event. The user's own
 * events may legitimately share keys.
 */
function arrived(d: Delivered, expected: number, generated: boolean): boolean {
  return expected > 0 && d.rows >= expected && (!generated || d.distinct >= expected);
}

function targetOf(session: RehearsalSession, stream: StreamDocument): string {
  return stream.shuffle ? `topic ${stream.shuffle.topic} on ${stream.shuffle.backend}` : `${session.database}.${stream.dataTable}`;
}

/**
 * Runs a region's data path offline: a mock Kafka cluster per backend, one engine per ingestion
 * role loaded with that role's rendered config and SQL plus the data role's tables, sample events
 * on every source topic, and a wait until they land. The report says per stream and leg what was
 * produced, what landed, how long it took and the consumer lag, and names the object that broke
 * the chain when something is missing.
 */
export async function rehearse(options: RehearseOptions): Promise<RehearsalReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const bundle = options.stream !== undefined ? withStreams(options.bundle, [options.stream]) : options.bundle;
  const run = await RehearsalSession.run(bundle, { workDir: options.workDir, onProgress: progress }, (session) => runRehearsal(session, options, started));
  const notes = standInNotes(run);
  return notes.length === 0 ? run.value : { ...run.value, ok: run.value.ok && run.failed === undefined, notes: [...run.value.notes, ...notes] };
}

/** The rehearsal on an open session, for callers that keep it open to inspect its engines afterwards. */
export async function runRehearsal(session: RehearsalSession, options: Omit<RehearseOptions, 'bundle'>, started = Date.now()): Promise<RehearsalReport> {
  const topology = session.bundle.topology;
  const progress = session.progress;
  const notes: string[] = [];
  const loadProblems = new Map<string, string>();
  const roles = session.consumingRoles();
  const useStorage = options.storage ?? true;
  if (useStorage) {
    try {
      await session.startStorage();
      notes.push(`storage: ${session.storage!.engines.length} engines (${session.storage!.engines.map((e) => e.host).join(', ')}) on ZooKeeper 127.0.0.1:${session.storage!.zookeeper.port}; ` +
        'remote_servers, ZooKeeper nodes and macros checked against the model before the stand-ins replaced them');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      for (const s of topology.streams) loadProblems.set(s.name, message);
    }
  }
  const perTier = Math.max(1, options.enginesPerTier ?? 2);
  const plan = roles.flatMap((role) => {
    const nodes = topology.ingestionTiers.find((t) => t.role === role)?.nodes ?? 1;
    return Array.from({ length: Math.max(1, Math.min(nodes, perTier)) }, () => role);
  });
  progress(`${topology.name}: starting ${plan.length} ingestion engine${plan.length === 1 ? '' : 's'} (${roles.map((r) => `${r} ×${plan.filter((x) => x === r).length}`).join(', ')}) and ${session.mocks.size} mock Kafka cluster${session.mocks.size === 1 ? '' : 's'}`);
  const engines: RoleEngine[] = [];
  // Two at a time: an engine's start is the CPU-heavy part.
  for (let i = 0; i < plan.length && loadProblems.size < topology.streams.length; i += 2) {
    await Promise.all(plan.slice(i, i + 2).map(async (role) => {
      try {
        engines.push(await session.startEngine(role));
      } catch (e) {
        loadProblems.set(role, e instanceof Error ? e.message : String(e));
      }
    }));
  }
  engines.sort((a, b) => plan.indexOf(a.role) - plan.indexOf(b.role));
  for (const role of roles) {
    for (const [collection, keys] of session.engineConfig(role).authDropped) {
      const note = `named collection ${collection}: ${keys.join(', ')} dropped (the mock broker is plaintext)`;
      if (!notes.includes(note)) notes.push(note);
    }
  }

  const unsettled = await session.waitForAssignments(engines, GROUP_SETTLE_TIMEOUT_MS);
  if (unsettled.length > 0) notes.push(`produced before these groups had every partition assigned: ${unsettled.join(', ')}`);
  const split = await partitionSplit(session, engines);
  const flow = flowOf(topology.streams);
  const produced = new Map<string, number>();
  const count = options.eventsPerTopic ?? 20;
  const produceStart = Date.now();
  let offset = 0;
  for (const src of flow.sources) {
    const engine = engines.find((e) => src.leg.roles.includes(e.role));
    if (engine === undefined) continue;
    try {
      // Each topic gets its own events: two legs of one stream must not deliver equal rows that FINAL would fold.
      // At least one event per partition, so every consumer reads and commits.
      const n = Math.max(count, session.declaredPartitions(src));
      produced.set(topicKey(src), await session.produceFor(src.stream, src.leg, engine.engine, n, offset, options.events?.[src.topic]));
      offset += n;
    } catch (e) {
      loadProblems.set(`${src.stream.name}`, e instanceof Error ? e.message : String(e));
    }
  }
  const expected = expectedMessages(flow, produced);
  const streamExpected = new Map(topology.streams.map((s) => [s.name, s.legs.reduce((n, l) => n + (expected.get(topicKey(l)) ?? 0), 0)]));
  progress(`${topology.name}: produced ${[...produced.values()].reduce((a, b) => a + b, 0)} events to ${produced.size} topic${produced.size === 1 ? '' : 's'}; waiting for them to land`);

  const landedAt = new Map<string, number>();
  const landed = new Map<string, Delivered>();
  const generated = options.events === undefined || Object.keys(options.events).length === 0;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  let lastProgress = 0;
  let lastStructureCheck = Date.now();
  const broken = new Map<string, string>();
  for (;;) {
    await session.forwardNow().catch(() => undefined);
    for (const s of topology.streams) {
      if (landedAt.has(s.name) || !enginesFor(s, engines).length) continue;
      const n = await delivered(session, s, engines);
      landed.set(s.name, n);
      if (arrived(n, streamExpected.get(s.name) ?? 0, generated)) landedAt.set(s.name, Date.now());
    }
    // A stream whose chain is missing an object cannot land: stop waiting for it.
    if (Date.now() - lastStructureCheck >= 2000) {
      lastStructureCheck = Date.now();
      for (const s of topology.streams) {
        if (landedAt.has(s.name) || broken.has(s.name) || !enginesFor(s, engines).length) continue;
        const missing = await missingObject(session, s, engines);
        if (missing !== undefined) broken.set(s.name, missing);
      }
    }
    const waiting = topology.streams.filter((s) => !landedAt.has(s.name) && !broken.has(s.name) && enginesFor(s, engines).length > 0);
    if (Date.now() - lastProgress >= 1000 || waiting.length === 0) {
      lastProgress = Date.now();
      progress(`  ${((Date.now() - produceStart) / 1000).toFixed(1)} s: ` +
        topology.streams.map((s) => `${s.name} ${Math.min(landed.get(s.name)?.rows ?? 0, streamExpected.get(s.name) ?? 0)}/${streamExpected.get(s.name) ?? 0}${landedAt.has(s.name) ? ' ✓' : ''}`).join(', '));
    }
    // A stand-in broker that failed delivers nothing more: the streams still waiting say so.
    const standIn = session.standInFailure();
    if (standIn !== undefined) for (const w of waiting) broken.set(w.name, standIn);
    if (waiting.length === 0 || standIn !== undefined || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  // The Kafka engine commits right after the block is written: give the last commits a moment.
  const lags = new Map<LegDocument, number>();
  const commitDeadline = Date.now() + 5_000;
  for (;;) {
    for (const s of topology.streams) {
      for (const l of s.legs) {
        const produced = expected.get(topicKey(l)) ?? 0;
        if (lags.get(l) !== 0) lags.set(l, await legLag(session, l).catch(() => produced));
      }
    }
    if ([...lags.values()].every((n) => n === 0) || Date.now() > commitDeadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  // Field by field: each leg's events against the rows in the data table.
  const comparisons = new Map<LegDocument, { landed: number; mismatches: number; mismatchExamples: readonly string[] }>();
  const streamMismatches = new Map<string, number>();
  for (const s of topology.streams) {
    if (s.shuffle !== null || loadProblems.has(s.name)) continue;
    const compared = await compareStream(session, s, engines).catch((e: unknown) => {
      notes.push(`${s.name}: rows not compared (${firstLine(e instanceof Error ? e.message : String(e))})`);
      return undefined;
    });
    if (compared === undefined) continue;
    for (const [leg, c] of compared) comparisons.set(leg, c);
    streamMismatches.set(s.name, [...compared.values()].reduce((n, c) => n + c.mismatches, 0));
  }
  const replication = new Map<string, TableReplication>();
  if (session.storage !== undefined) {
    for (const r of await session.storage.replicationOf(topology.streams)) replication.set(r.table, r);
  }
  const held = session.storage !== undefined ? [...session.storage.held.values()] : [];

  const streams: StreamReport[] = [];
  for (const s of topology.streams) {
    const legs: LegReport[] = [];
    for (const l of s.legs) {
      const produced = expected.get(topicKey(l)) ?? 0;
      const lag = lags.get(l) ?? produced;
      legs.push({
        backend: l.backend, topic: l.topic, consumerGroup: l.consumerGroup, roles: l.roles, kafkaTable: l.kafkaTable,
        produced, committed: Math.max(0, produced - lag), lag,
        partitions: session.declaredPartitions(l), partitionsPerEngine: split.get(l)?.counts,
        ...(comparisons.get(l) ?? {}),
      });
    }
    const want = streamExpected.get(s.name) ?? 0;
    let seen = landed.get(s.name) ?? { rows: 0, distinct: 0 };
    // One more look: rows may land between the last poll and the deadline.
    if (!landedAt.has(s.name) && enginesFor(s, engines).length > 0) seen = await delivered(session, s, engines).catch(() => seen);
    const complete = arrived(seen, want, generated);
    const got = complete ? want : Math.min(seen.rows, generated ? seen.distinct : seen.rows, want);
    const duplicates = Math.max(0, seen.rows - want);
    const folds = s.shuffle !== null || s.engine?.folds === true;
    let problem: string | undefined;
    const roleProblem = s.legs.flatMap((l) => l.roles).map((r) => loadProblems.get(r)).find((p) => p !== undefined) ?? loadProblems.get(s.name);
    if (roleProblem !== undefined) problem = roleProblem;
    else if (want === 0) problem = `nothing was produced for stream ${s.name}`;
    else if (generated && seen.distinct > want) problem = `${targetOf(session, s)} holds ${seen.distinct} distinct rows for ${want} events`;
    else if (!folds && seen.rows > want) problem = `${targetOf(session, s)} holds ${seen.rows} rows for ${want} events: ${duplicates} duplicates its ${s.engine?.family ?? ''} engine does not fold`;
    else if (!complete) {
      problem = broken.has(s.name) ? `${s.name}: ${got} of ${want} landed in ${targetOf(session, s)}; ${broken.get(s.name)}` : await diagnose(session, s, engines, legs, got, want);
      const stuck = held.filter((h) => h.includes(`of ${s.targetCluster ?? ''}`));
      if (stuck.length > 0) problem += `; held in the outbox: ${stuck[0]}`;
    } else if ((streamMismatches.get(s.name) ?? 0) > 0) {
      const leg = legs.find((l) => (l.mismatches ?? 0) > 0);
      problem = `${s.name}: ${streamMismatches.get(s.name)} fields differ between produced events and rows in ${targetOf(session, s)}` +
        (leg ? ` (leg ${leg.backend}/${leg.topic}: ${leg.mismatchExamples?.join('; ')})` : '');
    } else if ((replication.get(s.dataTable)?.problems.length ?? 0) > 0) {
      problem = `${s.name}: ${s.dataTable} in ZooKeeper: ${replication.get(s.dataTable)!.problems.join('; ')}`;
    }
    const splitProblem = s.legs.map((l) => split.get(l)?.problem).find((x) => x !== undefined);
    if (problem === undefined && splitProblem !== undefined) problem = `${s.name}: ${splitProblem}`;
    streams.push({
      name: s.name, target: targetOf(session, s), expected: want, landed: got, duplicates, distinct: seen.distinct, ok: problem === undefined,
      secondsToLand: landedAt.has(s.name) ? (landedAt.get(s.name)! - produceStart) / 1000 : undefined, problem, legs,
      mismatches: streamMismatches.get(s.name), replication: replication.get(s.dataTable),
    });
  }
  return { region: topology.name, ok: streams.every((s) => s.ok), streams, notes: [...notes, ...[...session.notes].sort()], seconds: (Date.now() - started) / 1000 };
}

/** How a leg's partitions are split over the engines that consume it. */
interface Split {
  readonly counts: number[];
  readonly problem?: string;
}

async function partitionSplit(session: RehearsalSession, engines: readonly RoleEngine[]): Promise<Map<LegDocument, Split>> {
  const out = new Map<LegDocument, Split>();
  for (const l of session.bundle.topology.streams.flatMap((s) => s.legs)) {
    const on = engines.filter((e) => l.roles.includes(e.role) && e.engine.running);
    if (on.length === 0) continue;
    const sets: number[][] = [];
    for (const e of on) {
      const rows = await e.engine.rows<{ p: number[] }>(
        `SELECT assignments.partition_id AS p FROM system.kafka_consumers WHERE database = '${session.database}' AND table = '${l.kafkaTable}'`).catch(() => []);
      sets.push(rows.flatMap((r) => r.p.map(Number)));
    }
    const all = sets.flat();
    const want = session.declaredPartitions(l);
    let problem: string | undefined;
    if (new Set(all).size !== all.length) problem = `group ${l.consumerGroup}: a partition is assigned to two consumers`;
    else if (new Set(all).size < want) problem = `group ${l.consumerGroup}: ${want - new Set(all).size} of ${want} partitions of ${l.topic} have no consumer`;
    else if (on.length > 1 && sets.some((x) => x.length === 0)) problem = `group ${l.consumerGroup}: an engine of ${l.roles.join('/')} got no partition`;
    out.set(l, { counts: sets.map((x) => x.length), problem });
  }
  return out;
}

/** Each leg's produced events compared field by field with the rows in the stream's data table. */
async function compareStream(session: RehearsalSession, stream: StreamDocument, engines: readonly RoleEngine[]): Promise<Map<LegDocument, { landed: number; mismatches: number; mismatchExamples: readonly string[] }>> {
  const db = session.database;
  const onStorage = session.storage?.engines.find((e) => e.engine.running)?.engine;
  const on = onStorage ?? enginesFor(stream, engines).find((e) => e.engine.running)?.engine;
  const out = new Map<LegDocument, { landed: number; mismatches: number; mismatchExamples: readonly string[] }>();
  if (on === undefined) return out;
  const dataColumns = await on.rows<ColumnType>(
    `SELECT name, type FROM system.columns WHERE database = '${onStorage ? LANDED_DATABASE : db}' AND table = '${stream.dataTable}' AND default_kind = '' ORDER BY position`);
  let landed: string[] | undefined;
  for (const leg of stream.legs) {
    const ingestion = engines.find((e) => leg.roles.includes(e.role) && e.engine.running);
    if (ingestion === undefined) continue;
    let lines = session.produced.get(topicKey(leg));
    // A leg fed by a ShuffleHog stream reads what the region produced: compare with those messages.
    if (lines === undefined) lines = (await session.mock(leg.backend).consumeAll(leg.topic).catch(() => [])).map((m) => m.payload ?? '');
    const kafkaColumns = await session.kafkaColumns(ingestion.engine, leg.kafkaTable);
    const names = kafkaColumns.map((c) => c.name).filter((n) => dataColumns.some((d) => d.name === n));
    const expected = await normalizeProduced(on, lines, kafkaColumns, dataColumns);
    if (landed === undefined) {
      landed = session.storage !== undefined
        ? await session.storage.rowsAsJson(stream.dataTable, names)
        : (await Promise.all(enginesFor(stream, engines).map((e) => e.engine.query(
          `SELECT ${names.map((n) => `\`${n}\``).join(', ')} FROM ${db}.${stream.dataTable} SETTINGS output_format_json_quote_64bit_integers = 1`, 'JSONEachRow'))))
          .join('\n').split('\n').filter((l) => l.trim() !== '');
    }
    const c = compareRows(names, expected, landed);
    out.set(leg, { landed: c.matched + (expected.length - c.matched - c.missing), mismatches: c.mismatches, mismatchExamples: c.examples });
  }
  return out;
}

async function exists(engine: EngineProcess, database: string, table: string): Promise<boolean> {
  return (await engine.count(`SELECT count() FROM system.tables WHERE database = '${database}' AND name = '${table}'`)) > 0;
}

/** The first object of a stream's chain that does not exist on its nodes, if any. */
export async function missingObject(session: RehearsalSession, stream: StreamDocument, engines: readonly RoleEngine[]): Promise<string | undefined> {
  const db = session.database;
  for (const leg of stream.legs) {
    for (const e of engines.filter((x) => leg.roles.includes(x.role) && x.engine.running)) {
      const where = `on a ${e.role} node`;
      if (!(await exists(e.engine, db, leg.kafkaTable))) return `Kafka table ${db}.${leg.kafkaTable} does not exist ${where}`;
      if (!(await exists(e.engine, db, leg.materializedView))) return `materialized view ${db}.${leg.materializedView} does not exist ${where}`;
      const mv = await e.engine.rows<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = '${db}' AND name = '${leg.materializedView}'`);
      const to = /\bTO\s+([`\w]+)\.([`\w]+)/i.exec(mv[0]?.q ?? '');
      if (to && !(await exists(e.engine, to[1].replace(/`/g, ''), to[2].replace(/`/g, '')))) {
        return `materialized view ${db}.${leg.materializedView} writes to ${to[1]}.${to[2]}, which does not exist ${where}`;
      }
      if (!stream.shuffle) {
        const writable = await e.engine.rows<{ e: string }>(`SELECT engine_full AS e FROM system.tables WHERE database = '${db}' AND name = '${leg.writableTable}'`);
        if (writable.length === 0) return `writable table ${db}.${leg.writableTable} does not exist ${where}`;
        const target = /Distributed\('([^']*)',\s*'([^']*)',\s*'([^']*)'/.exec(writable[0].e);
        if (target) {
          const [, cluster, tdb, table] = target;
          if ((await e.engine.count(`SELECT count() FROM system.clusters WHERE cluster = '${cluster}'`)) === 0) {
            return `writable table ${db}.${leg.writableTable} sends to cluster ${cluster}, which is not in remote_servers ${where}`;
          }
          if (!(await exists(e.engine, tdb, table))) return `writable table ${db}.${leg.writableTable} sends to ${tdb}.${table}, which does not exist on the data nodes`;
        }
      }
    }
  }
  return undefined;
}

/**
 * Walks a stream's chain where it lost events (Kafka table → consumer → view → writable table →
 * data table) and names the first object that broke it.
 */
export async function diagnose(
  session: RehearsalSession, stream: StreamDocument, engines: readonly RoleEngine[], legs: readonly LegReport[], got: number, want: number,
): Promise<string> {
  const db = session.database;
  const prefix = `${stream.name}: ${got} of ${want} landed in ${targetOf(session, stream)}`;
  const missing = await missingObject(session, stream, engines);
  if (missing !== undefined) return `${prefix}; ${missing}`;
  for (const [i, leg] of stream.legs.entries()) {
    for (const e of engines.filter((x) => leg.roles.includes(x.role) && x.engine.running)) {
      const where = `on a ${e.role} node`;
      const consumers = await e.engine.rows<{ ex: string[] }>(
        `SELECT exceptions.text AS ex FROM system.kafka_consumers WHERE database = '${db}' AND table = '${leg.kafkaTable}'`);
      const errors = consumers.flatMap((c) => c.ex).filter((t) => t.trim() !== '');
      if (errors.length > 0) return `${prefix}; Kafka table ${db}.${leg.kafkaTable} (topic ${leg.topic} on ${leg.backend}) ${where}: ${firstLine(errors[errors.length - 1])}`;
      if (legs[i] !== undefined && legs[i].committed === 0) {
        return `${prefix}; Kafka table ${db}.${leg.kafkaTable} committed nothing from topic ${leg.topic} on ${leg.backend} (group ${leg.consumerGroup}) ${where}`;
      }
    }
  }
  const recent = await Promise.all(engines.filter((e) => e.engine.running).map((e) => e.engine.rows<{ m: string }>(
    `SELECT last_error_message AS m FROM system.errors WHERE last_error_time > now() - 120 ORDER BY last_error_time DESC LIMIT 1`).catch(() => [])));
  const hint = recent.flat()[0]?.m;
  return `${prefix} within the time limit${hint ? `; last engine error: ${firstLine(hint)}` : ''}`;
}

/** The report as text: one line per stream and leg, then notes. */
export function formatReport(report: RehearsalReport): string {
  const lines: string[] = [];
  lines.push(`Rehearsal of ${report.region}: ${report.ok ? 'every event landed' : 'FAILED'} (${report.seconds.toFixed(1)} s)`);
  for (const s of report.streams) {
    const time = s.secondsToLand !== undefined ? `${s.secondsToLand.toFixed(1)} s` : '—';
    const dups = s.duplicates > 0 ? ` (+${s.duplicates} redelivered${s.ok ? ', folded' : ''})` : '';
    lines.push(`  ${s.ok ? '✓' : '✗'} ${s.name} → ${s.target}: ${s.landed}/${s.expected} landed in ${time}${dups}`);
    for (const l of s.legs) {
      const landed = l.landed !== undefined ? `, landed ${l.landed}, field mismatches ${l.mismatches ?? 0}` : '';
      const split = l.partitionsPerEngine !== undefined ? `; ${l.partitions ?? '?'} partitions split ${l.partitionsPerEngine.join(' + ')} over ${l.partitionsPerEngine.length} engine${l.partitionsPerEngine.length === 1 ? '' : 's'}` : '';
      lines.push(`      leg ${l.backend}/${l.topic} (group ${l.consumerGroup}, ${l.roles.join(', ')}): produced ${l.produced}${landed}, committed ${l.committed}, lag ${l.lag}${split}`);
    }
    if (s.replication !== undefined) {
      lines.push(`      ZooKeeper: ${s.replication.shards.map((r) => `shard ${r.shard} ${r.replicas.length} replica${r.replicas.length === 1 ? '' : 's'} at ${r.path}`).join('; ')}`);
    }
    if (s.problem) lines.push(`      broken: ${s.problem}`);
  }
  for (const n of report.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** Throws a `RehearsalError` listing every broken stream, if any. */
export function assertRehearsalPassed(report: RehearsalReport): void {
  const broken = report.streams.filter((s) => !s.ok);
  if (broken.length > 0) throw new RehearsalError(`Rehearsal of ${report.region} failed:\n` + broken.map((s) => `  - ${s.problem}`).join('\n'));
}
