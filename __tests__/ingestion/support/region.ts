import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { parse } from 'yaml';
import { ClickHouseOperator } from '../../../lib/constructs/clickhouse-operator';
import { KafkaBackend, MskBackendProps, WarpStreamBackendProps } from '../../../lib/constructs/kafka-backend';
import { buildTopology, KafkaBackendKind, NodeRole, Topology, TopologySpec } from '../../../lib/model';
import { StatelessIngestionTier, StatelessIngestionTierProps } from '../../../lib/constructs/stateless-ingestion-tier';
import { EVENTS_STREAM, GROUPS_STREAM, HEATMAPS_STREAM } from '../../../stacks/us';
import { testApp } from '../../support/temp';

/**
 * A small region with the three PostHog tiers: small (1 consumer per node), medium (4) and
 * events (8), and the groups stream consumed from MSK and WarpStream at once, in two legs.
 */
export const SMALL_REGION: TopologySpec = {
  name: 'test',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  storage: { shards: 2, replicas: 3 },
  ingestionTiers: [
    { role: NodeRole.SMALL, nodes: 2, cores: 2 },
    { role: NodeRole.MEDIUM, nodes: 2, cores: 4 },
    { role: NodeRole.EVENTS, nodes: 3, cores: 8, consumersPerNode: 8 },
  ],
  kafkaBackends: [
    {
      name: 'msk_cluster', kind: KafkaBackendKind.MSK,
      topics: [{ name: 'clickhouse_groups', partitions: 8 }, { name: 'clickhouse_heatmaps', partitions: 16 }],
    },
    {
      name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM,
      topics: [{ name: 'clickhouse_groups', partitions: 8 }, { name: 'clickhouse_events_json', partitions: 32 }],
    },
  ],
  streams: [
    GROUPS_STREAM([
      { backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] },
      { backend: 'warpstream_ingestion', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] },
    ]),
    HEATMAPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_heatmaps', roles: [NodeRole.MEDIUM] }]),
    EVENTS_STREAM([{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', roles: [NodeRole.EVENTS] }]),
  ],
};

export const MSK_PROPS: Omit<MskBackendProps, 'topology'> = {
  name: 'msk_cluster',
  vpcId: 'vpc-0a1b2c3d',
  clientSubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
  clientSecurityGroupIds: ['sg-clickhouse-pods', 'sg-clickhouse-data'],
};

export const WARPSTREAM_PROPS: Omit<WarpStreamBackendProps, 'topology'> = {
  name: 'warpstream_ingestion',
  region: 'us-east-1',
  virtualClusterId: 'vci_0123abcd',
  oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123',
  oidcIssuerUrl: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC123',
};

/** A stack with the providers the constructs need (synth validations check for them). */
export function newStack(id = 'test'): TerraformStack {
  const stack = new TerraformStack(testApp(), id);
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new KubernetesProvider(stack, 'kubernetes', {});
  new HelmProvider(stack, 'helm', {});
  return stack;
}

export interface Region {
  readonly stack: TerraformStack;
  readonly topology: Topology;
  readonly operator: ClickHouseOperator;
  readonly backends: readonly KafkaBackend[];
  readonly tiers: readonly StatelessIngestionTier[];
}

/** The whole Kubernetes side of a region: operator, both backends and one tier per role. */
export function buildRegion(spec: TopologySpec = SMALL_REGION,
  tierProps: Partial<Omit<StatelessIngestionTierProps, 'topology' | 'role' | 'operator' | 'backends'>> = {}): Region {
  const stack = newStack();
  const topology = buildTopology(spec);
  const operator = new ClickHouseOperator(stack, 'Operator');
  const backends = [
    KafkaBackend.msk(stack, 'Msk', { topology, ...MSK_PROPS }),
    KafkaBackend.warpStream(stack, 'WarpStream', { topology, ...WARPSTREAM_PROPS }),
  ];
  const tiers = topology.ingestionTiers.map((t) => new StatelessIngestionTier(stack, `Tier-${t.kubernetesName}`, {
    topology, role: t.role, operator, backends, ...tierProps,
  }));
  return { stack, topology, operator, backends, tiers };
}

/** Terraform JSON, with validations run. */
export function synthJson(stack: TerraformStack): SynthJson {
  return JSON.parse(Testing.synth(stack, true)) as SynthJson;
}

export interface SynthJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** Resources of one type, by logical id. */
export function resources(json: SynthJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource[type] ?? {};
}

/** The helm_release whose `name` is `name`, with its values parsed. */
export function helmRelease(json: SynthJson, name: string): { readonly config: Record<string, unknown>; readonly values: Record<string, unknown> } {
  const found = Object.values(resources(json, 'helm_release')).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one helm_release ${name}, found ${found.length}`);
  const config = found[0];
  const values = parse((config.values as string[])[0]) as Record<string, unknown>;
  return { config, values };
}
