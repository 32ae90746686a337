import { KafkaBackendKind, NodeRole, StreamSpec } from '../../lib/model';
import { DataEngine } from '../../lib/model/stream';
import { KafkaBackendOptions, RegionStackProps } from '../../lib/constructs/region-stack';

/**
 * A region that evolves: `orders` on two legs (MSK and WarpStream), then a column added, a column
 * dropped, a stream added and a leg retired, one spec per step. The schema-migration tests and
 * the schema-evolution drill (`npm run rehearse -- <stack> --drills`) run these steps.
 */
export const ORDERS_V1: StreamSpec = {
  name: 'orders',
  columns: [
    { name: 'order_id', type: 'UUID' }, { name: 'team_id', type: 'Int64' },
    { name: 'created_at', type: "DateTime64(6, 'UTC')" }, { name: 'note', type: 'String' },
  ],
  orderBy: ['team_id', 'created_at', 'order_id'],
  engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
  sharded: true,
  shardingKey: 'cityHash64(order_id)',
  legs: [
    { backend: 'msk_cluster', topic: 'clickhouse_orders', roles: [NodeRole.SMALL] },
    { backend: 'warpstream_ingestion', topic: 'clickhouse_orders', roles: [NodeRole.SMALL] },
  ],
};

export const CLICKS: StreamSpec = {
  name: 'clicks',
  columns: [{ name: 'click_id', type: 'UUID' }, { name: 'team_id', type: 'Int64' }, { name: 'url', type: 'String' }],
  orderBy: ['team_id', 'click_id'],
  legs: [{ backend: 'msk_cluster', topic: 'clickhouse_clicks', roles: [NodeRole.SMALL] }],
};

export const EVOLVING_REGION: RegionStackProps = {
  name: 'evo',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  vpcId: 'vpc-0e0e0f1a2b3c4d5e6',
  subnetIds: { 'eu-west-1a': 'subnet-0e0e0f1a2b3c4d501', 'eu-west-1b': 'subnet-0e0e0f1a2b3c4d502' },
  eksClusterName: 'evo-ingestion',
  stateBackend: { bucket: 'clickhouse-ingest-tfstate-evo' },
  storage: { shards: 2, replicas: 2 },
  zookeeper: { nodes: 3 },
  ingestionTiers: [{ role: NodeRole.SMALL, nodes: 2, cores: 2 }],
  kafkaBackends: [
    { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'clickhouse_orders', partitions: 4 }, { name: 'clickhouse_clicks', partitions: 4 }] },
    { name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics: [{ name: 'clickhouse_orders', partitions: 4 }] },
  ],
  kafkaBackendOptions: { warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_evo' }) },
  streams: [ORDERS_V1],
};

type Change = (spec: RegionStackProps) => RegionStackProps;

function mapStream(spec: RegionStackProps, name: string, change: (s: StreamSpec) => StreamSpec): RegionStackProps {
  return { ...spec, streams: (spec.streams ?? []).map((s) => (s.name === name ? change(s) : s)) };
}

/** `orders` gains `referrer String`. */
export const addReferrer: Change = (spec) => mapStream(spec, 'orders', (s) => ({ ...s, columns: [...s.columns, { name: 'referrer', type: 'String' }] }));
/** `orders` loses `note`. */
export const dropNote: Change = (spec) => mapStream(spec, 'orders', (s) => ({ ...s, columns: s.columns.filter((c) => c.name !== 'note') }));
/** A new stream, `clicks`. */
export const addClicks: Change = (spec) => ({ ...spec, streams: [...(spec.streams ?? []), CLICKS] });
/** The WarpStream leg of `orders` retired: its consumption stops, its rows stay. */
export const retireWarpStreamLeg: Change = (spec) => mapStream(spec, 'orders', (s) => ({ ...s, legs: s.legs.filter((l) => l.backend !== 'warpstream_ingestion') }));
/** A new ORDER BY for `orders`: refused. */
export const newOrderBy: Change = (spec) => mapStream(spec, 'orders', (s) => ({ ...s, orderBy: ['created_at', 'team_id', 'order_id'] }));

/** The drill's v2: a column added, a stream added, a leg retired. */
export const EVOLVING_REGION_V2: RegionStackProps = retireWarpStreamLeg(addClicks(addReferrer(EVOLVING_REGION)));
