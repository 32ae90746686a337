import { accountFields, markPlaceholders } from '../lib/render/placeholders';
import { DataEngine, KafkaBackendKind, NodeRole, StreamSpec, TopologySpec } from '../lib/model';
import { KafkaBackendOptions, RegionStackProps } from '../lib/constructs/region-stack';

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

/**
 * Heatmaps, as PostHog's posthog/heatmaps/sql.py: `sharded_heatmaps` sharded by team, session and
 * day, partitioned by month, rows deleted after 90 days; consumed by the medium tier (4 consumers
 * per node). PostHog's plain MergeTree would keep a replayed message twice, so the engine replaces
 * on PostHog's sort key plus the message's position (`_partition`, `_offset`) and the click
 * itself: equal only for a replay of the same message.
 */
export const HEATMAPS_STREAM = (legs: StreamSpec['legs']): StreamSpec => ({
  name: 'heatmaps',
  columns: [
    { name: 'session_id', type: 'VARCHAR' },
    { name: 'team_id', type: 'Int64' },
    { name: 'distinct_id', type: 'VARCHAR' },
    { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
    { name: 'x', type: 'Int16' },
    { name: 'y', type: 'Int16' },
    { name: 'scale_factor', type: 'Int16' },
    { name: 'viewport_width', type: 'Int16' },
    { name: 'viewport_height', type: 'Int16' },
    { name: 'pointer_target_fixed', type: 'Bool' },
    { name: 'current_url', type: 'VARCHAR' },
    { name: 'type', type: 'LowCardinality(String)' },
  ],
  orderBy: ['type', 'team_id', 'toDate(timestamp)', 'current_url', 'viewport_width', '_partition', '_offset', 'timestamp', 'x', 'y'],
  partitionBy: 'toYYYYMM(timestamp)',
  engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
  sharded: true,
  shardingKey: "cityHash64(concat(toString(team_id), '-', session_id, '-', toString(toDate(timestamp))))",
  retention: { hotDays: 7, warmDays: 30, deleteAfterDays: 90 },
  legs,
});

/** What differs between PostHog's regions; everything else (tiers, backends, streams, tags) is shared. */
export interface PostHogRegionShape {
  /** Region name in the topology (host names, ZooKeeper root, stack id), e.g. `us`. */
  readonly name: string;
  /** AWS region; the availability zones are its `a`, `b` and `c`. */
  readonly awsRegion: string;
  readonly vpcId: string;
  /** One subnet per availability zone, in zone order a, b, c. */
  readonly subnetIds: readonly [string, string, string];
  /** Storage shards (3 replicas each, one per zone). */
  readonly shards: number;
  /** Stateless nodes per ingestion tier. */
  readonly tierNodes: { readonly small: number; readonly medium: number; readonly events: number };
  /** Partitions of each stream's topic. */
  readonly partitions: { readonly groups: number; readonly heatmaps: number; readonly events: number };
  /** The MSK cluster's size. */
  readonly msk: { readonly brokerCount: number; readonly volumeSizeGiB: number };
}

/**
 * A PostHog region's topology: 3-replica storage, a 3-node ensemble, the small, medium and
 * events tiers, groups and heatmaps on MSK, events on WarpStream.
 */
export function postHogTopology(shape: PostHogRegionShape): TopologySpec {
  return {
    name: shape.name,
    availabilityZones: availabilityZones(shape),
    storage: { shards: shape.shards, replicas: 3 },
    zookeeper: { nodes: 3 },
    ingestionTiers: [
      { role: NodeRole.SMALL, nodes: shape.tierNodes.small, cores: 2 },
      { role: NodeRole.MEDIUM, nodes: shape.tierNodes.medium, cores: 4 },
      { role: NodeRole.EVENTS, nodes: shape.tierNodes.events, cores: 8, consumersPerNode: 8 },
    ],
    kafkaBackends: [
      {
        name: 'msk_cluster',
        kind: KafkaBackendKind.MSK,
        topics: [
          { name: 'clickhouse_groups', partitions: shape.partitions.groups },
          { name: 'clickhouse_heatmaps', partitions: shape.partitions.heatmaps },
        ],
      },
      {
        name: 'warpstream_ingestion',
        kind: KafkaBackendKind.WARPSTREAM,
        topics: [{ name: 'clickhouse_events_json', partitions: shape.partitions.events }],
      },
    ],
    streams: [
      GROUPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }]),
      HEATMAPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_heatmaps', roles: [NodeRole.MEDIUM] }]),
      EVENTS_STREAM([{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', roles: [NodeRole.EVENTS] }]),
    ],
  };
}

/**
 * A PostHog region's stack: `topology` (from `postHogTopology`) in its AWS region. The VPC,
 * subnets, EKS cluster and state bucket are placeholders with the right shapes; replace them with
 * your own before deploying.
 */
export function postHogRegion(topology: TopologySpec, shape: PostHogRegionShape): RegionStackProps {
  const zones = availabilityZones(shape);
  // Every account-specific value is an example: a deploy stops, naming them, until each is replaced.
  const spec: RegionStackProps = {
    ...topology,
    region: shape.awsRegion,
    vpcId: shape.vpcId,
    subnetIds: Object.fromEntries(zones.map((zone, i) => [zone, shape.subnetIds[i]])),
    eksClusterName: `ingestion-${shape.awsRegion}`,
    stateBackend: { bucket: `clickhouse-ingest-tfstate-${shape.awsRegion}` },
    defaultTags: { team: 'data-platform', environment: 'production' },
    // kube-prometheus-stack runs in the EKS cluster: it scrapes every node and loads the alert rules.
    observability: { prometheusOperator: true },
    kafkaBackendOptions: {
      msk_cluster: KafkaBackendOptions.msk({ brokerCount: shape.msk.brokerCount, volumeSizeGiB: shape.msk.volumeSizeGiB }),
      warpstream_ingestion: KafkaBackendOptions.warpStream({
        virtualClusterId: `vci_${shape.awsRegion.replace(/-/g, '_')}_ingestion`,
        // The agent key from WarpStream's console, stored in Secrets Manager by you (see README, "Deploy a region").
        agentKeySecretArn: `arn:aws:secretsmanager:${shape.awsRegion}:111122223333:secret:warpstream-agent-key-${shape.name}-AbCdEf`,
      }),
    },
  };
  return markPlaceholders(spec, accountFields(spec));
}

function availabilityZones(shape: PostHogRegionShape): string[] {
  return ['a', 'b', 'c'].map((zone) => `${shape.awsRegion}${zone}`);
}
