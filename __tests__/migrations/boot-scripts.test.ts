/**
 * The boot path of an ingestion pod: the `startup_scripts` rendered for a region with migrations,
 * read back from the XML and run in chdb the way ClickHouse runs them (a query runs when its
 * condition returns 1), on a pod that kept its disk at v1 and on a fresh one. Both come up on v2.
 * chdb does not run startup_scripts itself: the interpreter below is the stand-in, and it only
 * evaluates the conditions the file carries.
 */
import { create } from 'xmlbuilder2';
import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../../examples/schema-evolution/region';
import { NodeRole } from '../../lib/model';
import { evolveRegion, withBootMigrations } from '../../lib/migrations';
import { buildRegionTopology } from '../../lib/constructs/region-stack';
import { renderStartupScripts, statementsForRole } from '../../lib/schema';
import { TestEngine } from '../support/engine';
import { roleConfig } from '../schema/support/role-config';
import { isAccessRoleStatement } from '../../lib/schema/access-roles';
import { objectStatements } from './support/chdb-stand-in';

const v1Topology = buildRegionTopology(EVOLVING_REGION);
const v1 = evolveRegion({ topology: v1Topology, stack: 'evo', stateKey: 'k' });
const v2 = evolveRegion({ topology: buildRegionTopology(EVOLVING_REGION_V2), stack: 'evo', stateKey: 'k', lock: v1.lock });
const v2Topology = withBootMigrations(buildRegionTopology(EVOLVING_REGION_V2), v2.migrations);

/** The (condition, query) pairs of a rendered startup_scripts file, in order. */
function scriptsOf(xml: string): { query: string; condition?: string }[] {
  const doc = create(xml).toObject() as { clickhouse: { startup_scripts: { scripts: { query: string; condition?: string }[] } } };
  return doc.clickhouse.startup_scripts.scripts.map((s) => ({ query: String(s.query), ...(s.condition !== undefined ? { condition: String(s.condition) } : {}) }));
}

async function boot(engine: TestEngine, xml: string): Promise<void> {
  for (const s of scriptsOf(xml)) {
    if (s.condition === undefined || (await engine.value(s.condition)) === '1') await engine.exec(s.query);
  }
}

async function objects(engine: TestEngine): Promise<Record<string, string[]>> {
  const rows = await engine.rows<{ table: string; name: string; type: string }>(
    "SELECT table, name, type FROM system.columns WHERE database = 'posthog' ORDER BY table, position");
  // A view's columns come from its SELECT (the Kafka virtual _timestamp is Nullable there): views are compared by name.
  const views = await engine.rows<{ name: string }>("SELECT name FROM system.tables WHERE database = 'posthog' AND engine = 'MaterializedView' ORDER BY name");
  const out: Record<string, string[]> = {};
  for (const r of rows) if (!views.some((v) => v.name === r.table)) (out[r.table] ??= []).push(`${r.name} ${r.type}`);
  for (const v of views) out[v.name] = ['(view)'];
  return out;
}

function expected(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, o] of Object.entries(v2.lock.schema.small)) {
    // Roles and grants are not run in chdb (no access storage): the rendered file is checked for them above.
    if (o.kind === 'database' || o.kind === 'access-role') continue;
    out[name] = o.kind === 'materialized-view' || o.kind === 'dead-letter-view' ? ['(view)'] : o.columns!.map((c) => `${c.name} ${c.definition}`);
  }
  return out;
}

/** The small role's steps that create roles or grant: left to the Job. */
const grantSteps = v2.migrations.flatMap((m) => m.steps).filter((s) => s.role === 'small' && isAccessRoleStatement(s.sql)).map((s) => s.id);

/** The small role's steps the node's ledger does not hold. */
async function pendingSteps(engine: TestEngine): Promise<string[]> {
  const recorded = (await engine.value('SELECT arrayStringConcat(groupArray(step), \',\') FROM clickhouse_ingest.schema_migrations')).split(',');
  return v2.migrations.flatMap((m) => m.steps).filter((s) => s.role === 'small' && !recorded.includes(s.id)).map((s) => s.id);
}

describe('a pod boots on the current schema', () => {
  const xml = renderStartupScripts(v2Topology, NodeRole.SMALL).content;
  const config = roleConfig(v2Topology, NodeRole.SMALL);

  test('the rendered file: ledger, baseline, each step under its condition, then the IF NOT EXISTS schema', () => {
    const scripts = scriptsOf(xml);
    const all = v2.migrations.flatMap((m) => m.steps).filter((s) => s.role === 'small');
    const steps = all.filter((s) => !isAccessRoleStatement(s.sql));
    // Roles and grants are neither in the boot schema nor among the boot steps: a failing GRANT would stop a consuming pod.
    expect(all.filter((s) => isAccessRoleStatement(s.sql)).map((s) => s.object))
      .toEqual(['grant_posthog_ingestion_writer_writable_clicks', 'grant_posthog_ingestion_writer_writable_clicks_dead_letters']);
    expect(scripts.filter((s) => isAccessRoleStatement(s.query))).toEqual([]);
    expect(scripts).toHaveLength(3 + 2 * steps.length + objectStatements(statementsForRole(v2Topology, 'small')).length);
    expect(scripts[2].condition).toContain("SELECT count() FROM system.tables WHERE database = 'posthog') = 0");
    expect(scripts[3]).toEqual({ query: steps[0].sql, condition: `SELECT count() = 0 FROM clickhouse_ingest.schema_migrations WHERE step = '${steps[0].id}'` });
    expect(renderStartupScripts(v2Topology, NodeRole.DATA).content).not.toContain('schema_migrations');
  });

  test('a pod that kept its v1 disk applies every pending step at boot, once', async () => {
    const engine = await TestEngine.open(config.files, config.env);
    try {
      // v1 as the Job before the rollout left it: the retired leg's view and Kafka table already dropped
      // (its backend's named collection is gone from v2's config, so they could not even be attached).
      const retired = v2.migrations.flatMap((m) => m.steps).filter((s) => s.phase === 'retire').map((s) => s.object);
      expect(retired).toEqual(['orders_ws_dead_letters_mv', 'orders_ws_mv', 'kafka_orders_ws']);
      for (const s of objectStatements(statementsForRole(v1Topology, 'small'))) if (!retired.includes(s.name)) await engine.exec(s.sql);
      await boot(engine, xml);
      expect(await objects(engine)).toEqual(expected());
      expect(await engine.value("SELECT groupArray(how) FROM (SELECT DISTINCT how FROM clickhouse_ingest.schema_migrations)")).toBe("['applied']");
      // The grant steps stay pending for the Job after the rollout (it applies every phase on every node).
      expect(await pendingSteps(engine)).toEqual(grantSteps);
      const before = await engine.value('SELECT count() FROM clickhouse_ingest.schema_migrations');
      await boot(engine, xml);
      expect(await engine.value('SELECT count() FROM clickhouse_ingest.schema_migrations')).toBe(before);
      expect(await objects(engine)).toEqual(expected());
    } finally {
      await engine.kill();
    }
  }, 60_000);

  test('a fresh pod records every step as its baseline and creates the current schema', async () => {
    const engine = await TestEngine.open(config.files, config.env);
    try {
      await boot(engine, xml);
      expect(await objects(engine)).toEqual(expected());
      const steps = v2.migrations.flatMap((m) => m.steps).filter((s) => s.role === 'small').length - grantSteps.length;
      expect(await engine.value("SELECT countIf(how = 'baseline') || '/' || count() FROM clickhouse_ingest.schema_migrations")).toBe(`${steps}/${steps}`);
      expect(await pendingSteps(engine)).toEqual(grantSteps);
    } finally {
      await engine.kill();
    }
  }, 60_000);
});
