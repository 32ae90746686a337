import { Cluster, Topology } from '../model';
import { RenderedFile } from '../render/file';
import { consumedLegs, NodeGroup } from './node-groups';
import { clickhouseXml, fromEnv, replacing, XmlTree } from './xml';

/**
 * `_no_restart` in the name: the Altinity operator rolls every pod when a `config.d` file changes,
 * except files whose name contains `no_restart` (altinity.md §1.4, §1.9); ClickHouse reloads
 * `remote_servers` on the fly, so adding a shard or a tier node restarts nothing.
 */
export const REMOTE_SERVERS_FILE = 'config.d/remote_servers_no_restart.xml';

/**
 * The clusters a group's nodes must know. Storage nodes: every cluster. An ingestion tier: its
 * own cluster, the storage clusters its writable Distributed tables write to (a ShuffleHog leg
 * writes to Kafka instead), the single-shard cluster of the dead-letter tables, and the
 * migrations cluster.
 */
export function clustersForGroup(topology: Topology, group: NodeGroup): Cluster[] {
  if (group.kind === 'storage') return [...topology.clusters];
  const names = new Set<string>([topology.clusterNames.migrations]);
  if (group.tier !== undefined) names.add(group.tier.clusterName);
  for (const { stream } of consumedLegs(topology, group)) {
    if (stream.shuffle === undefined) names.add(stream.targetCluster);
    // Every leg's malformed messages go to the stream's dead-letter table on the single-shard cluster.
    names.add(stream.deadLetterCluster);
  }
  return topology.clusters.filter((c) => names.has(c.name));
}

function clusterXml(cluster: Cluster): XmlTree {
  return {
    // Shared by every node of the region and never written down: the operator and cloud-init
    // put it into the environment from a Kubernetes Secret / AWS secret store.
    secret: fromEnv(cluster.secretEnv),
    shard: cluster.shards.map((shard) => ({
      weight: shard.weight,
      internal_replication: shard.internalReplication ? 'true' : 'false',
      replica: shard.replicas.map((host) => ({ host: host.fqdn, port: host.tcpPort })),
    })),
  };
}

/**
 * `remote_servers` for a group. On storage nodes the element replaces the package's sample
 * clusters (`test_shard_localhost`, ...); on ingestion pods it merges with the clusters the
 * operator generates (`all-replicated`, ..., the tier's own CHI cluster), which must survive.
 */
export function renderRemoteServers(topology: Topology, group: NodeGroup): RenderedFile {
  const clusters: Record<string, XmlTree> = {};
  for (const c of clustersForGroup(topology, group)) clusters[c.name] = clusterXml(c);
  return {
    path: REMOTE_SERVERS_FILE,
    content: clickhouseXml({ remote_servers: group.kind === 'storage' ? replacing(clusters) : clusters }),
  };
}
