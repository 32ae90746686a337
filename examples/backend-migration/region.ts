import { KafkaBackendKind, KafkaBackendSpec, NodeRole, StreamLegSpec } from '../../lib/model';
import { KafkaBackendOptions, RegionStackProps } from '../../lib/constructs/region-stack';
import { markAccountPlaceholders } from '../../lib/render/placeholders';
import { GROUPS_STREAM } from '../../stacks/us';

/**
 * The three deploys of a zero-downtime Kafka backend migration, MSK → WarpStream. Each is a
 * separate `cdktf deploy` of the same region; producers move between the second and the third.
 */
export enum MigrationPhase {
  /** Before: the groups stream has one leg, on MSK. */
  MSK_ONLY = 'msk-only',
  /**
   * Both legs live: a WarpStream leg (`kafka_groups_ws` → `groups_ws_mv` → `writable_groups_ws`,
   * consumer group `clickhouse_groups_ws`) lands in the same `groups` table while the MSK leg keeps
   * running. Producers switch to WarpStream; the MSK leg drains.
   */
  BOTH_LEGS = 'both-legs',
  /** After: the MSK leg and the MSK cluster are removed; nothing else changes. */
  WARPSTREAM_ONLY = 'warpstream-only',
}

const MSK: KafkaBackendSpec = {
  name: 'msk_cluster',
  kind: KafkaBackendKind.MSK,
  topics: [{ name: 'clickhouse_groups', partitions: 12 }],
};
const WARPSTREAM: KafkaBackendSpec = {
  name: 'warpstream_ingestion',
  kind: KafkaBackendKind.WARPSTREAM,
  topics: [{ name: 'clickhouse_groups', partitions: 12 }],
};
const MSK_LEG: StreamLegSpec = { backend: MSK.name, topic: 'clickhouse_groups', roles: [NodeRole.SMALL] };
const WARPSTREAM_LEG: StreamLegSpec = { backend: WARPSTREAM.name, topic: 'clickhouse_groups', roles: [NodeRole.SMALL] };

/** The region at one phase of the migration. */
export function migrationRegion(phase: MigrationPhase): RegionStackProps {
  const backends = {
    [MigrationPhase.MSK_ONLY]: [MSK],
    [MigrationPhase.BOTH_LEGS]: [MSK, WARPSTREAM],
    [MigrationPhase.WARPSTREAM_ONLY]: [WARPSTREAM],
  }[phase];
  const legs = {
    [MigrationPhase.MSK_ONLY]: [MSK_LEG],
    [MigrationPhase.BOTH_LEGS]: [MSK_LEG, WARPSTREAM_LEG],
    [MigrationPhase.WARPSTREAM_ONLY]: [WARPSTREAM_LEG],
  }[phase];
  return markAccountPlaceholders({
    name: 'migration',
    region: 'us-west-2',
    availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
    vpcId: 'vpc-0c1c2c3c4c5c6c7c8',
    subnetIds: {
      'us-west-2a': 'subnet-0c1c2c3c4c5c6c701',
      'us-west-2b': 'subnet-0c1c2c3c4c5c6c702',
      'us-west-2c': 'subnet-0c1c2c3c4c5c6c703',
    },
    eksClusterName: 'ingestion-us-west-2',
    stateBackend: { bucket: 'clickhouse-ingest-tfstate-us-west-2' },
    storage: { shards: 2, replicas: 3 },
    ingestionTiers: [{ role: NodeRole.SMALL, nodes: 4, cores: 2 }],
    kafkaBackends: backends,
    kafkaBackendOptions: {
      ...(backends.includes(MSK) ? { [MSK.name]: KafkaBackendOptions.msk() } : {}),
      ...(backends.includes(WARPSTREAM) ? { [WARPSTREAM.name]: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_us_west_2_ingestion',
        agentKeySecretArn: 'arn:aws:secretsmanager:us-west-2:111122223333:secret:warpstream-agent-key-AbCdEf' }) } : {}),
    },
    streams: [GROUPS_STREAM(legs)],
  });
}
