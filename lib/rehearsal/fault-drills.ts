/**
 * Drills on the whole path (mock Kafka → two ingestion engines → storage engines on ZooKeeper):
 * a Kafka broker goes down and comes back; a storage replica goes read-only and another is lost.
 * Each ends with every event landed exactly once, or with the visible stop it documents.
 */
import { StreamDocument } from './bundle';
import { DrillOptions, DrillReport, registerDrill, runDrill } from './drills';
import { RehearsalBundle } from './bundle';
import { sampleEvents } from './sample-events';
import { RehearsalSession, RoleEngine, GROUP_SETTLE_TIMEOUT_MS } from './session';

/** Replicas and brokers go down on purpose here: a query that fails meanwhile means "not yet". */
const untilHolds = (session: RehearsalSession, timeoutMs: number, check: () => Promise<boolean>): Promise<boolean> =>
  session.waitUntil(timeoutMs, check, { retryErrors: true });

function pick(bundle: RehearsalBundle, options: DrillOptions, fits: (s: StreamDocument) => boolean): StreamDocument | undefined {
  return bundle.topology.streams.find((s) => (options.stream === undefined || s.name === options.stream) && fits(s));
}

/**
 * The storage half and one engine of the stream's first role, settled on its group (the main
 * rehearsal shows two engines splitting the partitions; one keeps a drill's CPU down).
 */
async function whole(session: RehearsalSession, stream: StreamDocument): Promise<RoleEngine[]> {
  const [, engine] = await Promise.all([session.startStorage(), session.startEngine(stream.legs[0].roles[0])]);
  await session.waitForAssignments([engine], GROUP_SETTLE_TIMEOUT_MS);
  return [engine];
}

/**
 * A broker goes down and comes back: with a first batch landed, broker 1 of the leg's mock
 * cluster is disconnected (leadership does not move, as when a broker's host dies), a second
 * batch is produced (its messages for broker 1's partitions wait in the producer), and after a
 * few seconds the broker returns. Every event must land exactly once: as many rows as events,
 * with no duplicate even where the engine would fold one.
 */
export function brokerOutageDrill(bundle: RehearsalBundle, options: DrillOptions = {}): Promise<DrillReport> {
  return runDrill('broker outage', bundle, options, async (session, details) => {
    const stream = pick(bundle, options, (s) => s.shuffle === null && s.engine !== null && s.legs.length > 0);
    if (stream === undefined) return 'no stream with a data table';
    const leg = stream.legs[0];
    const timeoutMs = options.timeoutMs ?? 90_000;
    const engines = await whole(session, stream);
    const storage = session.storage!;
    const batch = Math.max(options.events ?? 10, session.declaredPartitions(leg));
    const mock = session.mock(leg.backend);
    details.push(`${engines.length} ${leg.roles[0]} engine${engines.length === 1 ? '' : 's'} consume${engines.length === 1 ? 's' : ''} ${leg.backend}/${leg.topic} (${session.declaredPartitions(leg)} partitions, ${mock.brokers} brokers) into ${storage.engines.length} storage engines`);
    await session.produceFor(stream, leg, engines[0].engine, batch, 0);
    if (!(await untilHolds(session, timeoutMs, async () => (await storage.rows(stream.dataTable)) >= batch))) {
      details.push(`the first ${batch} events did not land within ${timeoutMs / 1000} s`);
      return false;
    }
    await mock.brokerDown(1);
    const downAt = Date.now();
    const columns = await session.kafkaColumns(engines[0].engine, leg.kafkaTable);
    const events = sampleEvents(columns, batch, { offset: batch });
    // Produced apart from the helper: messages for broker 1's partitions wait until it is back.
    const second = mock.produceApart(leg.topic, events.map((payload, n) => ({ payload, key: `event-${batch + n}`, partition: (batch + n) % session.declaredPartitions(leg) })));
    second.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    const whileDown = (await storage.rows(stream.dataTable)) - batch;
    await mock.brokerUp(1);
    details.push(`broker 1 down for ${((Date.now() - downAt) / 1000).toFixed(1)} s: ${whileDown} of the second ${batch} events landed meanwhile`);
    await second;
    const total = 2 * batch;
    const landed = await untilHolds(session, timeoutMs, async () => (await storage.rows(stream.dataTable)) >= total);
    await new Promise((r) => setTimeout(r, 1000));
    await session.forwardNow();
    const rows = await storage.rows(stream.dataTable);
    const lag = await mock.uncommitted(leg.topic, leg.consumerGroup);
    details.push(`broker 1 back: ${rows} rows for ${total} events, lag ${lag}`);
    if (!landed || rows < total) {
      details.push(`missing: ${total - rows} events`);
      return false;
    }
    if (rows > total) {
      details.push(`${rows - total} events landed twice`);
      return false;
    }
    details.push('every event landed exactly once');
    return lag === 0;
  });
}

/**
 * A storage replica goes read-only and another is lost: with a first batch landed, replica 1 of
 * shard 1 loses its ZooKeeper connection (its session expires: read-only on a server) and the
 * last replica of the last shard is killed. A second batch lands exactly once on the replicas
 * left, none on the two. Then the read-only replica reconnects. Finally the last shard loses
 * its other replica too: its events stop, held in the ingestion outbox and reported (the
 * documented visible stop: a server's Distributed INSERT fails and the Kafka block is retried),
 * while the other shards keep landing; once a replica of it is back, they land.
 */
export function storageReplicaDrill(bundle: RehearsalBundle, options: DrillOptions = {}): Promise<DrillReport> {
  return runDrill('storage replicas', bundle, options, async (session, details) => {
    const stream = pick(bundle, options, (s) => s.shuffle === null && s.engine !== null && s.sharded === true)
      ?? pick(bundle, options, (s) => s.shuffle === null && s.engine !== null);
    if (stream === undefined) return 'no stream with a data table';
    const hosts = bundle.topology.storage?.hosts ?? [];
    const shards = [...new Set(hosts.map((h) => h.shard))].sort((a, b) => a - b);
    if (hosts.length < 3 || shards.every((s) => hosts.filter((h) => h.shard === s).length < 2)) return 'fewer than two replicas per shard';
    const leg = stream.legs[0];
    const timeoutMs = options.timeoutMs ?? 90_000;
    const engines = await whole(session, stream);
    const storage = session.storage!;
    const batch = Math.max(options.events ?? 10, session.declaredPartitions(leg));
    await session.produceFor(stream, leg, engines[0].engine, batch, 0);
    if (!(await untilHolds(session, timeoutMs, async () => (await storage.rows(stream.dataTable)) >= batch))) {
      details.push(`the first ${batch} events did not land within ${timeoutMs / 1000} s`);
      return false;
    }
    details.push(`${batch} events landed in ${stream.dataTable} over ${storage.engines.length} storage engines (${shards.length} shards)`);
    const byHost = async (host: string): Promise<number> => {
      const e = storage.engines.find((x) => x.host === host)!;
      return e.engine.count(`SELECT count() FROM rehearsal.${stream.dataTable}`);
    };
    const first = shards[0];
    const last = shards[shards.length - 1];
    // By shard and replica number: the engines are listed in the order they finished starting.
    const ordered = [...storage.engines].sort((a, b) => a.shard - b.shard || a.replica - b.replica);
    const readOnly = ordered.find((e) => e.shard === first)!;
    const lostHost = [...ordered].reverse().find((e) => e.shard === last && e !== readOnly)!;
    readOnly.link.disconnect();
    const expired = await untilHolds(session, 30_000, () => storage.readOnly(readOnly));
    details.push(`${readOnly.host}: ZooKeeper connection cut, ${expired ? 'session expired (read-only)' : 'session did not expire within 30 s'}`);
    if (!expired) return false;
    const lostRows = await byHost(lostHost.host);
    await lostHost.engine.kill();
    details.push(`${lostHost.host}: lost (killed) with ${lostRows} rows, which its shard's other replicas hold in production (part fetches are not rehearsed)`);
    const readOnlyBefore = await byHost(readOnly.host);
    await session.produceFor(stream, leg, engines[0].engine, batch, batch);
    const want = 2 * batch - lostRows;
    const landed = await untilHolds(session, timeoutMs, async () => (await storage.rows(stream.dataTable)) >= want);
    await new Promise((r) => setTimeout(r, 1000));
    await session.forwardNow();
    const rows = await storage.rows(stream.dataTable);
    const onReadOnly = (await byHost(readOnly.host)) - readOnlyBefore;
    details.push(`second batch: ${rows - (batch - lostRows)} of ${batch} landed on the replicas left, ${onReadOnly} on the read-only one`);
    if (!landed || rows !== want || onReadOnly !== 0) {
      details.push(rows < want ? `missing: ${want - rows} events` : rows > want ? `${rows - want} events landed twice` : 'a read-only replica took an insert');
      return false;
    }
    readOnly.link.reconnect();
    const back = await untilHolds(session, 30_000, async () => !(await storage.readOnly(readOnly)));
    details.push(`${readOnly.host}: reconnected, ${back ? 'writable again' : 'still read-only after 30 s'}`);
    if (!back) return false;

    // The visible stop: the last shard's other replicas go too.
    const rest = storage.engines.filter((e) => e.shard === last && e.engine.running);
    for (const e of rest) await e.engine.kill();
    const before = await storage.rows(stream.dataTable);
    await session.produceFor(stream, leg, engines[0].engine, batch, 2 * batch);
    await untilHolds(session, 15_000, async () => storage.held.size > 0 && (await storage.rows(stream.dataTable)) > before);
    await new Promise((r) => setTimeout(r, 1500));
    const reasons = [...new Set([...storage.held.values()])];
    const third = (await storage.rows(stream.dataTable)) - before;
    details.push(`shard ${String(last).padStart(2, '0')} without a replica: ${third} of ${batch} events landed on the other shards so far; ${storage.held.size} outbox parts held: ${reasons[0] ?? 'none'}`);
    if (reasons.length === 0) {
      details.push('nothing was held: events for a shard without replicas went somewhere');
      return false;
    }
    // A replica comes back on its own disk: the held events land, once.
    const revived = rest[0];
    await storage.startHost(revived.host, revived.engine.dir);
    const after = await untilHolds(session, timeoutMs, async () => storage.held.size === 0);
    await new Promise((r) => setTimeout(r, 1000));
    await session.forwardNow();
    const final = await storage.rows(stream.dataTable);
    // Everything but what the lost replica took with it, once.
    const wantFinal = 3 * batch - lostRows;
    details.push(`${revived.host} back on its disk: ${after ? 'the held parts landed' : 'parts still held'}; ${final} rows for ${wantFinal} events on the running replicas`);
    if (final !== wantFinal) details.push(final < wantFinal ? `missing: ${wantFinal - final} events` : `${final - wantFinal} events landed twice`);
    return after && final === wantFinal;
  });
}

registerDrill(brokerOutageDrill);
registerDrill(storageReplicaDrill);
