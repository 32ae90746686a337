/**
 * The config files inside each synthesized ClickHouseInstallation, loaded by a real ClickHouse
 * (chdb) as a pod would load them, with the pod's environment; then the boot schema from the same
 * files runs there, twice, as on two boots of a pod with an empty disk. One process per
 * installation (see ../support/engine.ts).
 */
import { startupScriptQueries } from '../../lib/schema';
import { runEngineJob } from '../support/engine';
import { buildRegion, helmRelease, synthJson } from './support/region';

interface EnvVar { name: string; value?: string; valueFrom?: unknown }
interface Chi {
  spec: {
    configuration: { files: Record<string, string> };
    templates: { podTemplates: { spec: { containers: { env: EnvVar[] }[] } }[] };
  };
}

const region = buildRegion();
const json = synthJson(region.stack);

/** What Terraform hands Helm: its template escapes undone. */
function unescapeTerraform(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

/** The pod's environment: Secret keys get stand-in values, broker lists a loopback address. */
function podEnvironment(env: readonly EnvVar[]): Record<string, string> {
  return Object.fromEntries(env.map((e) => [e.name, e.valueFrom !== undefined ? `test-${e.name.toLowerCase()}` : '127.0.0.1:9092']));
}

describe.each(['small', 'medium', 'events'])('the %s installation in a real ClickHouse', (role) => {
  const { values } = helmRelease(json, `ingestion-${role}`);
  const chi = values.installation as Chi;
  const files = Object.entries(chi.spec.configuration.files).map(([p, content]) => ({ path: p, content: unescapeTerraform(content) }));
  const env = podEnvironment(chi.spec.templates.podTemplates[0].spec.containers[0].env);
  const tier = region.topology.ingestionTiers.find((t) => t.role.value === role)!;
  const legs = region.topology.streams.flatMap((s) => s.legs).filter((l) => l.roles.some((r) => r.value === role));
  const bootSchema = startupScriptQueries(files.find((f) => f.path === 'config.d/startup_scripts.xml')!);
  let clusters: Record<string, unknown>[];
  let macros: Record<string, unknown>[];
  let collections: Record<string, unknown>[];
  let profile: Record<string, unknown>[];
  let tables: Record<string, unknown>[];

  beforeAll(async () => {
    const queries = {
      clusters: 'SELECT cluster, shard_num, replica_num, host_name FROM system.clusters ORDER BY cluster, shard_num, replica_num',
      macros: 'SELECT macro, substitution FROM system.macros',
      collections: 'SELECT name FROM system.named_collections',
      profile: "SELECT toString(getSetting('distributed_foreground_insert')) AS value",
      tables: `SELECT name, engine, create_table_query FROM system.tables WHERE database = '${region.topology.database}' ORDER BY name`,
    };
    const result = await runEngineJob({
      files, env,
      // Two boots: every statement must be idempotent.
      statements: [...bootSchema, ...bootSchema].map((sql, i) => ({ name: `boot statement ${i + 1}`, sql })),
      queries,
    });
    if (result.error !== undefined) throw new Error(`${result.failedStatement ?? 'open'}: ${result.error}`);
    ({ clusters, macros, collections, profile, tables } = result.results);
  });

  test('the tier cluster: one shard per node, one replica each, the operator\'s host names', () => {
    const own = clusters.filter((c) => c.cluster === tier.clusterName);
    expect(own).toHaveLength(tier.nodes);
    expect(own.every((r) => Number(r.replica_num) === 1)).toBe(true);
    expect(own.map((r) => r.host_name)).toEqual(tier.hosts.map((h) => h.name));
  });

  test('the storage clusters its writable tables target', () => {
    const names = new Set(clusters.map((c) => c.cluster));
    const targets = new Set(region.topology.streams.filter((s) => s.legs.some((l) => l.roles.some((r) => r.value === role))).map((s) => s.targetCluster));
    expect(targets.size).toBeGreaterThan(0);
    for (const t of targets) expect(names).toContain(t);
  });

  test('its role macro, its backends\' named collections, distributed_foreground_insert=1', () => {
    expect(macros).toContainEqual({ macro: 'hostClusterRole', substitution: role });
    const names = collections.map((c) => c.name);
    for (const b of new Set(legs.map((l) => l.backend.name))) expect(names).toContain(b);
    expect(profile[0].value).toMatch(/^(1|true)$/);
  });

  test('after two boots: the role\'s Kafka tables, views and writable tables, and nothing that stores rows', () => {
    expect(bootSchema.length).toBeGreaterThan(0);
    const byName = new Map(tables.map((t) => [t.name as string, t]));
    for (const leg of legs) {
      expect(byName.get(leg.kafkaTable)?.engine).toBe('Kafka');
      expect(String(byName.get(leg.kafkaTable)?.create_table_query)).toContain(`Kafka(${leg.backend.name}`);
      expect(byName.get(leg.materializedView)?.engine).toBe('MaterializedView');
      expect(String(byName.get(leg.materializedView)?.create_table_query)).toContain(`TO ${region.topology.database}.${leg.writableTable}`);
      expect(byName.get(leg.writableTable)?.engine).toBe('Distributed');
    }
    for (const t of tables) expect(t.engine).not.toMatch(/MergeTree/);
  });
});
