import { KafkaBackendKind, NodeRole } from '../../lib/model';
import { KafkaBackendOptions, RegionStackProps } from '../../lib/constructs/region-stack';
import { markAccountPlaceholders } from '../../lib/render/placeholders';
import { Architecture, MachineImage } from '../../lib/constructs/storage-cluster';
import { GROUPS_STREAM } from '../../stacks/us';

/**
 * A minimal development region: one shard of two replicas, the smallest ZooKeeper ensemble, one
 * small ingestion node and one WarpStream backend. It turns the safety defaults off explicitly
 * (`development: true`), so `cdktf destroy dev` can remove everything, including data.
 */
export const DEV_REGION: RegionStackProps = markAccountPlaceholders({
  name: 'dev',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  vpcId: 'vpc-0d0e0f1a2b3c4d5e6',
  subnetIds: {
    'eu-west-1a': 'subnet-0d0e0f1a2b3c4d501',
    'eu-west-1b': 'subnet-0d0e0f1a2b3c4d502',
  },
  eksClusterName: 'dev-ingestion',
  stateBackend: { bucket: 'clickhouse-ingest-tfstate-dev', key: 'dev/clickhouse.tfstate' },
  defaultTags: { environment: 'development' },
  // Off on purpose: instances, volumes and buckets can be destroyed with the stack.
  development: true,
  policySuppressions: {
    'stateful-prevent-destroy': 'development region: destroyed and recreated at will, holds no data worth keeping',
  },
  // Small and cheap: an x86 storage type with 2 NVMe devices, a 200 GiB data volume, small ZooKeeper nodes.
  storageClusterOptions: {
    instanceType: 'i4i.xlarge',
    machineImage: MachineImage.debian12(Architecture.X86_64),
    dataVolumeSizeGiB: 200,
    dataVolumeIops: 3000,
    dataVolumeThroughput: 125,
  },
  zooKeeperOptions: { instanceType: 't4g.small', dataVolumeSizeGiB: 20 },
  kafkaBackendOptions: {
    warpstream_dev: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_dev_eu_west_1',
      agentKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:warpstream-agent-key-AbCdEf', cpu: 1, memoryGiB: 4, minReplicas: 1, maxReplicas: 2 }),
  },
  ingestionTierOptions: { small: { cacheSize: '5Gi' } },
  storage: { shards: 1, replicas: 2 },
  zookeeper: { nodes: 3 },
  ingestionTiers: [{ role: NodeRole.SMALL, nodes: 1, cores: 2 }],
  kafkaBackends: [{
    name: 'warpstream_dev',
    kind: KafkaBackendKind.WARPSTREAM,
    topics: [{ name: 'clickhouse_groups', partitions: 4 }],
  }],
  streams: [GROUPS_STREAM([{ backend: 'warpstream_dev', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }])],
});
