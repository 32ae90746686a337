import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { buildTopology, Topology, TopologySpec } from '../../../lib/model';
import { StorageCluster, StorageClusterProps } from '../../../lib/constructs/storage-cluster';
import { US_TOPOLOGY } from '../../../stacks/us';
import { testApp } from '../../support/temp';

export const SUBNETS = { 'us-east-1a': 'subnet-0aaaaaaaaaaaaaaa1', 'us-east-1b': 'subnet-0bbbbbbbbbbbbbbb2', 'us-east-1c': 'subnet-0ccccccccccccccc3' };
export const BASE_PROPS = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: SUBNETS,
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  allowedSources: { securityGroupIds: ['sg-0123456789abcdef0'], cidrs: ['10.20.0.0/16'] },
};

/** The US region description (10 × 3 storage hosts, its tiers and streams) with a given shard count. */
export function usTopology(shards = 10, overrides: Partial<TopologySpec> = {}): Topology {
  return buildTopology({ ...US_TOPOLOGY, storage: { ...US_TOPOLOGY.storage, shards }, ...overrides });
}

export interface SynthResult {
  readonly stack: TerraformStack;
  readonly cluster: StorageCluster;
  readonly json: { resource: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>> };
}

/** Synthesizes a StorageCluster alone in a stack, with validations on. */
export function synthStorage(topology: Topology, props: Partial<StorageClusterProps> = {}): SynthResult {
  const app = testApp();
  const stack = new TerraformStack(app, 'storage');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const cluster = new StorageCluster(stack, 'storage', { topology, ...BASE_PROPS, ...props });
  const json = JSON.parse(Testing.synth(stack, true));
  return { stack, cluster, json };
}
