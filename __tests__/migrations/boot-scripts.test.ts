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
import { buildRegionTopology } from '../../lib/region-stack';
import { renderStartupScripts, statementsForRole } from '../../lib/schema';
import { TestEngine } from '../support/engine';
import { roleConfig } from '../schema/support/role-config';
import { isAccessRoleStatement } from '../../lib/schema/access-roles';
import { SchemaObjectKind, Statement } from '../../lib/schema/statements';

/** A role's statements without its roles and grants: chdb has no writable access storage to run them. */
const objectStatements = (statements: readonly Statement[]): Statement[] => statements.filter((s) => s.kind !== SchemaObjectKind.ACCESS_ROLE);

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
    if (isAccessRoleStatement(s.query)) continue; // recorded by the ledger's steps, not run: chdb has no access storage
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
    if (o.kind === 'database') continue;
    out[name] = o.kind === 'materialized-view' ? ['(view)'] : o.columns!.map((c) => `${c.name} ${c.definition}`);
  }
  return out;
}

describe('a pod boots on the current schema', () => {
  const xml = renderStartupScripts(v2Topology, NodeRole.SMALL).content;
  const config = roleConfig(v2Topology, NodeRole.SMALL);

  test('the rendered file: ledger, baseline, each step under its condition, then the IF NOT EXISTS schema', () => {
    const scripts = scriptsOf(xml);
    const steps = v2.migrations.flatMap((m) => m.steps).filter((s) => s.role === 'small');
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
      for (const s of objectStatements(statementsForRole(v1Topology, 'small'))) if (!['kafka_orders_ws', 'orders_ws_mv'].includes(s.name)) await engine.exec(s.sql);
      await boot(engine, xml);
      expect(await objects(engine)).toEqual(expected());
      expect(await engine.value("SELECT groupArray(how) FROM (SELECT DISTINCT how FROM clickhouse_ingest.schema_migrations)")).toBe("['applied']");
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
      const steps = v2.migrations.flatMap((m) => m.steps).filter((s) => s.role === 'small').length;
      expect(await engine.value("SELECT countIf(how = 'baseline') || '/' || count() FROM clickhouse_ingest.schema_migrations")).toBe(`${steps}/${steps}`);
    } finally {
      await engine.kill();
    }
  }, 60_000);
});
