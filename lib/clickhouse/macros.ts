import { Host, Problems, Topology } from '../model';
import { RenderedFile } from '../render/file';
import { optionsKey, TopologyCache } from '../render/memo';
import { NodeGroup } from './node-groups';
import { ClickHouseConfigOptions, resolveOptions } from './options';
import { clickhouseXml } from './xml';

/** Per-host macros of a storage host. */
export const HOST_MACROS_FILE = 'config.d/macros.xml';
/**
 * Role macros of an ingestion tier. The operator writes the pod's shard and replica into its own
 * `chop-generated-macros.xml`; this file only adds what it cannot know.
 */
export const ROLE_MACROS_FILE = 'config.d/role_macros.xml';

/** `01`: shard numbers padded like the host names (`ch-data-s01-r1`). */
export function shardMacro(host: Pick<Host, 'shard'>): string {
  return String(host.shard).padStart(2, '0');
}

/**
 * config.d/macros.xml for one storage host: shard, replica, hostClusterRole, hostClusterType.
 * `{shard}`/`{replica}` name the host's ReplicatedMergeTree replica; PostHog's migrations match
 * `hostClusterRole` to decide where a statement runs (posthog.md §2). The file also carries the
 * host's other per-host setting, `interserver_http_host`: the name a replica announces in
 * ZooKeeper for its peers to fetch parts from, its DNS name in the region's zone rather than
 * whatever the instance's OS hostname is.
 */
export function renderHostMacros(topology: Topology, host: Host, options: ClickHouseConfigOptions = {}): RenderedFile {
  const o = resolveOptions(options);
  const problems = new Problems();
  problems.check(topology.storage.hosts.some((h) => h.name === host.name) && host.role.isData, 'host', host.name,
    `a storage host of region ${topology.name} (ingestion pods get shard and replica from the operator)`);
  problems.throwIfAny('macros request');
  // Rendered for the host's user data and again for the artifacts folder.
  const content = hostMacrosCache.get(topology, `${host.name}/${host.shard}/${host.fqdn}/${optionsKey(options)}`, () => clickhouseXml({
    macros: { shard: shardMacro(host), replica: host.name, hostClusterRole: host.role.value, hostClusterType: o.hostClusterType },
    interserver_http_host: host.fqdn,
  }));
  return { path: HOST_MACROS_FILE, content };
}

const hostMacrosCache = new TopologyCache<string>();

/** config.d/role_macros.xml for an ingestion group: hostClusterRole and hostClusterType only. */
export function renderRoleMacros(group: NodeGroup, options: ClickHouseConfigOptions = {}): RenderedFile {
  const o = resolveOptions(options);
  return {
    path: ROLE_MACROS_FILE,
    content: clickhouseXml({ macros: { hostClusterRole: group.role.value, hostClusterType: o.hostClusterType } }),
  };
}
