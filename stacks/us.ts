import { TopologySpec } from '../lib/model';
import { RegionStackProps } from '../lib/constructs/region-stack';
import { PostHogRegionShape, postHogRegion, postHogTopology } from './posthog-region';

// The streams' home used to be this file; their importers keep working.
export { EVENTS_STREAM, GROUPS_STREAM, HEATMAPS_STREAM } from './posthog-region';

const US: PostHogRegionShape = {
  name: 'us',
  awsRegion: 'us-east-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f6a701', 'subnet-0a1b2c3d4e5f6b702', 'subnet-0a1b2c3d4e5f6c703'],
  shards: 10,
  tierNodes: { small: 6, medium: 12, events: 20 },
  partitions: { groups: 16, heatmaps: 64, events: 256 },
  msk: { brokerCount: 6, volumeSizeGiB: 2000 },
};

/**
 * PostHog US, as in the talk: 10 shards × 3 replicas = 30 data nodes, and 38 stateless ingestion
 * nodes across the small, medium and events tiers.
 */
export const US_TOPOLOGY: TopologySpec = postHogTopology(US);

/** The `us` stack: PostHog US's topology in us-east-1 (placeholder VPC, subnets, EKS cluster and state bucket). */
export const US_REGION: RegionStackProps = postHogRegion(US_TOPOLOGY, US);
