import { TopologySpec } from '../lib/model';
import { RegionStackProps } from '../lib/constructs/region-stack';
import { PostHogRegionShape, postHogRegion, postHogTopology } from './posthog-region';

const EU: PostHogRegionShape = {
  name: 'eu',
  awsRegion: 'eu-central-1',
  vpcId: 'vpc-0e1d2c3b4a5968778',
  subnetIds: ['subnet-0e1d2c3b4a596a801', 'subnet-0e1d2c3b4a596b802', 'subnet-0e1d2c3b4a596c803'],
  shards: 8,
  tierNodes: { small: 4, medium: 6, events: 12 },
  partitions: { groups: 8, heatmaps: 32, events: 128 },
  msk: { brokerCount: 3, volumeSizeGiB: 1000 },
};

/** PostHog EU: 8 shards × 3 replicas = 24 data nodes, and 22 stateless ingestion nodes. */
export const EU_TOPOLOGY: TopologySpec = postHogTopology(EU);

/** The `eu` stack: PostHog EU's topology in eu-central-1 (placeholder VPC, subnets, EKS cluster and state bucket). */
export const EU_REGION: RegionStackProps = postHogRegion(EU_TOPOLOGY, EU);
