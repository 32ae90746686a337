import {
  buildTopology, KafkaAuth, KafkaBackendKind, NodeRole, StreamSpec, Topology, TopologySpec,
} from '../../../lib/model';
import { EVENTS_STREAM, GROUPS_STREAM, HEATMAPS_STREAM } from '../../../stacks/us';

/**
 * The topology of issue 2: storage 10 shards × 3 replicas, tiers small (2 nodes), medium (4) and
 * events (8), with one backend per Kafka auth mode so every named collection shape is loaded:
 * MSK over IAM and over SCRAM, WarpStream in plaintext and over TLS.
 */
export const ISSUE_SPEC: TopologySpec = {
  name: 'test',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  storage: { shards: 10, replicas: 3 },
  ingestionTiers: [
    { role: NodeRole.SMALL, nodes: 2, cores: 2 },
    { role: NodeRole.MEDIUM, nodes: 4, cores: 4 },
    { role: NodeRole.EVENTS, nodes: 8, cores: 12, consumersPerNode: 12 },
  ],
  kafkaBackends: [
    { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'clickhouse_groups', partitions: 16 }, { name: 'clickhouse_heatmaps', partitions: 64 }] },
    { name: 'msk_scram', kind: KafkaBackendKind.MSK, auth: KafkaAuth.SASL_SCRAM, topics: [{ name: 'clickhouse_heatmaps', partitions: 64 }] },
    { name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics: [{ name: 'clickhouse_events_json', partitions: 256 }] },
    { name: 'warpstream_tls', kind: KafkaBackendKind.WARPSTREAM, auth: KafkaAuth.TLS, topics: [{ name: 'clickhouse_events_json', partitions: 256 }] },
  ],
  streams: [
    GROUPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }]),
    HEATMAPS_STREAM([
      { backend: 'msk_cluster', topic: 'clickhouse_heatmaps', roles: [NodeRole.MEDIUM] },
      { backend: 'msk_scram', topic: 'clickhouse_heatmaps', suffix: '_scram', roles: [NodeRole.MEDIUM] },
    ]),
    EVENTS_STREAM([
      { backend: 'warpstream_ingestion', topic: 'clickhouse_events_json', roles: [NodeRole.EVENTS] },
      { backend: 'warpstream_tls', topic: 'clickhouse_events_json', suffix: '_tls', roles: [NodeRole.EVENTS] },
    ]),
  ],
};

export function issueTopology(): Topology {
  return buildTopology(ISSUE_SPEC);
}

const SHUFFLE_SOURCE: StreamSpec = {
  name: 'events_shuffled',
  columns: [{ name: 'team_id', type: 'Int64' }, { name: 'event', type: 'String' }],
  legs: [{ backend: 'warpstream_ingestion', topic: 'events_json', roles: [NodeRole.SHUFFLEHOG] }],
  shuffle: { backend: 'msk_cluster', topic: 'events_by_team', keyExpression: "concat(toString(team_id), ':', event)" },
};

/** A ShuffleHog tier that reads from WarpStream and produces into MSK, and nothing else. */
export const SHUFFLE_SPEC: TopologySpec = {
  name: 'shuffle',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  storage: { shards: 2, replicas: 3 },
  ingestionTiers: [{ role: NodeRole.SHUFFLEHOG, nodes: 2, cores: 4, consumersPerNode: 4 }],
  kafkaBackends: [
    { name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics: [{ name: 'events_json', partitions: 64 }] },
    { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'events_by_team', partitions: 64 }] },
  ],
  streams: [SHUFFLE_SOURCE],
};
