import { DataEngine, KafkaBackendKind, NodeRole, StreamSpec, TopologySpec } from '../../../lib/model';
import { GROUPS_STREAM } from '../../../stacks/posthog-region';

/** The `groups` stream as the talk shows it (slides 13–16): the default stacks' definition, on the talk's group `group1`. */
export const TALK_GROUPS: StreamSpec = GROUPS_STREAM([
  { backend: 'warpstream_ingestion', topic: 'groups', consumerGroup: 'group1', suffix: '', roles: [NodeRole.SMALL] },
]);

const BASE: TopologySpec = {
  name: 'test',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  storage: { shards: 2, replicas: 3 },
  ingestionTiers: [
    { role: NodeRole.SMALL, nodes: 2, cores: 2 },
    { role: NodeRole.MEDIUM, nodes: 2, cores: 4 },
    { role: NodeRole.EVENTS, nodes: 2, cores: 8 },
    { role: NodeRole.SHUFFLEHOG, nodes: 2, cores: 4, consumersPerNode: 2 },
  ],
  kafkaBackends: [
    { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'groups', partitions: 8 }, { name: 'heatmaps', partitions: 16 }] },
    {
      name: 'warpstream_ingestion',
      kind: KafkaBackendKind.WARPSTREAM,
      topics: [
        { name: 'groups', partitions: 8 },
        { name: 'clickhouse_events_json', partitions: 64 },
        { name: 'events_by_team_event', partitions: 16 },
      ],
    },
  ],
};

/** The talk's region: one stream, one leg on the small tier. */
export const TALK_TOPOLOGY: TopologySpec = { ...BASE, streams: [TALK_GROUPS] };

/** Groups consumed from MSK and from WarpStream at once: the migration's middle state. */
export const DUAL_LEG_GROUPS: StreamSpec = {
  ...TALK_GROUPS,
  legs: [
    { backend: 'msk_cluster', topic: 'groups', roles: [NodeRole.SMALL] },
    { backend: 'warpstream_ingestion', topic: 'groups', roles: [NodeRole.SMALL] },
  ],
};

/** The Kafka message fields of the events stream. */
const EVENT_SOURCE_COLUMNS: StreamSpec['columns'] = [
  { name: 'uuid', type: 'UUID' },
  { name: 'event', type: 'String' },
  { name: 'properties', type: 'String' },
  { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
  { name: 'team_id', type: 'Int64' },
  { name: 'distinct_id', type: 'String' },
];

export const EVENTS: StreamSpec = {
  name: 'events',
  columns: [...EVENT_SOURCE_COLUMNS, { name: 'consumer_breadcrumbs', type: 'Array(String)' }],
  // The view derives the breadcrumbs from the Kafka headers, as PostHog's events_json_ws_mv does.
  sourceColumns: EVENT_SOURCE_COLUMNS,
  transforms: { consumer_breadcrumbs: "arrayConcat(_headers.value, ['clickhouse'])" },
  orderBy: ['team_id', 'toDate(timestamp)', 'event', 'cityHash64(distinct_id)', 'cityHash64(uuid)'],
  partitionBy: 'toYYYYMM(timestamp)',
  sharded: true,
  shardingKey: 'sipHash64(distinct_id)',
  legs: [{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', consumerGroup: 'clickhouse_events_json_ws', roles: [NodeRole.EVENTS] }],
};

export const HEATMAPS: StreamSpec = {
  name: 'heatmaps',
  columns: [
    { name: 'session_id', type: 'String' },
    { name: 'team_id', type: 'Int64' },
    { name: 'x', type: 'Int16' },
    { name: 'y', type: 'Int16' },
    { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
  ],
  orderBy: ['team_id', 'toDate(timestamp)', 'session_id'],
  engine: DataEngine.replicatedMergeTree(),
  legs: [{ backend: 'msk_cluster', topic: 'heatmaps', roles: [NodeRole.MEDIUM] }],
};

/** ShuffleHog: the events firehose re-keyed by team + event into a re-partitioned topic. */
export const SHUFFLEHOG: StreamSpec = {
  name: 'events_shuffle',
  columns: [
    { name: 'uuid', type: 'UUID' },
    { name: 'event', type: 'String' },
    { name: 'team_id', type: 'Int64' },
    { name: 'properties', type: 'String' },
  ],
  legs: [{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', consumerGroup: 'clickhouse_shufflehog', roles: [NodeRole.SHUFFLEHOG] }],
  shuffle: { backend: 'warpstream_ingestion', topic: 'events_by_team_event', keyExpression: "concat(toString(team_id), ':', event)" },
};

/** Every shape at once: dual-leg groups, sharded events with a transform, heatmaps on medium, ShuffleHog. */
export const RICH_TOPOLOGY: TopologySpec = { ...BASE, streams: [DUAL_LEG_GROUPS, EVENTS, HEATMAPS, SHUFFLEHOG] };
