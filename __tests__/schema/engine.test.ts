/**
 * Every statement of every role, executed in role order on a real ClickHouse (chdb) loaded with
 * that role's config as lib/clickhouse renders it, each role in its own process like a node. ClickHouse itself
 * rejects a Distributed table whose cluster is missing and a Kafka table whose named collection
 * is missing; the tests also read back what it created. Data tables use their non-replicated twin
 * (no ZooKeeper here).
 */
import { buildTopology, NodeRole, Topology } from '../../lib/model';
import {
  migrationFiles, renderStartupScripts, SchemaObjectKind, schemaRoles, startupScriptQueries, statementsForRole,
} from '../../lib/schema';
import { mapConcurrently } from '../support/engine';
import { inspectRole, RoleSnapshot, TableSnapshot } from './support/inspect-role';
import { roleConfig } from './support/role-config';
import { RICH_TOPOLOGY, TALK_TOPOLOGY } from './support/topologies';

/**
 * Boots a role: its migration files in order, then its startup script twice (two reboots: every
 * statement is IF NOT EXISTS, so they change nothing).
 */
const booted = new Map<Topology, Map<string, RoleSnapshot>>();

async function bootRole(topology: Topology, role: NodeRole): Promise<RoleSnapshot> {
  const cached = booted.get(topology)?.get(role.value);
  if (cached !== undefined) return cached;
  const { files, env, cleanup } = roleConfig(topology, role);
  const migrations = migrationFiles(topology, { replicated: false })
    .filter((f) => f.path.startsWith(`sql/${role.value}/`))
    .map((f) => f.content);
  const startup = role.isData ? [] : startupScriptQueries(renderStartupScripts(topology, role));
  let snapshot: RoleSnapshot;
  try {
    // Killed rather than closed, like a pod: closing waits for the Kafka consumers to give up on their brokers.
    // The rendered startup_scripts.xml is loaded with the rest (ClickHouse must accept it as config);
    // chdb does not execute startup scripts, so their queries are run as the server would run them.
    snapshot = await inspectRole({
      files: [...files, renderStartupScripts(topology, role)], env, database: topology.database,
      queries: [...migrations, ...startup, ...startup],
    });
  } finally {
    cleanup();
  }
  if (snapshot.error !== undefined) throw new Error(`${role.value}: ${snapshot.error.message}\nin:\n${snapshot.error.query}`);
  booted.set(topology, (booted.get(topology) ?? new Map<string, RoleSnapshot>()).set(role.value, snapshot));
  return snapshot;
}

/** The first argument of an engine as ClickHouse prints it back: `Distributed('posthog', ...)` → posthog. */
function firstEngineArg(engineFull: string): string {
  const m = /^\w+\(\s*'?([A-Za-z0-9_]+)'?/.exec(engineFull);
  if (m === null) throw new Error(`no engine argument in ${engineFull}`);
  return m[1];
}

/** `Kafka(c, kafka_topic_list = 'x', ...) SETTINGS kafka_num_consumers = 4, ...` → { kafka_topic_list: 'x', ... }. */
function engineSettings(engineFull: string): Record<string, string> {
  return Object.fromEntries([...engineFull.matchAll(/(\w+) = '?([^',)]+)'?/g)].map((m) => [m[1], m[2]]));
}

const RICH = buildTopology(RICH_TOPOLOGY);
const TOPOLOGIES: [string, Topology][] = [
  ['talk', buildTopology(TALK_TOPOLOGY)],
  ['rich (dual leg, sharded, transform, ShuffleHog)', RICH],
  // The default stacks' SQL runs in __tests__/region/artifacts-engine.test.ts, from their synth output.
];

describe.each(TOPOLOGIES)('%s topology on a real ClickHouse', (_name, topology) => {
  const roles = schemaRoles(topology).filter((r) => statementsForRole(topology, r).length > 0);
  const snapshots = new Map<string, RoleSnapshot>();
  const tableOf = (role: NodeRole, name: string): TableSnapshot => {
    const t = snapshots.get(role.value)!.tables.find((x) => x.name === name);
    if (t === undefined) throw new Error(`${name} missing on ${role.value}`);
    return t;
  };
  beforeAll(async () => {
    // Two engines at a time: each mostly waits on chdb's startup.
    const booted = await mapConcurrently(roles, 2, (role) => bootRole(topology, role));
    roles.forEach((role, i) => snapshots.set(role.value, booted[i]));
  });

  test('every role ran its statements, and exactly its objects exist in system.tables', () => {
    for (const role of roles) {
      // Roles and grants are not tables (and chdb runs none: it has no writable access storage).
      const expected = statementsForRole(topology, role).filter((s) => s.kind !== SchemaObjectKind.DATABASE && s.kind !== SchemaObjectKind.ACCESS_ROLE).map((s) => s.name);
      expect({ role: role.value, tables: snapshots.get(role.value)!.tables.map((t) => t.name).sort() })
        .toEqual({ role: role.value, tables: [...expected].sort() });
    }
  });

  test('data tables (non-replicated twins) have the declared engine family and sorting key', () => {
    for (const s of topology.streams.filter((st) => st.shuffle === undefined)) {
      const t = tableOf(NodeRole.DATA, s.dataTable);
      expect(t.engine).toBe(s.engine.family);
      expect(t.sorting_key.split(', ')).toEqual([...s.orderBy]);
      expect(t.columns.slice(-3)).toEqual(['_timestamp', '_offset', '_partition']);
    }
  });

  test('each writable Distributed table targets an existing cluster: single-shard or the sharded one', () => {
    for (const role of roles.filter((r) => !r.isData)) {
      const snap = snapshots.get(role.value)!;
      for (const t of snap.tables.filter((x) => x.engine === 'Distributed')) {
        const stream = topology.streams.find((s) => s.legs.some((l) => l.writableTable === t.name || l.deadLetterWritableTable === t.name))!;
        const deadLetters = stream.legs.some((l) => l.deadLetterWritableTable === t.name);
        const cluster = firstEngineArg(t.engine_full);
        expect(cluster).toBe(deadLetters ? stream.deadLetterCluster : stream.targetCluster);
        expect(snap.clusters[cluster]).toBe(stream.sharded && !deadLetters ? topology.storage.shards : 1);
      }
    }
  });

  test('each Kafka table names a named collection that exists', () => {
    for (const role of roles.filter((r) => !r.isData)) {
      const snap = snapshots.get(role.value)!;
      const kafka = snap.tables.filter((x) => x.engine === 'Kafka');
      expect(kafka.length).toBeGreaterThan(0);
      for (const t of kafka) expect(snap.namedCollections).toContain(firstEngineArg(t.engine_full));
    }
  });

  test("each view reads its Kafka table and writes its leg's writable table (or the producer), with exactly its columns", () => {
    for (const role of roles.filter((r) => !r.isData)) {
      for (const stream of topology.streams) {
        for (const leg of stream.legs.filter((l) => l.roles.includes(role))) {
          const view = tableOf(role, leg.materializedView);
          const target = stream.shuffle?.producerTable ?? leg.writableTable;
          expect(view.engine).toBe('MaterializedView');
          expect(view.create_table_query).toContain(` TO ${topology.database}.${target} `);
          // The Kafka table feeds the view and the dead-letter view (kafka_handle_error_mode = 'stream').
          expect([...tableOf(role, leg.kafkaTable).dependencies_table].sort()).toEqual([leg.deadLetterView, leg.materializedView].sort());
          expect(view.selectColumns).toEqual(tableOf(role, target).columns);
          expect(tableOf(role, leg.deadLetterView).selectColumns).toEqual(tableOf(role, leg.deadLetterWritableTable).columns);
        }
      }
    }
  });
});

describe('Kafka consumer settings as ClickHouse stores them', () => {
  const topology = RICH;
  test('medium: 4 consumers with a thread each; small: 1 consumer per leg; PostHog baseline everywhere', async () => {
    const medium = (await bootRole(topology, NodeRole.MEDIUM)).tables.find((t) => t.name === 'kafka_heatmaps')!;
    expect(engineSettings(medium.engine_full)).toMatchObject({
      kafka_topic_list: 'heatmaps', kafka_group_name: 'clickhouse_heatmaps', kafka_format: 'JSONEachRow',
      kafka_num_consumers: '4', kafka_thread_per_consumer: '1',
      kafka_handle_error_mode: 'stream', kafka_poll_timeout_ms: '10000', kafka_max_block_size: '100000',
    });
    const small = (await bootRole(topology, NodeRole.SMALL)).tables.filter((t) => t.engine === 'Kafka').map((t) => [t.name, engineSettings(t.engine_full)]);
    expect(Object.fromEntries(small)).toMatchObject({
      kafka_groups: { kafka_group_name: 'clickhouse_groups', kafka_num_consumers: '1', kafka_handle_error_mode: 'stream' },
      kafka_groups_ws: { kafka_group_name: 'clickhouse_groups_ws', kafka_num_consumers: '1', kafka_handle_error_mode: 'stream' },
    });
  });
});
