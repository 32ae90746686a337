// @ts-check
// The acme region as a platform team describes it: one file, shared by the app (main.js) and the
// team's snapshot test (__tests__/acme.test.js).
const { DataEngine, KafkaBackendKind, KafkaBackendOptions, NodeRole } = require('cdktf-clickhouse-ingest');

/** @returns {import('cdktf-clickhouse-ingest').RegionStackProps} */
function acmeRegion() {
  return {
    name: 'acme',
    region: 'ap-southeast-2',
    availabilityZones: ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'],
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: {
      'ap-southeast-2a': 'subnet-0123456789abcde01',
      'ap-southeast-2b': 'subnet-0123456789abcde02',
      'ap-southeast-2c': 'subnet-0123456789abcde03',
    },
    eksClusterName: 'acme-ingestion',
    stateBackend: { bucket: 'acme-terraform-state' },
    storage: { shards: 2, replicas: 3 },
    ingestionTiers: [{ role: NodeRole.SMALL, nodes: 2, cores: 2 }],
    kafkaBackends: [{ name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics: [{ name: 'orders', partitions: 8 }] }],
    kafkaBackendOptions: { warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_acme' }) },
    streams: [{
      name: 'orders',
      columns: [
        { name: 'order_id', type: 'UUID' },
        { name: 'team_id', type: 'Int64' },
        { name: 'created_at', type: "DateTime64(6, 'UTC')" },
      ],
      orderBy: ['team_id', 'created_at', 'order_id'],
      engine: DataEngine.replicatedReplacingMergeTree('_timestamp'),
      legs: [{ backend: 'warpstream_ingestion', topic: 'orders', roles: [NodeRole.SMALL] }],
    }],
  };
}

module.exports = { acmeRegion };
