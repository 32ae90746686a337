import { KafkaBackendKind, NodeRole } from '../../lib/model';
import { KafkaBackendOptions, RegionStackProps } from '../../lib/constructs/region-stack';
import { markAccountPlaceholders } from '../../lib/render/placeholders';
import { EVENTS_STREAM } from '../../stacks/us';

/**
 * ShuffleHog: a `shufflehog` tier reads the raw events topic and produces every row again into
 * `events_json_by_team_event`, keyed by team and event, so each (team, event) lands on exactly one
 * partition. The `events` tier then consumes the re-keyed topic into the sharded events table.
 */
export const SHUFFLEHOG_REGION: RegionStackProps = markAccountPlaceholders({
  name: 'shuffle',
  region: 'us-east-2',
  availabilityZones: ['us-east-2a', 'us-east-2b', 'us-east-2c'],
  vpcId: 'vpc-0b1b2b3b4b5b6b7b8',
  subnetIds: {
    'us-east-2a': 'subnet-0b1b2b3b4b5b6b701',
    'us-east-2b': 'subnet-0b1b2b3b4b5b6b702',
    'us-east-2c': 'subnet-0b1b2b3b4b5b6b703',
  },
  eksClusterName: 'ingestion-us-east-2',
  stateBackend: { bucket: 'clickhouse-ingest-tfstate-us-east-2' },
  kafkaBackendOptions: {
    warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_us_east_2_ingestion',
      agentKeySecretArn: 'arn:aws:secretsmanager:us-east-2:111122223333:secret:warpstream-agent-key-AbCdEf' }),
  },
  storage: { shards: 2, replicas: 3 },
  ingestionTiers: [
    { role: NodeRole.SHUFFLEHOG, nodes: 2, cores: 4, consumersPerNode: 4 },
    { role: NodeRole.EVENTS, nodes: 4, cores: 4, consumersPerNode: 4 },
  ],
  kafkaBackends: [{
    name: 'warpstream_ingestion',
    kind: KafkaBackendKind.WARPSTREAM,
    topics: [
      { name: 'events_json', partitions: 16 },
      { name: 'events_json_by_team_event', partitions: 16 },
    ],
  }],
  streams: [
    {
      ...EVENTS_STREAM([{ backend: 'warpstream_ingestion', topic: 'events_json', roles: [NodeRole.SHUFFLEHOG] }]),
      name: 'events_shufflehog',
      orderBy: undefined,
      partitionBy: undefined,
      sharded: undefined,
      shardingKey: undefined,
      engine: undefined,
      shuffle: {
        backend: 'warpstream_ingestion',
        topic: 'events_json_by_team_event',
        keyExpression: "concat(toString(team_id), ':', event)",
      },
    },
    EVENTS_STREAM([{ backend: 'warpstream_ingestion', topic: 'events_json_by_team_event', roles: [NodeRole.EVENTS] }]),
  ],
});
