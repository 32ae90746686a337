import { stringify } from 'yaml';
import { backupTables } from '../dr/backup';
import type { Host, Topology } from '../model/topology';
import type { RenderedFile } from './file';

export interface AnsibleInventoryOptions {
  /**
   * Instance-store NVMe devices of a storage host, assembled as RAID0 for the hot tier.
   * @default 16 devices, `/dev/nvme1n1` … `/dev/nvme16n1` (i8ge.metal-48xl; the root EBS volume is nvme0n1)
   */
  readonly raidVolumes?: readonly string[];
}

/** Where the inventory lands in a stack's `artifacts/`. */
export const ANSIBLE_INVENTORY_PATH = 'ansible/inventory.yaml';

/** `/dev/nvme1n1` … `/dev/nvme<count>n1`: how Nitro enumerates instance-store devices at boot after the root volume. */
export function instanceStoreDevices(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `/dev/nvme${i + 1}n1`);
}

/**
 * An Ansible YAML inventory of every host of a region: storage hosts grouped under
 * `clickhouse_data`, each ingestion tier under `clickhouse_<role>`, the ensemble under `zookeeper`.
 * Host variables: hostClusterRole, shard, replica, raid_volumes (`[]` off the storage tier) and
 * backup_tables (tables of `clickhouse_database` the host stores; `[]` on ingestion hosts, which
 * store nothing).
 */
export function renderAnsibleInventory(topology: Topology, options: AnsibleInventoryOptions = {}): RenderedFile {
  const raid = [...(options.raidVolumes ?? instanceStoreDevices(16))];
  const hostVars = (h: Host): Record<string, unknown> => ({
    hostClusterRole: h.role.value,
    cluster: h.homeCluster,
    shard: h.shard,
    replica: h.replica,
    ...(h.availabilityZone !== undefined ? { availability_zone: h.availabilityZone } : {}),
    clickhouse_tcp_port: h.tcpPort,
    raid_volumes: h.role.isData ? raid : [],
    backup_tables: backupTables(topology, h),
  });
  const children: Record<string, unknown> = {
    clickhouse_data: {
      hosts: Object.fromEntries(topology.storage.hosts.map((h) => [h.fqdn, hostVars(h)])),
    },
  };
  for (const tier of topology.ingestionTiers) {
    children[`clickhouse_${tier.role.value}`] = {
      hosts: Object.fromEntries(tier.hosts.map((h) => [h.fqdn, hostVars(h)])),
    };
  }
  children.zookeeper = {
    hosts: Object.fromEntries(topology.zookeeper.map((z) => [z.fqdn, {
      myid: z.id, availability_zone: z.availabilityZone, zookeeper_client_port: z.clientPort,
    }])),
  };
  const inventory = {
    all: {
      vars: { region: topology.name, clickhouse_database: topology.database, zookeeper_root: topology.zookeeperRoot },
      children,
    },
  };
  const header = '# Rendered by cdktf-clickhouse-ingest from the region topology. Do not edit: change the region description.\n';
  return { path: ANSIBLE_INVENTORY_PATH, content: header + stringify(inventory, { lineWidth: 0, directives: false }) };
}
