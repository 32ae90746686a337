import { buildTopology, NodeRole, StreamSpec, TopologySpec, TopologyValidationError } from '../../lib/model';
import { EVENTS, HEATMAPS, SHUFFLEHOG, TALK_GROUPS, TALK_TOPOLOGY } from './support/topologies';

type Found = { field: string; value: unknown; expected: string };

function problemsOf(spec: TopologySpec): Found[] {
  try {
    buildTopology(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected the description to be rejected');
}

const withStreams = (...streams: StreamSpec[]): TopologySpec => ({ ...TALK_TOPOLOGY, streams });

describe('stream rejections', () => {
  test('a stream on a role that has no nodes (no tier declared for it)', () => {
    const spec: TopologySpec = { ...withStreams({ ...TALK_GROUPS, legs: [{ ...TALK_GROUPS.legs[0], roles: ['ai_events'] }] }) };
    expect(problemsOf(spec)).toContainEqual({
      field: 'streams[0].legs[0].roles[0]', value: 'ai_events',
      expected: 'an ingestion role that has nodes (small, medium, events, shufflehog)',
    });
  });

  test('a stream leg on the data role', () => {
    expect(problemsOf(withStreams({ ...TALK_GROUPS, legs: [{ ...TALK_GROUPS.legs[0], roles: [NodeRole.DATA] }] }))).toContainEqual(
      expect.objectContaining({ field: 'streams[0].legs[0].roles[0]', value: 'data' }));
  });

  test('consumers per node above the topic partitions, and all consumers of the group above them', () => {
    const found = problemsOf(withStreams({ ...HEATMAPS, legs: [{ backend: 'msk_cluster', topic: 'groups', roles: [NodeRole.MEDIUM], consumersPerNode: 9 }] }));
    expect(found).toContainEqual({ field: 'streams[0].legs[0].consumersPerNode', value: 9, expected: 'at most the partitions of topic groups (8)' });
    expect(found).toContainEqual({
      field: 'streams[0].legs[0].consumersPerNode', value: 9,
      expected: '2 medium nodes × 9 consumers = 18 in group clickhouse_heatmaps, at most the 8 partitions of topic groups (extra consumers sit idle)',
    });
    expect(found).toContainEqual({ field: 'streams[0].legs[0].consumersPerNode', value: 9, expected: 'at most the cores of a medium node (4)' });
  });

  test('a sharded target without a sharding key', () => {
    const { shardingKey: _dropped, ...noKey } = EVENTS;
    expect(problemsOf(withStreams(noKey))).toContainEqual({
      field: 'streams[0].shardingKey', value: undefined, expected: 'a sharding key expression: the sharded target has 2 shards',
    });
  });

  test('view columns that do not match the writable table: a transform of no column, a column nothing fills', () => {
    const found = problemsOf(withStreams({
      ...TALK_GROUPS,
      transforms: { not_a_column: 'now()' },
      sourceColumns: TALK_GROUPS.columns.filter((c) => c.name !== 'created_at'),
    }));
    expect(found).toContainEqual({
      field: 'streams[0].transforms.not_a_column', value: 'not_a_column',
      expected: "a column of the stream (group_type_index, group_key, created_at, team_id, group_properties): the materialized view's columns must match the writable table",
    });
    expect(found).toContainEqual(expect.objectContaining({
      field: 'streams[0].columns.created_at', value: 'created_at',
      expected: expect.stringContaining("or a transform, so that the view's columns match the writable table"),
    }));
    // A transform fills the column: accepted.
    expect(() => buildTopology(withStreams({
      ...TALK_GROUPS, sourceColumns: TALK_GROUPS.columns.filter((c) => c.name !== 'created_at'), transforms: { created_at: 'now64()' },
    }))).not.toThrow();
  });

  test('columns named like Kafka virtual columns', () => {
    expect(problemsOf(withStreams({ ...TALK_GROUPS, columns: [...TALK_GROUPS.columns, { name: '_key', type: 'String' }] }))).toContainEqual(
      expect.objectContaining({ field: 'streams[0].columns[5].name', value: '_key', expected: expect.stringContaining('other than the Kafka virtual columns') }));
  });

  test('duplicate stream names and duplicate legs (same suffix) in one stream', () => {
    expect(problemsOf(withStreams(TALK_GROUPS, TALK_GROUPS))).toContainEqual(
      { field: 'streams[].name', value: 'groups', expected: 'unique stream names (this one appears more than once)' });
    const twoMskLegs = { ...TALK_GROUPS, legs: [
      { backend: 'msk_cluster', topic: 'groups', roles: [NodeRole.SMALL] },
      { backend: 'msk_cluster', topic: 'groups', consumerGroup: 'other', roles: [NodeRole.MEDIUM] },
    ] };
    expect(problemsOf(withStreams(twoMskLegs))).toContainEqual(
      { field: 'streams[0].legs[].suffix', value: '', expected: 'unique leg suffixes (legs are told apart by suffix) (this one appears more than once)' });
  });

  test("a stream whose objects collide with another stream's leg", () => {
    // Stream groups_ws's objects (kafka_groups_ws, groups_ws_mv, writable_groups_ws) are the names of groups' WarpStream leg.
    const groupsWs = { ...TALK_GROUPS, name: 'groups_ws', legs: [{ backend: 'msk_cluster', topic: 'groups', roles: [NodeRole.MEDIUM] }] };
    const dual = { ...TALK_GROUPS, legs: [{ backend: 'warpstream_ingestion', topic: 'groups', roles: [NodeRole.SMALL] }] };
    expect(problemsOf(withStreams(dual, groupsWs))).toContainEqual(
      { field: 'streams (table names)', value: 'writable_groups_ws', expected: 'unique table names across streams (this one appears more than once)' });
  });

  test('two clusters in one region consuming one topic with the same group', () => {
    const found = problemsOf(withStreams(
      { ...TALK_GROUPS, legs: [{ backend: 'msk_cluster', topic: 'groups', consumerGroup: 'g', roles: [NodeRole.SMALL] }] },
      { ...TALK_GROUPS, name: 'groups_copy', legs: [{ backend: 'msk_cluster', topic: 'groups', consumerGroup: 'g', roles: [NodeRole.MEDIUM] }] },
    ));
    expect(found).toContainEqual({
      field: 'streams (consumer groups)', value: 'msk_cluster/groups/g',
      expected: 'one cluster per topic and group in a region; the clusters of roles small, medium would share it (give each its own group)',
    });
  });

  test('two Kafka tables in one group on the same cluster (they would split the partitions)', () => {
    const found = problemsOf(withStreams(
      { ...TALK_GROUPS, legs: [{ backend: 'msk_cluster', topic: 'groups', consumerGroup: 'g', roles: [NodeRole.SMALL] }] },
      { ...TALK_GROUPS, name: 'groups_copy', legs: [{ backend: 'msk_cluster', topic: 'groups', consumerGroup: 'g', roles: [NodeRole.SMALL] }] },
    ));
    expect(found).toContainEqual({
      field: 'streams (consumer groups)', value: 'msk_cluster/groups/g',
      expected: "one Kafka table per topic and group; kafka_groups, kafka_groups_copy would split the topic's partitions between them",
    });
  });

  test('ShuffleHog: no data-table settings, a declared destination topic, a safe key expression, no loop', () => {
    const found = problemsOf(withStreams({
      ...SHUFFLEHOG,
      orderBy: ['team_id'],
      sharded: true,
      shuffle: { backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', keyExpression: 'team_id; DROP TABLE x' },
    }));
    expect(found).toContainEqual({ field: 'streams[0].orderBy', value: ['team_id'], expected: 'no ORDER BY on a ShuffleHog stream (it stores nothing)' });
    expect(found).toContainEqual({ field: 'streams[0].sharded', value: true, expected: 'no sharded on a ShuffleHog stream (it has no data table)' });
    expect(found).toContainEqual(expect.objectContaining({ field: 'streams[0].shuffle.keyExpression', value: 'team_id; DROP TABLE x' }));
    expect(found).toContainEqual({
      field: 'streams[0].shuffle.topic', value: 'clickhouse_events_json', expected: 'a topic other than the one the stream consumes (a loop)',
    });
    expect(problemsOf(withStreams({ ...SHUFFLEHOG, shuffle: { ...SHUFFLEHOG.shuffle!, topic: 'nowhere' } }))).toContainEqual(
      { field: 'streams[0].shuffle.topic', value: 'nowhere', expected: 'a topic declared on backend warpstream_ingestion' });
  });

  test('a stream without ORDER BY that stores rows', () => {
    const { orderBy: _dropped, ...noOrder } = TALK_GROUPS;
    expect(problemsOf(withStreams(noOrder))).toContainEqual(
      { field: 'streams[0].orderBy', value: undefined, expected: 'at least one ORDER BY expression' });
  });

  test('every problem of a bad stream is reported at once', () => {
    const found = problemsOf(withStreams({
      ...EVENTS, shardingKey: undefined, transforms: { nope: 'x' },
      legs: [{ backend: 'msk_cluster', topic: 'groups', roles: ['nobody'] }],
    }));
    expect(found.map((p) => p.field)).toEqual(expect.arrayContaining([
      'streams[0].shardingKey', 'streams[0].transforms.nope', 'streams[0].legs[0].roles[0]',
    ]));
  });
});
