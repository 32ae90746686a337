/**
 * The restore-offset drill, offline: a real Kafka-protocol broker (librdkafka's mock cluster via
 * kcat) and a real ClickHouse (chdb) running the rendered schema. Events land, a backup is taken
 * at time T, more events land, the region is lost. A new region comes up with its consumers off,
 * restores the backup, its consumer group is reset to T, the consumers are switched on, and the
 * data table holds every event exactly once (a MergeTree that folds nothing, so a reset that
 * replayed too much would show as duplicates, and one that skipped as missing rows).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackupDestination, backupStatement, restoreStatement } from '../../lib/dr/backup';
import { renderOffsetPolicyConfig } from '../../lib/dr/offsets';
import { buildTopology, DataEngine, KafkaAuth, KafkaBackendKind, NodeRole, Topology, TopologySpec } from '../../lib/model';
import { statementsForRole } from '../../lib/schema';
import { TestEngine } from '../support/engine';
import { drillNodeConfig, hasConfluentKafka, hasKcat, MockKafka, resetOffsetsToDatetime, waitFor } from './support/drill';

const DRILL: TopologySpec = {
  name: 'drill',
  availabilityZones: ['us-east-1a'],
  storage: { shards: 1, replicas: 1 },
  ingestionTiers: [{ role: NodeRole.SMALL, nodes: 1, cores: 2 }],
  kafkaBackends: [{ name: 'msk_cluster', kind: KafkaBackendKind.MSK, auth: KafkaAuth.PLAINTEXT, topics: [{ name: 'drill_events', partitions: 4 }] }],
  streams: [{
    name: 'drill_events',
    columns: [{ name: 'id', type: 'UInt32' }, { name: 'phase', type: 'String' }],
    orderBy: ['id'],
    engine: DataEngine.replicatedMergeTree(),
    legs: [{ backend: 'msk_cluster', topic: 'drill_events', roles: [NodeRole.SMALL] }],
  }],
};

const missing = [!hasKcat && 'kcat', !hasConfluentKafka && 'python3-confluent-kafka'].filter(Boolean);
if (missing.length > 0) console.warn(`Skipping the restore-offset drill: Debian package(s) ${missing.join(', ')} not installed`);

(missing.length === 0 ? describe : describe.skip)('restore-offset drill', () => {
  const topology: Topology = buildTopology(DRILL);
  const stream = topology.streams[0];
  const leg = stream.legs[0];
  const table = `${topology.database}.${stream.dataTable}`;
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-backups-'));
  let kafka: MockKafka;
  let engine: TestEngine | undefined;

  beforeAll(async () => {
    kafka = await MockKafka.start();
  });
  afterAll(async () => {
    // Killed, not closed: a clean shutdown waits for the Kafka engine's in-flight polls.
    await engine?.kill();
    kafka?.stop();
    fs.rmSync(backupDir, { recursive: true, force: true });
  });

  /** A region's node: the drill config plus the rendered offset policy (earliest, this leg's default). */
  function openRegion(tcpPort: number): Promise<TestEngine> {
    return TestEngine.open([drillNodeConfig(topology, tcpPort, backupDir, kafka.bootstrap), renderOffsetPolicyConfig(topology, 'small')!]);
  }

  /** The schema as rendered, data role first; the 10 s poll shortened so the drill stays fast. */
  async function deploy(e: TestEngine, consumers: boolean): Promise<void> {
    // Roles and grants need writable access storage, which chdb lacks (parsed in posthog-shapes.test.ts).
    const data = statementsForRole(topology, NodeRole.DATA, { replicated: false, tieredStorage: false }).filter((s) => s.kind !== 'access-role');
    const ingestion = statementsForRole(topology, NodeRole.SMALL).filter((s) => s.kind !== 'database' && s.kind !== 'access-role');
    for (const s of [...data, ...(consumers ? ingestion : [])]) {
      await e.exec(s.sql.replace('kafka_poll_timeout_ms = 10000', 'kafka_poll_timeout_ms = 200, kafka_flush_interval_ms = 300'));
    }
  }

  const events = (phase: string, from: number, n: number): string[] =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, phase }));
  const count = async (e: TestEngine): Promise<number> => Number(await e.value(`SELECT count() FROM ${table}`));

  // A limit, not a wait: each wait ends as soon as the rows are there (seconds on an idle machine);
  // a consumer group's first join on a machine shared with other engines can take far longer.
  const LANDING_LIMIT_MS = 90_000;

  /** Waits until the data table holds `want` rows; if it never does, fails with what the engine's Kafka consumers were doing. */
  async function expectLanded(e: TestEngine, want: number, step: string): Promise<void> {
    const got = await waitFor(() => count(e), want, LANDING_LIMIT_MS);
    if (got === want) return;
    const consumers = await e.rows(`SELECT table, assignments.partition_id AS partitions, assignments.current_offset AS offsets,
        exceptions.text AS exceptions, num_rebalance_assignments AS assignments, num_rebalance_revocations AS revocations,
        num_messages_read AS read, last_poll_time, is_currently_used FROM system.kafka_consumers`).catch((err: unknown) => String(err));
    throw new Error(`${step}: ${got} of ${want} rows after ${LANDING_LIMIT_MS / 1000} s; the engine's Kafka consumers: ${JSON.stringify(consumers)}`);
  }

  test('events before and after a backup: restore at the backup time, reset offsets, replay; nothing missing, nothing twice', async () => {
    engine = await openRegion(29101);
    await deploy(engine, true);
    kafka.produce(leg.topic.name, events('before', 0, 200));
    await expectLanded(engine, 200, 'events before the backup');
    const backupTime = Date.now();
    await engine.exec(backupStatement(topology.database, [stream.dataTable], BackupDestination.disk('backups', 'drill/shard-01/full/')));
    await new Promise((r) => setTimeout(r, 5));
    kafka.produce(leg.topic.name, events('after', 200, 150));
    await expectLanded(engine, 350, 'events after the backup');

    // Disaster: the group has committed past every event, and the storage is lost. (chdb cannot
    // start Kafka consumers again in a second session of one process, so the region is rebuilt
    // in place: every object dropped, then the schema deployed again with its consumers off.)
    for (const s of [...statementsForRole(topology, NodeRole.SMALL), ...statementsForRole(topology, NodeRole.DATA)].reverse()) {
      if (s.kind !== 'database' && s.kind !== 'access-role') await engine.exec(`DROP TABLE IF EXISTS ${topology.database}.${s.name} SYNC`);
    }
    await deploy(engine, false);
    expect(await count(engine)).toBe(0);
    await engine.exec(restoreStatement(topology.database, [stream.dataTable], BackupDestination.disk('backups', 'drill/shard-01/full/')));
    expect(await count(engine)).toBe(200);

    const committed = resetOffsetsToDatetime(kafka.bootstrap, leg.consumerGroup, leg.topic.name, backupTime);
    expect(committed.split(' ')).toHaveLength(leg.topic.partitions);
    await deploy(engine, true);
    await expectLanded(engine, 350, `replay from the reset offsets (${committed})`);
    // Nothing more arrives: a reset to the beginning would have replayed the 200 restored events.
    await new Promise((r) => setTimeout(r, 1500));
    const [result] = await engine.rows<{ rows: number; ids: number; after: number }>(
      `SELECT count() AS rows, uniqExact(id) AS ids, countIf(phase = 'after') AS after FROM ${table}`);
    expect(result).toEqual({ rows: 350, ids: 350, after: 150 });
  }, 4 * LANDING_LIMIT_MS);
});
