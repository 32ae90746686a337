/**
 * The data tables with their real Replicated engines: the DATA role's statements on chdb loaded
 * with a storage host's rendered config (its macros, its remote_servers), against a real
 * ZooKeeper (Debian's `zookeeper`). ClickHouse expands `{shard}`/`{replica}` from the rendered
 * macros and registers each replica in ZooKeeper; system.replicas shows where.
 */
import { buildTopology, NodeRole } from '../../lib/model';
import { statementsForRole } from '../../lib/schema';
import { inspectRole, RoleSnapshot } from './support/inspect-role';
import { roleConfig } from './support/role-config';
import { RICH_TOPOLOGY } from './support/topologies';
import { hasZooKeeper, LocalZooKeeper } from './support/zookeeper';

if (!hasZooKeeper) console.warn('Skipping the replicated data-table test: Debian package `zookeeper` (and java) is not installed.');

(hasZooKeeper ? describe : describe.skip)('data tables on a real ZooKeeper', () => {
  const topology = buildTopology(RICH_TOPOLOGY);
  const host = topology.storage.hosts[0];
  let zookeeper: LocalZooKeeper | undefined;
  let snapshot: RoleSnapshot;

  beforeAll(async () => {
    zookeeper = await LocalZooKeeper.start();
    const { files, env, cleanup } = roleConfig(topology, NodeRole.DATA);
    try {
      snapshot = await inspectRole({
        files: zookeeper.pointConfigHere(files), env, database: topology.database,
        queries: statementsForRole(topology, NodeRole.DATA).map((s) => s.sql),
        probes: [
          "SELECT table, engine, zookeeper_path, replica_name FROM system.replicas WHERE database = 'posthog' ORDER BY table",
        ],
        // Closing waits for the ZooKeeper session to end; the snapshot is all the test needs.
      });
    } finally {
      cleanup();
    }
  });

  afterAll(async () => {
    await zookeeper?.stop();
  });

  test("sharded tables replicate within their shard; single-shard tables to every data node (PostHog's noshard path)", () => {
    expect(snapshot.error).toBeUndefined();
    const replica = host.name; // the rendered {replica} macro
    // Every stored table of the topology, from the model: sharded data tables within their shard,
    // single-shard data tables and every stream's dead letters on the noshard path.
    const expected = topology.streams.flatMap((st) => [
      ...(st.shuffle === undefined ? [{
        table: st.dataTable, engine: st.engine.replicatedName,
        zookeeper_path: st.sharded ? `/clickhouse/tables/01/posthog.${st.dataTable}` : `/clickhouse/tables/noshard/posthog.${st.dataTable}`,
        replica_name: st.sharded ? replica : `${replica}-01`,
      }] : []),
      { table: st.deadLetterTable, engine: 'ReplicatedReplacingMergeTree', zookeeper_path: `/clickhouse/tables/noshard/posthog.${st.deadLetterTable}`, replica_name: `${replica}-01` },
    ]).sort((a, b) => (a.table < b.table ? -1 : 1));
    expect(snapshot.probeResults[0]).toEqual(expected);
    expect(expected.map((t) => t.table)).toEqual(expect.arrayContaining(['groups', 'sharded_events', 'groups_dead_letters']));
  });
});
