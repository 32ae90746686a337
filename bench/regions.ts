import { DataEngine, KafkaBackendKind, KafkaBackendSpec, NodeRole, StreamSpec } from '../lib/model';
import type { RegionStackProps } from '../lib/constructs/region-stack';
import { US_REGION } from '../stacks/us';

const COLUMNS = [
  { name: 'uuid', type: 'UUID' },
  { name: 'event', type: 'String' },
  { name: 'properties', type: 'String' },
  { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
  { name: 'team_id', type: 'Int64' },
  { name: 'distinct_id', type: 'String' },
];

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * PostHog US scaled by `factor`: 10·f shards × 3 replicas, (6 + 12 + 20)·f ingestion nodes and
 * 10·f streams spread over the three tiers, half on MSK and half on WarpStream. factor 10 is the
 * issue's 10× region: 100 shards × 3 replicas, 380 ingestion nodes, 100 streams.
 */
export function scaledRegion(factor: number): RegionStackProps {
  const tiers = [
    { role: NodeRole.SMALL, nodes: 6 * factor, cores: 2, consumersPerNode: 1 },
    { role: NodeRole.MEDIUM, nodes: 12 * factor, cores: 4, consumersPerNode: 4 },
    { role: NodeRole.EVENTS, nodes: 20 * factor, cores: 8, consumersPerNode: 8 },
  ];
  const backends: { -readonly [K in keyof KafkaBackendSpec]: KafkaBackendSpec[K] }[] = [
    { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [] },
    { name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics: [] },
  ];
  const streams: StreamSpec[] = [];
  for (let i = 0; i < 10 * factor; i++) {
    const tier = tiers[i % tiers.length];
    const backend = backends[i % 2];
    const name = `stream_${String(i).padStart(3, '0')}`;
    const topic = `clickhouse_${name}`;
    backend.topics = [...backend.topics, { name: topic, partitions: powerOfTwoAtLeast(tier.nodes * tier.consumersPerNode) }];
    const sharded = tier.role === NodeRole.EVENTS;
    streams.push({
      name,
      columns: COLUMNS,
      orderBy: ['team_id', 'toDate(timestamp)', 'event'],
      partitionBy: 'toYYYYMM(timestamp)',
      engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
      sharded,
      shardingKey: sharded ? 'sipHash64(distinct_id)' : undefined,
      legs: [{ backend: backend.name, topic, roles: [tier.role] }],
    });
  }
  return {
    ...US_REGION,
    name: `scale${factor}x`,
    storage: { shards: 10 * factor, replicas: 3 },
    ingestionTiers: tiers,
    kafkaBackends: backends,
    streams,
  };
}
