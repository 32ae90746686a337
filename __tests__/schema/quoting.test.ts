/**
 * Identifiers are quoted where they must be: columns named like SQL keywords (`from`, `order`,
 * `key`) render back-quoted in every statement, and ClickHouse (chdb) accepts the data table,
 * the writable table, the Kafka table and both views; a key expression names them in double
 * quotes (backquotes are refused in expressions); a bare `null`, `true`, `false` or `not` naming
 * a column there is refused (ClickHouse would read the literal).
 */
import { buildTopology, DataEngine, KafkaBackendKind, NodeRole } from '../../lib/model';
import { identifier } from '../../lib/schema/sql';
import { isAccessRoleStatement, statementsForRole } from '../../lib/schema';
import { nodeGroups, renderRemoteServers } from '../../lib/clickhouse';
import { TestEngine } from '../support/engine';

const topology = buildTopology({
  name: 'qt', availabilityZones: ['us-east-1a'], storage: { shards: 1, replicas: 1 },
  ingestionTiers: [{ role: NodeRole.SMALL, nodes: 1 }],
  kafkaBackends: [{ name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'moves', partitions: 1 }] }],
  streams: [{
    name: 'moves',
    columns: [{ name: 'from', type: 'String' }, { name: 'order', type: 'UInt32' }, { name: 'key', type: 'String' }, { name: 'team_id', type: 'Int64' }],
    orderBy: ['team_id', '"order"'], partitionBy: 'cityHash64("from") % 4', engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
    legs: [{ backend: 'msk_cluster', topic: 'moves', roles: [NodeRole.SMALL] }],
  }],
});

describe('identifiers that are SQL keywords', () => {
  test('the builder back-quotes keywords and leaves ordinary names bare', () => {
    expect([identifier('from'), identifier('order'), identifier('Key'), identifier('team_id'), identifier('type')]).toEqual(['`from`', '`order`', '`Key`', 'team_id', 'type']);
  });

  test('every statement of both roles runs in ClickHouse with the keyword columns', async () => {
    // The small tier's remote_servers, so its writable tables find their cluster.
    const engine = await TestEngine.open([renderRemoteServers(topology, nodeGroups(topology)[1])], { CLICKHOUSE_INTERSERVER_SECRET: 'test' });
    try {
      const statements = [
        ...statementsForRole(topology, NodeRole.DATA, { replicated: false }),
        ...statementsForRole(topology, NodeRole.SMALL).filter((s) => s.kind !== 'database'),
      ].filter((s) => !isAccessRoleStatement(s.sql));
      // The Kafka table's backend, as a named collection made by hand (no broker is reached).
      await engine.exec("CREATE NAMED COLLECTION msk_cluster AS kafka_broker_list = '127.0.0.1:1'");
      for (const s of statements) expect({ id: s.id, error: await engine.errorOf(s.sql) }).toEqual({ id: s.id, error: undefined });
      const columns = await engine.rows<{ name: string }>("SELECT name FROM system.columns WHERE database = 'posthog' AND table = 'moves' ORDER BY position");
      expect(columns.map((c) => c.name).slice(0, 3)).toEqual(['from', 'order', 'key']);
      expect(statementsForRole(topology, NodeRole.SMALL).find((s) => s.id === 'moves_mv')!.sql).toContain('    `from`,\n    `order`,\n    `key`,\n');
    } finally {
      await engine.kill();
    }
  }, 60_000);

  test('a bare literal keyword naming a column in a key expression is refused with the quoting that works', () => {
    const spec = {
      name: 'qt', availabilityZones: ['us-east-1a'], storage: { shards: 1, replicas: 1 },
      ingestionTiers: [{ role: NodeRole.SMALL, nodes: 1 }],
      kafkaBackends: [{ name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'moves', partitions: 1 }] }],
      streams: [{
        name: 'moves', columns: [{ name: 'null', type: 'UInt32' }, { name: 'team_id', type: 'Int64' }],
        orderBy: ['team_id', 'null'], legs: [{ backend: 'msk_cluster', topic: 'moves', roles: [NodeRole.SMALL] }],
      }],
    };
    expect(() => buildTopology(spec)).toThrow(/streams\[0\]\.orderBy\[1\]: got "null"; expected the column null in double quotes \("null"\): bare, NULL is read as the SQL literal/);
    // Other keywords parse as columns in an expression: `order` bare is accepted (chdb agrees, sql-text.test.ts).
    const order = { ...spec, streams: [{ ...spec.streams[0], columns: [{ name: 'order', type: 'UInt32' }, { name: 'team_id', type: 'Int64' }], orderBy: ['team_id', 'order'] }] };
    expect(buildTopology(order).streams[0].orderBy).toEqual(['team_id', 'order']);
  });
});
