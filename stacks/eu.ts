import { KafkaBackendKind, NodeRole, TopologySpec } from '../lib/model';
import { KafkaBackendOptions, RegionSpec } from '../lib/region-stack';
import { EVENTS_STREAM, GROUPS_STREAM, HEATMAPS_STREAM } from './us';

/** PostHog EU: 8 shards × 3 replicas = 24 data nodes, and 22 stateless ingestion nodes. */
export const EU_TOPOLOGY: TopologySpec = {
  name: 'eu',
  availabilityZones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
  storage: { shards: 8, replicas: 3 },
  zookeeper: { nodes: 3 },
  ingestionTiers: [
    { role: NodeRole.SMALL, nodes: 4, cores: 2 },
    { role: NodeRole.MEDIUM, nodes: 6, cores: 4 },
    { role: NodeRole.EVENTS, nodes: 12, cores: 8, consumersPerNode: 8 },
  ],
  kafkaBackends: [
    {
      name: 'msk_cluster',
      kind: KafkaBackendKind.MSK,
      topics: [
        { name: 'clickhouse_groups', partitions: 8 },
        { name: 'clickhouse_heatmaps', partitions: 32 },
      ],
    },
    {
      name: 'warpstream_ingestion',
      kind: KafkaBackendKind.WARPSTREAM,
      topics: [{ name: 'clickhouse_events_json', partitions: 128 }],
    },
  ],
  streams: [
    GROUPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }]),
    HEATMAPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_heatmaps', roles: [NodeRole.MEDIUM] }]),
    EVENTS_STREAM([{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', roles: [NodeRole.EVENTS] }]),
  ],
};

/**
 * The `eu` stack: PostHog EU's topology in eu-central-1. The VPC, subnets, EKS cluster and state
 * bucket are placeholders with the right shapes; replace them with your own before deploying.
 */
export const EU_REGION: RegionSpec = {
  ...EU_TOPOLOGY,
  region: 'eu-central-1',
  vpcId: 'vpc-0e1d2c3b4a5968778',
  subnetIds: {
    'eu-central-1a': 'subnet-0e1d2c3b4a596a801',
    'eu-central-1b': 'subnet-0e1d2c3b4a596b802',
    'eu-central-1c': 'subnet-0e1d2c3b4a596c803',
  },
  eksClusterName: 'ingestion-eu-central-1',
  stateBackend: { bucket: 'clickhouse-ingest-tfstate-eu-central-1' },
  defaultTags: { team: 'data-platform', environment: 'production' },
  kafkaBackendOptions: {
    msk_cluster: KafkaBackendOptions.msk({ brokerCount: 3, volumeSizeGiB: 1000 }),
    warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_eu_central_1_ingestion' }),
  },
};
