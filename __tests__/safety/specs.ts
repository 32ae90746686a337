import { DataEngine, KafkaBackendKind, NodeRole } from '../../lib/model';
import { KafkaBackendOptions, RegionStackProps } from '../../lib/constructs/region-stack';

/**
 * A small valid region (2 shards × 3 replicas, two tiers, an MSK and a WarpStream backend, a
 * single-shard and a sharded stream) that the safety tests break one field at a time.
 */
export function smallRegion(): RegionStackProps {
  return {
    name: 'test',
    region: 'us-east-1',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    subnetIds: {
      'us-east-1a': 'subnet-0a1b2c3d4e5f6a701',
      'us-east-1b': 'subnet-0a1b2c3d4e5f6b702',
      'us-east-1c': 'subnet-0a1b2c3d4e5f6c703',
    },
    eksClusterName: 'ingestion-test',
    stateBackend: { bucket: 'clickhouse-ingest-tfstate-test' },
    kafkaBackendOptions: { warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_test' }) },
    storage: { shards: 2, replicas: 3 },
    zookeeper: { nodes: 3 },
    ingestionTiers: [
      { role: NodeRole.SMALL, nodes: 2, cores: 2 },
      { role: NodeRole.EVENTS, nodes: 4, cores: 4, consumersPerNode: 4 },
    ],
    kafkaBackends: [
      { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'clickhouse_groups', partitions: 16 }] },
      { name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics: [{ name: 'clickhouse_events_json', partitions: 32 }] },
    ],
    streams: [
      {
        name: 'groups',
        columns: [
          { name: 'group_key', type: 'String' },
          { name: 'team_id', type: 'Int64' },
        ],
        orderBy: ['team_id', 'group_key'],
        engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
        legs: [{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }],
      },
      {
        name: 'events',
        columns: [
          { name: 'uuid', type: 'UUID' },
          { name: 'event', type: 'String' },
          { name: 'team_id', type: 'Int64' },
          { name: 'distinct_id', type: 'String' },
          { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
        ],
        orderBy: ['team_id', 'toDate(timestamp)', 'event'],
        partitionBy: 'toYYYYMM(timestamp)',
        sharded: true,
        shardingKey: 'sipHash64(distinct_id)',
        legs: [{ backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', roles: [NodeRole.EVENTS] }],
      },
    ],
  };
}

/** A deep, writable copy for tests that break one field (class instances such as NodeRole are kept). */
export type Writable<T> = T extends (...args: never[]) => unknown ? T
  : T extends readonly (infer U)[] ? Writable<U>[]
    : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;

export function mutable(spec: RegionStackProps): Writable<RegionStackProps> {
  const copy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    }
    return v;
  };
  return copy(spec) as Writable<RegionStackProps>;
}
