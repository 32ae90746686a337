import { DataEngine, KafkaBackendKind, NodeRole, StreamSpec, TopologySpec } from '../lib/model';
import { KafkaBackendOptions, RegionSpec } from '../lib/region-stack';

/** The groups stream from the talk: single-shard ReplicatedReplacingMergeTree, consumed by the small tier. */
export const GROUPS_STREAM = (legs: StreamSpec['legs']): StreamSpec => ({
  name: 'groups',
  columns: [
    { name: 'group_type_index', type: 'UInt8' },
    { name: 'group_key', type: 'VARCHAR' },
    { name: 'created_at', type: 'DateTime64' },
    { name: 'team_id', type: 'Int64' },
    { name: 'group_properties', type: 'VARCHAR' },
  ],
  orderBy: ['team_id', 'group_type_index', 'group_key'],
  engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
  legs,
});

/** The events firehose: sharded by distinct_id, consumed by the events tier. */
export const EVENTS_STREAM = (legs: StreamSpec['legs']): StreamSpec => ({
  name: 'events',
  columns: [
    { name: 'uuid', type: 'UUID' },
    { name: 'event', type: 'String' },
    { name: 'properties', type: 'String' },
    { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
    { name: 'team_id', type: 'Int64' },
    { name: 'distinct_id', type: 'String' },
    { name: 'created_at', type: "DateTime64(6, 'UTC')" },
  ],
  orderBy: ['team_id', 'toDate(timestamp)', 'event', 'cityHash64(distinct_id)', 'cityHash64(uuid)'],
  partitionBy: 'toYYYYMM(timestamp)',
  engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
  sharded: true,
  shardingKey: 'sipHash64(distinct_id)',
  legs,
});

/** Heatmaps: single-shard, consumed by the medium tier (4 consumers per node). */
export const HEATMAPS_STREAM = (legs: StreamSpec['legs']): StreamSpec => ({
  name: 'heatmaps',
  columns: [
    { name: 'session_id', type: 'String' },
    { name: 'team_id', type: 'Int64' },
    { name: 'distinct_id', type: 'String' },
    { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
    { name: 'x', type: 'Int16' },
    { name: 'y', type: 'Int16' },
    { name: 'current_url', type: 'String' },
    { name: 'type', type: 'LowCardinality(String)' },
  ],
  orderBy: ['team_id', 'toDate(timestamp)', 'current_url', 'session_id'],
  engine: DataEngine.replicatedMergeTree(),
  legs,
});

/**
 * PostHog US, as in the talk: 10 shards × 3 replicas = 30 data nodes, and 38 stateless ingestion
 * nodes across the small, medium and events tiers.
 */
export const US_TOPOLOGY: TopologySpec = {
  name: 'us',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  storage: { shards: 10, replicas: 3 },
  zookeeper: { nodes: 3 },
  ingestionTiers: [
    { role: NodeRole.SMALL, nodes: 6, cores: 2 },
    { role: NodeRole.MEDIUM, nodes: 12, cores: 4 },
    { role: NodeRole.EVENTS, nodes: 20, cores: 8, consumersPerNode: 8 },
  ],
  kafkaBackends: [
    {
      name: 'msk_cluster',
      kind: KafkaBackendKind.MSK,
      topics: [
        { name: 'clickhouse_groups', partitions: 16 },
        { name: 'clickhouse_heatmaps', partitions: 64 },
      ],
    },
    {
      name: 'warpstream_ingestion',
      kind: KafkaBackendKind.WARPSTREAM,
      topics: [{ name: 'clickhouse_events_json', partitions: 256 }],
    },
  ],
  streams: [
    GROUPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }]),
    HEATMAPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_heatmaps', roles: [NodeRole.MEDIUM] }]),
    EVENTS_STREAM([{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', roles: [NodeRole.EVENTS] }]),
  ],
};

/**
 * The `us` stack: PostHog US's topology in us-east-1. The VPC, subnets, EKS cluster and state
 * bucket are placeholders with the right shapes; replace them with your own before deploying.
 */
export const US_REGION: RegionSpec = {
  ...US_TOPOLOGY,
  region: 'us-east-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: {
    'us-east-1a': 'subnet-0a1b2c3d4e5f6a701',
    'us-east-1b': 'subnet-0a1b2c3d4e5f6b702',
    'us-east-1c': 'subnet-0a1b2c3d4e5f6c703',
  },
  eksClusterName: 'ingestion-us-east-1',
  stateBackend: { bucket: 'clickhouse-ingest-tfstate-us-east-1' },
  defaultTags: { team: 'data-platform', environment: 'production' },
  kafkaBackendOptions: {
    msk_cluster: KafkaBackendOptions.msk({ brokerCount: 6, volumeSizeGiB: 2000 }),
    warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_us_east_1_ingestion' }),
  },
};
