/**
 * Changes the model cannot express yet but the schema may render (defaults, codecs, TTL, table
 * settings): the planner compares shapes, so a new shape (as a later schema would render it) is
 * planned from the lock and run in chdb, forth and back.
 */
import { EVOLVING_REGION } from '../../examples/schema-evolution/region';
import { LockedObject, RegionLock, RoleSchema } from '../../lib/lock';
import { applyMigrations, evolveRegion, planMigrations, RunnerTarget } from '../../lib/migrations';
import { NodeRole, Problems } from '../../lib/model';
import { buildRegionTopology } from '../../lib/constructs/region-stack';
import { nonReplicatedTwin } from '../../lib/rehearsal/overrides';
import { statementsForRole } from '../../lib/schema';
import { TestEngine } from '../support/engine';
import { roleConfig, RoleConfig } from '../schema/support/role-config';
import { isAccessRoleStatement } from '../../lib/schema/access-roles';
import { objectStatements } from './support/chdb-stand-in';

const topology = buildRegionTopology(EVOLVING_REGION);
const lock = evolveRegion({ topology, stack: 'evo', stateKey: 'k' }).lock;

function withDataTable(schema: RegionLock['schema'], change: (o: LockedObject) => LockedObject): Record<string, RoleSchema> {
  return { ...schema, data: { ...schema.data, sharded_orders: change(schema.data.sharded_orders) } };
}

const richer = withDataTable(lock.schema, (o) => ({
  ...o,
  columns: o.columns!.map((c) => (c.name === 'note' ? { ...c, definition: "String DEFAULT 'n/a' CODEC(ZSTD(3))" } : c)),
  // The data table's tiered moves (warm, cold) as deployed, and a delete after them.
  ttl: `${o.ttl}, toDateTime(created_at) + toIntervalDay(90)`,
  settings: { ...o.settings, merge_with_ttl_timeout: '3600' },
}));

/** The same data table without its TTL. */
const noTtl = withDataTable(lock.schema, (o) => ({ ...o, ttl: undefined }));

/** The data table's TTL as rendered (tiered moves to warm and cold). */
const TIERED_TTL = lock.schema.data.sharded_orders.ttl!;

describe('defaults, codecs, TTL and settings', () => {
  const TARGET: RunnerTarget[] = [{ host: 'storage', role: 'data', required: true }];
  let engine: TestEngine;
  let config: RoleConfig | undefined;
  beforeAll(async () => {
    // The storage host's own config: its read-side Distributed tables name the region's cluster, its data tables the tiered policy.
    config = roleConfig(topology, NodeRole.DATA);
    engine = await TestEngine.open(config.files, config.env);
    for (const s of objectStatements(statementsForRole(topology, 'data'))) await engine.exec(nonReplicatedTwin(s.sql));
  }, 60_000);
  afterAll(async () => {
    await engine?.kill();
    config?.cleanup();
  });
  // chdb has no writable access storage: roles and grants are recorded, not run (parsed in posthog-shapes.test.ts).
  const exec = async (_: RunnerTarget, sql: string): Promise<string> => (isAccessRoleStatement(sql) ? '' : engine.value(nonReplicatedTwin(sql)));
  const column = async (): Promise<Record<string, unknown>> => (await engine.rows(
    "SELECT default_kind, default_expression, compression_codec FROM system.columns WHERE database = 'posthog' AND table = 'sharded_orders' AND name = 'note'"))[0];
  const create = async (): Promise<string> => engine.value("SELECT create_table_query FROM system.tables WHERE database = 'posthog' AND name = 'sharded_orders'");

  test('a default, a codec, a TTL delete and a setting are added in place, on the storage phase', async () => {
    const problems = new Problems();
    const [m] = planMigrations(lock, topology, richer, {}, problems);
    expect(problems.all).toEqual([]);
    expect(m.steps.map((s) => `${s.phase}: ${s.sql}`)).toEqual([
      "storage: ALTER TABLE posthog.sharded_orders MODIFY COLUMN IF EXISTS note String DEFAULT 'n/a' CODEC(ZSTD(3))",
      `storage: ALTER TABLE posthog.sharded_orders MODIFY TTL ${TIERED_TTL}, toDateTime(created_at) + toIntervalDay(90)`,
      'storage: ALTER TABLE posthog.sharded_orders MODIFY SETTING merge_with_ttl_timeout = 3600',
    ]);
    expect(m.name).toBe('modify_column_orders_note__ttl_orders__settings_orders');
    await applyMigrations([m], TARGET, 'posthog', exec);
    expect(await column()).toEqual({ default_kind: 'DEFAULT', default_expression: "'n/a'", compression_codec: 'CODEC(ZSTD(3))' });
    expect(await create()).toMatch(/TTL .*TO VOLUME 'cold', toDateTime\(created_at\) \+ toIntervalDay\(90\)/);
    expect(await create()).toContain('merge_with_ttl_timeout = 3600');
  });

  test('and removed again: REMOVE DEFAULT, REMOVE CODEC, the TTL as deployed, RESET SETTING', async () => {
    const problems = new Problems();
    const deployed: RegionLock = { ...lock, schema: richer, migrations: [{ number: 1, name: 'x', steps: [] }] };
    const [m] = planMigrations(deployed, topology, lock.schema, {}, problems);
    expect(problems.all).toEqual([]);
    expect(m.number).toBe(2);
    expect(m.steps.map((s) => s.sql)).toEqual([
      'ALTER TABLE posthog.sharded_orders MODIFY COLUMN IF EXISTS note REMOVE DEFAULT',
      'ALTER TABLE posthog.sharded_orders MODIFY COLUMN IF EXISTS note REMOVE CODEC',
      `ALTER TABLE posthog.sharded_orders MODIFY TTL ${TIERED_TTL}`,
      'ALTER TABLE posthog.sharded_orders RESET SETTING merge_with_ttl_timeout',
    ]);
    await applyMigrations([m], TARGET, 'posthog', exec);
    expect(await column()).toEqual({ default_kind: '', default_expression: '', compression_codec: '' });
    expect(await create()).toContain("TO VOLUME 'cold'");
    expect(await create()).not.toContain('toIntervalDay(90)');
    expect(await create()).not.toContain('merge_with_ttl_timeout');
  });

  test('a table TTL dropped from the schema: REMOVE TTL', async () => {
    const problems = new Problems();
    const deployed: RegionLock = { ...lock, migrations: [{ number: 2, name: 'x', steps: [] }] };
    const [m] = planMigrations(deployed, topology, noTtl, {}, problems);
    expect(problems.all).toEqual([]);
    expect(m.steps.map((s) => `${s.phase}: ${s.sql}`)).toEqual(['storage: ALTER TABLE posthog.sharded_orders REMOVE TTL']);
    await applyMigrations([m], TARGET, 'posthog', exec);
    expect(await create()).not.toContain('TTL');
  });

  test('a new type or index_granularity is refused with its path', () => {
    const problems = new Problems();
    planMigrations(lock, topology, withDataTable(lock.schema, (o) => ({
      ...o,
      columns: o.columns!.map((c) => (c.name === 'team_id' ? { ...c, definition: 'UInt64' } : c)),
      settings: { index_granularity: '1024' },
    })), {}, problems);
    expect(problems.all.map((p) => p.field)).toEqual([
      'streams.orders.columns (posthog.sharded_orders.team_id type)',
      'streams.orders (posthog.sharded_orders SETTINGS index_granularity)',
    ]);
    expect(problems.all[0].expected).toMatch(/Int64 as deployed.*add a column with the new type/);
  });

  test('dropping a column a key uses is refused, naming the key', () => {
    const problems = new Problems();
    planMigrations(lock, topology, withDataTable(lock.schema, (o) => ({ ...o, columns: o.columns!.filter((c) => c.name !== 'team_id') })), {}, problems);
    expect(problems.all).toHaveLength(1);
    expect(problems.all[0].field).toBe('streams.orders.columns (posthog.sharded_orders.team_id)');
    expect(problems.all[0].expected).toContain('team_id is in (team_id, created_at, order_id)');
  });

  test('the read-side and dead-letter tables flow through: a changed one is altered, a removed one dropped, one that stores rows kept', async () => {
    const data = lock.schema.data;
    expect([data.orders.kind, data.orders_dead_letters.kind]).toEqual(['read-table', 'dead-letter-table']);
    const changed = { ...lock.schema, data: {
      ...data,
      orders: { ...data.orders, columns: [...data.orders.columns!, { name: 'referrer', definition: 'String' }] },
      orders_dead_letters: { ...data.orders_dead_letters, ttl: '_timestamp + INTERVAL 60 DAY DELETE' },
    } };
    const problems = new Problems();
    // Numbered after the migrations the tests above ran on this engine.
    const [m] = planMigrations({ ...lock, migrations: [{ number: 3, name: 'x', steps: [] }] }, topology, changed, {}, problems);
    expect(problems.all).toEqual([]);
    // The dead-letter table stores rows: its change is a storage step, applied before the pods roll (the
    // pods' dead-letter writable tables insert into it). The read-side Distributed table follows, like a writable table.
    expect(m.steps.map((s) => `${s.phase}: ${s.sql}`)).toEqual([
      'storage: ALTER TABLE posthog.orders_dead_letters MODIFY TTL _timestamp + INTERVAL 60 DAY DELETE',
      `writable: ALTER TABLE posthog.orders ADD COLUMN IF NOT EXISTS referrer String AFTER ${data.orders.columns!.at(-1)!.name}`,
    ]);
    await applyMigrations([m], TARGET, 'posthog', exec);
    expect(await engine.value("SELECT create_table_query FROM system.tables WHERE database = 'posthog' AND name = 'orders_dead_letters'")).toContain('toIntervalDay(60)');
    expect(await engine.value("SELECT count() FROM system.columns WHERE database = 'posthog' AND table = 'orders' AND name = 'referrer'")).toBe('1');
    const { orders: _read, orders_dead_letters: _deadLetters, ...rest } = data;
    const removed = new Problems();
    const gone = planMigrations(lock, topology, { ...lock.schema, data: rest }, {}, removed);
    expect(gone[0].steps.map((s) => `${s.phase}: ${s.sql}`)).toEqual(['storage-contract: DROP TABLE IF EXISTS posthog.orders SYNC']);
    expect(removed.all.map((p) => p.field)).toEqual(['streams.orders (posthog.orders_dead_letters)']);
    expect(removed.all[0].expected).toContain('it stores rows (ReplicatedReplacingMergeTree(');
  });
});
