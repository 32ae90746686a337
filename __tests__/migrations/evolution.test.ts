/**
 * A region spec changed in steps (add a column, drop a column, add a stream, retire a leg, a new
 * ORDER BY). Each step: the generated migrations per role and phase, then those migrations run by
 * the runner in a real ClickHouse (chdb) against the tables the previous step left, compared with
 * what the new spec describes, then run again (raw and through the runner) without any change.
 */
import { addClicks, addReferrer, dropNote, EVOLVING_REGION, newOrderBy, retireWarpStreamLeg } from '../../examples/schema-evolution/region';
import { NodeRole, TopologyValidationError } from '../../lib/model';
import { LockedMigration, MigrationPhase, RegionLock } from '../../lib/lock';
import { applyMigrations, evolveRegion, RegionEvolution, RunnerTarget, runOrder, stepChecksum } from '../../lib/migrations';
import { buildRegionTopology, RegionStackProps } from '../../lib/constructs/region-stack';
import { nonReplicatedTwin } from '../../lib/rehearsal/overrides';
import { statementsForRole } from '../../lib/schema';
import { TestEngine } from '../support/engine';
import { roleConfig } from '../schema/support/role-config';
import { isAccessRoleStatement } from '../../lib/schema/access-roles';
import { SchemaObjectKind } from '../../lib/schema/statements';
import { objectStatements } from './support/chdb-stand-in';

const VIEW_KINDS: string[] = [SchemaObjectKind.MATERIALIZED_VIEW, SchemaObjectKind.DEAD_LETTER_VIEW];

const STATE_KEY = 's3://clickhouse-ingest-tfstate-evo/clickhouse-ingest/evo.tfstate';

function evolve(spec: RegionStackProps, lock?: RegionLock): RegionEvolution {
  return evolveRegion({ topology: buildRegionTopology(spec), stack: 'evo', stateKey: STATE_KEY, lock });
}

/** `role phase object: first words of the statement`, per step of a migration. */
function summary(m: LockedMigration): string[] {
  return m.steps.map((s) => `${s.role} ${s.phase} ${s.object}: ${s.sql.split('\n')[0].replace(/ IF (NOT )?EXISTS/, '').split(' ').slice(0, 3).join(' ')}`);
}

// One chdb engine stands in for a storage host (data tables as their non-replicated twins) and a small pod.
const TARGETS: RunnerTarget[] = [{ host: 'storage-stand-in', role: 'data', required: true }, { host: 'pod-stand-in', role: 'small', required: true }];

describe('a spec changed in steps: migrations generated, run in ClickHouse, idempotent', () => {
  let engine: TestEngine;
  // chdb has no writable access storage: roles and grants are recorded, not run (parsed in posthog-shapes.test.ts).
  const exec = async (target: RunnerTarget, sql: string): Promise<string> => (isAccessRoleStatement(sql) ? '' : engine.value(target.role === 'data' ? nonReplicatedTwin(sql) : sql));
  const snapshot = async (): Promise<unknown[]> => engine.rows(
    "SELECT name, engine, create_table_query FROM system.tables WHERE database = 'posthog' ORDER BY name");
  /** What the spec describes (the lock's schema), as name → column list, against what ClickHouse has. */
  const expectSchemaOf = async (evolution: RegionEvolution): Promise<void> => {
    const want: Record<string, string[]> = {};
    for (const role of ['data', 'small']) {
      for (const [name, o] of Object.entries(evolution.lock.schema[role] ?? {})) {
        // Tables only: views are compared below, roles and grants are not run in chdb (no access storage).
        if (!['database', 'access-role', ...VIEW_KINDS].includes(o.kind)) want[name] = (o.columns ?? []).map((c) => `${c.name} ${c.definition}`);
      }
    }
    const have: Record<string, string[]> = {};
    const rows = await engine.rows<{ table: string; name: string; type: string }>(
      "SELECT table, name, type FROM system.columns WHERE database = 'posthog' AND table NOT LIKE '%_mv' ORDER BY table, position");
    for (const r of rows) (have[r.table] ??= []).push(`${r.name} ${r.type}`);
    expect(have).toEqual(want);
    const views = (await engine.rows<{ name: string; as_select: string }>(
      "SELECT name, as_select FROM system.tables WHERE database = 'posthog' AND engine = 'MaterializedView' ORDER BY name")).map((v) => v.name);
    // Both views that read a Kafka table: its rows (<t>_mv) and its dead letters (<t>_dead_letters_mv).
    expect(views).toEqual(Object.entries(evolution.lock.schema.small ?? {}).filter(([, o]) => VIEW_KINDS.includes(o.kind)).map(([n]) => n).sort());
  };
  /** Applies a step's migrations with the runner, checks the schema, and runs everything again. */
  const applyAndRepeat = async (evolution: RegionEvolution): Promise<void> => {
    const first = await applyMigrations(evolution.migrations, TARGETS, 'posthog', exec);
    const generatedSteps = evolution.generated.flatMap((m) => m.steps);
    expect(first.applied).toHaveLength(generatedSteps.length);
    await expectSchemaOf(evolution);
    const before = await snapshot();
    // The raw statements a second time, with no ledger to skip them: nothing changes.
    for (const p of runOrder(evolution.generated, TARGETS)) await exec(p.target, p.step.sql);
    expect(await snapshot()).toEqual(before);
    // And the runner a second time: every step recorded, none applied.
    const second = await applyMigrations(evolution.migrations, TARGETS, 'posthog', exec);
    expect(second.applied).toEqual([]);
    expect(second.skipped).toBe(runOrder(evolution.migrations, TARGETS).length);
  };

  let v1: RegionEvolution;
  beforeAll(async () => {
    v1 = evolve(EVOLVING_REGION);
    const topology = buildRegionTopology(EVOLVING_REGION);
    // A pod runs its steps after it rolled to the new config: the config of a spec with every stream (both clusters, both backends).
    const config = roleConfig(buildRegionTopology(addClicks(EVOLVING_REGION)), NodeRole.SMALL);
    engine = await TestEngine.open(config.files, config.env);
    // v1 as first deployed: each role's boot schema.
    for (const s of objectStatements(statementsForRole(topology, 'data'))) await engine.exec(nonReplicatedTwin(s.sql));
    for (const s of objectStatements(statementsForRole(topology, 'small'))) await engine.exec(s.sql);
  }, 60_000);
  afterAll(async () => engine?.kill());

  let lock: RegionLock;
  let spec: RegionStackProps = EVOLVING_REGION;

  test('v1: a first lock with no migrations, the schema as rendered', async () => {
    expect(v1.migrations).toEqual([]);
    expect(Object.keys(v1.lock.schema)).toEqual(['data', 'small']);
    expect(v1.lock.inventory.consumerGroups.map((g) => `${g.backend}/${g.topic}/${g.group}`))
      .toEqual(['msk_cluster/clickhouse_orders/clickhouse_orders', 'warpstream_ingestion/clickhouse_orders/clickhouse_orders_ws']);
    await expectSchemaOf(v1);
    lock = v1.lock;
  });

  test('add a column: storage first, then the writable tables, then the Kafka tables and views re-created', async () => {
    spec = addReferrer(spec);
    const e = evolve(spec, lock);
    expect(e.generated.map((m) => `${m.number} ${m.name}`)).toEqual(['1 add_column_orders_referrer']);
    expect(summary(e.generated[0])).toEqual([
      'data storage sharded_orders: ALTER TABLE posthog.sharded_orders',
      // The read-side Distributed table follows its data table, like the writable tables.
      'data writable orders: ALTER TABLE posthog.orders',
      'small writable writable_orders: ALTER TABLE posthog.writable_orders',
      'small writable writable_orders_ws: ALTER TABLE posthog.writable_orders_ws',
      // Both views of each Kafka table stop before it is dropped and come back after it. The dead-letter view
      // stops first and starts last: a Kafka table consumes while any view reads it, so the main view always does.
      'small consumers orders_dead_letters_mv: DROP VIEW posthog.orders_dead_letters_mv',
      'small consumers orders_ws_dead_letters_mv: DROP VIEW posthog.orders_ws_dead_letters_mv',
      'small consumers orders_mv: DROP VIEW posthog.orders_mv',
      'small consumers orders_ws_mv: DROP VIEW posthog.orders_ws_mv',
      'small consumers kafka_orders: DROP TABLE posthog.kafka_orders',
      'small consumers kafka_orders_ws: DROP TABLE posthog.kafka_orders_ws',
      'small consumers kafka_orders: CREATE TABLE posthog.kafka_orders',
      'small consumers kafka_orders_ws: CREATE TABLE posthog.kafka_orders_ws',
      'small consumers orders_mv: CREATE MATERIALIZED VIEW',
      'small consumers orders_ws_mv: CREATE MATERIALIZED VIEW',
      'small consumers orders_dead_letters_mv: CREATE MATERIALIZED VIEW',
      'small consumers orders_ws_dead_letters_mv: CREATE MATERIALIZED VIEW',
    ]);
    expect(e.generated[0].steps[0].sql).toBe('ALTER TABLE posthog.sharded_orders ADD COLUMN IF NOT EXISTS referrer String AFTER note');
    expect(e.generated[0].steps[1].sql).toBe('ALTER TABLE posthog.orders ADD COLUMN IF NOT EXISTS referrer String AFTER note');
    // The re-created Kafka table keeps its consumer group: the committed offsets carry over.
    const recreated = e.generated[0].steps.find((s) => s.object === 'kafka_orders' && s.sql.startsWith('CREATE'));
    expect(recreated?.sql).toContain("kafka_group_name = 'clickhouse_orders'");
    // The dead-letter view is re-created on the new Kafka table and still writes to its own table.
    expect(e.generated[0].steps.find((s) => s.object === 'orders_dead_letters_mv' && s.sql.startsWith('CREATE'))?.sql)
      .toMatch(/TO posthog\.writable_orders_dead_letters[\s\S]*FROM posthog\.kafka_orders\b/);
    await applyAndRepeat(e);
    lock = e.lock;
  }, 60_000);

  test('drop a column: consumers first, then the writable tables, storage last', async () => {
    spec = dropNote(spec);
    const e = evolve(spec, lock);
    expect(e.generated.map((m) => `${m.number} ${m.name}`)).toEqual(['2 drop_column_orders_note']);
    const phases = e.generated[0].steps.map((s) => `${s.role} ${s.phase}`);
    // The read-side Distributed table (on DATA) stops naming the column before its data table drops it.
    expect([...new Set(phases)]).toEqual(['small consumers', 'data writable-contract', 'small writable-contract', 'data storage-contract']);
    expect(e.generated[0].steps.filter((s) => s.phase === 'writable-contract' && s.role === 'data').map((s) => s.sql))
      .toEqual(['ALTER TABLE posthog.orders DROP COLUMN IF EXISTS note']);
    expect(e.generated[0].steps.at(-1)!.sql).toBe('ALTER TABLE posthog.sharded_orders DROP COLUMN IF EXISTS note');
    await applyAndRepeat(e);
    lock = e.lock;
  }, 60_000);

  test('add a stream: its data table, writable table, Kafka table and view, in that order', async () => {
    spec = addClicks(spec);
    const e = evolve(spec, lock);
    expect(e.generated.map((m) => `${m.number} ${m.name}`)).toEqual(['3 add_stream_clicks']);
    expect(summary(e.generated[0])).toEqual([
      // Each table's writer grant right after the tables exist, in the same phase.
      'data storage clicks: CREATE TABLE posthog.clicks',
      'data storage clicks_dead_letters: CREATE TABLE posthog.clicks_dead_letters',
      'data storage grant_posthog_ingestion_writer_clicks: GRANT INSERT ON',
      'data storage grant_posthog_ingestion_writer_clicks_dead_letters: GRANT INSERT ON',
      'small writable writable_clicks: CREATE TABLE posthog.writable_clicks',
      'small writable writable_clicks_dead_letters: CREATE TABLE posthog.writable_clicks_dead_letters',
      'small writable grant_posthog_ingestion_writer_writable_clicks: GRANT INSERT ON',
      'small writable grant_posthog_ingestion_writer_writable_clicks_dead_letters: GRANT INSERT ON',
      'small consumers kafka_clicks: CREATE TABLE posthog.kafka_clicks',
      'small consumers clicks_mv: CREATE MATERIALIZED VIEW',
      'small consumers clicks_dead_letters_mv: CREATE MATERIALIZED VIEW',
    ]);
    expect(e.generated[0].steps.find((s) => s.object === 'grant_posthog_ingestion_writer_writable_clicks')?.sql)
      .toBe('GRANT INSERT ON posthog.writable_clicks TO posthog_ingestion_writer');
    await applyAndRepeat(e);
    lock = e.lock;
  }, 60_000);

  test('retire a leg: its view and Kafka table stop first, its writable table goes, the data stays', async () => {
    spec = retireWarpStreamLeg(spec);
    const e = evolve(spec, lock);
    expect(e.generated.map((m) => `${m.number} ${m.name}`)).toEqual(['4 retire_leg_orders_ws']);
    // Retired consumers stop first, before the pods roll to a config without their backend.
    expect(summary(e.generated[0])).toEqual([
      'small retire orders_ws_dead_letters_mv: DROP VIEW posthog.orders_ws_dead_letters_mv',
      'small retire orders_ws_mv: DROP VIEW posthog.orders_ws_mv',
      'small retire kafka_orders_ws: DROP TABLE posthog.kafka_orders_ws',
      'small writable-contract writable_orders_ws: DROP TABLE posthog.writable_orders_ws',
      'small writable-contract writable_orders_ws_dead_letters: DROP TABLE posthog.writable_orders_ws_dead_letters',
    ]);
    // The grants on its dropped tables are left in place (revoked by hand, see docs/schema.md).
    expect(e.lock.schema.small.grant_posthog_ingestion_writer_writable_orders_ws).toBeUndefined();
    expect(e.generated[0].steps.some((s) => s.role === 'data')).toBe(false);
    expect(e.lock.inventory.consumerGroups.map((g) => g.group)).toEqual(['clickhouse_orders', 'clickhouse_clicks']);
    await applyAndRepeat(e);
    expect(await engine.value("SELECT count() FROM system.tables WHERE database = 'posthog' AND name = 'sharded_orders'")).toBe('1');
    lock = e.lock;
  }, 60_000);

  test('a new ORDER BY is refused, naming the table and the supported path', () => {
    let error: unknown;
    try {
      evolve(newOrderBy(spec), lock);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    const message = (error as Error).message;
    expect(message).toContain('posthog.sharded_orders ORDER BY');
    expect(message).toContain('(team_id, created_at, order_id) as deployed');
    expect(message).toMatch(/new stream.*backfill.*swap/s);
  });

  test('migration numbers are stable: a stream inserted first gets the next number, old migrations stay as they were', () => {
    const inserted: RegionStackProps = { ...spec, streams: [{ ...(spec.streams![1]), name: 'visits', legs: [{ backend: 'msk_cluster', topic: 'clickhouse_clicks', consumerGroup: 'clickhouse_visits', roles: [NodeRole.SMALL] }] }, ...spec.streams!] };
    const e = evolve(inserted, lock);
    expect(e.generated.map((m) => `${m.number} ${m.name}`)).toEqual(['5 add_stream_visits']);
    expect(e.migrations.slice(0, 4)).toEqual(lock.migrations);
    // Its two tables and two grants per role, its Kafka table and both views: eleven steps, numbered in the new migration.
    expect(e.generated[0].steps.map((s) => s.id)).toEqual(Array.from({ length: 11 }, (_, i) => `0005.${String(i + 1).padStart(2, '0')}`));
    expect(e.generated[0].steps.map((s) => s.object).filter((o) => !o.startsWith('grant_')))
      .toEqual(['visits', 'visits_dead_letters', 'writable_visits', 'writable_visits_dead_letters', 'kafka_visits', 'visits_mv', 'visits_dead_letters_mv']);
  });

  test('an edited recorded migration is refused by the runner; a failing step names itself and the run resumes there', async () => {
    const edited = lock.migrations.map((m) => (m.number !== 3 ? m : { ...m, steps: m.steps.map((s, i) => (i === 0 ? { ...s, sql: `${s.sql} ` } : s)) }));
    expect(stepChecksum(edited[2].steps[0].sql)).not.toBe(stepChecksum(lock.migrations[2].steps[0].sql));
    await expect(applyMigrations(edited, TARGETS, 'posthog', exec)).rejects.toThrow(/migration 0003_add_stream_clicks step 0003.01 .* was applied with other SQL/);
    const broken: LockedMigration = { number: 6, name: 'broken', steps: [
      { id: '0006.01', role: 'data', phase: MigrationPhase.STORAGE, object: 'clicks', does: 'add column ok', sql: 'ALTER TABLE posthog.clicks ADD COLUMN IF NOT EXISTS ok UInt8' },
      { id: '0006.02', role: 'data', phase: MigrationPhase.STORAGE, object: 'nowhere', does: 'add column', sql: 'ALTER TABLE posthog.nowhere ADD COLUMN x UInt8' },
    ] };
    await expect(applyMigrations([...lock.migrations, broken], TARGETS, 'posthog', exec))
      .rejects.toThrow(/migration 0006_broken step 0006.02 \(add column on nowhere, phase storage\) failed on storage-stand-in \(data\): .*1 step\(s\) applied before it stay recorded/);
    const fixed = { ...broken, steps: [broken.steps[0], { ...broken.steps[1], sql: 'ALTER TABLE posthog.clicks ADD COLUMN IF NOT EXISTS y UInt8' }] };
    const resumed = await applyMigrations([...lock.migrations, fixed], TARGETS, 'posthog', exec);
    expect(resumed.applied).toEqual(['storage-stand-in 0006.02']);
  }, 60_000);

  test('an unreachable node that ran before starts nothing; a new one is skipped', async () => {
    const down = async (target: RunnerTarget, sql: string): Promise<string> => {
      if (target.host === 'gone') throw new Error('Connection refused');
      return exec(target, sql);
    };
    await expect(applyMigrations(lock.migrations, [...TARGETS, { host: 'gone', role: 'small', required: true }], 'posthog', down))
      .rejects.toThrow(/not started: 1 node\(s\) that ran before this deploy cannot be reached:\n {2}gone \(small\): Connection refused/);
    const report = await applyMigrations(lock.migrations, [...TARGETS, { host: 'gone', role: 'small', required: false }], 'posthog', down);
    expect(report.unreachable).toEqual(['gone']);
    expect(report.applied).toEqual([]);
  }, 60_000);
});
