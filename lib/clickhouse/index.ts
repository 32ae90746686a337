/**
 * ClickHouse server config for every node group of a region, rendered from the topology model:
 * remote_servers, macros, ZooKeeper, named collections, the ingestion profile, Kafka consumer
 * threads, system log retention, listen addresses, the storage tiers, and on storage hosts the
 * `default` user's networks and the replicas' interserver credentials. Pure: no cdktf, XML
 * written by fast-xml-builder (./xml.ts). docs/clickhouse-config.md explains each file.
 */
import { renderOffsetPolicyConfig } from '../dr/offsets';
import { Host, Topology } from '../model';
import { RenderedFile, sortFiles } from '../render/file';
import { optionsKey, TopologyCache } from '../render/memo';
import { accessEnvironment, renderDefaultUser, renderInterserverCredentials } from './access';
import { renderIngestionProfile } from './ingestion-profile';
import { renderKafkaConsumers } from './kafka-consumers';
import { MIGRATOR_PASSWORD_ENV, renderMigratorUser } from './migrator-user';
import { renderHostMacros, renderRoleMacros } from './macros';
import { namedCollectionEnvironment, renderNamedCollections } from './named-collections';
import { renderStorageNetwork } from './network';
import { NodeGroup, nodeGroups } from './node-groups';
import { renderPrometheusEndpoint } from './prometheus';
import { ClickHouseConfigOptions, resolveOptions } from './options';
import { clustersForGroup, renderRemoteServers } from './remote-servers';
import { renderStorageConfiguration, storageEnvironment } from './storage';
import { renderSystemLogs } from './system-logs';
import { renderZooKeeper } from './zookeeper';

export * from './access';
export * from './access-users';
export * from './extra-config';
export * from './ingestion-profile';
export * from './kafka-consumers';
export * from './macros';
export * from './migrator-user';
export * from './named-collections';
export * from './network';
export * from './node-groups';
export * from './options';
export * from './prometheus';
export * from './remote-servers';
export * from './storage';
export * from './system-logs';
export * from './zookeeper';

/**
 * Every config.d/ and users.d/ file shared by all hosts of a group (NOT per-host macros), sorted by path.
 * Storage: remote_servers, ZooKeeper, storage tiers, listen addresses, system logs, the `default` user
 * confined to localhost, interserver credentials. Ingestion: remote_servers, role
 * macros, ZooKeeper, named collections, Kafka consumer threads, system logs, the ingestion profile.
 */
export function renderNodeGroupConfig(topology: Topology, group: NodeGroup, options: ClickHouseConfigOptions = {}): RenderedFile[] {
  resolveOptions(options);
  // The construct and the artifacts folder both render every group: once per topology is enough.
  const key = `${group.kind}/${group.name}/${group.role.value}/${group.tier?.clusterName ?? ''}/${optionsKey(options)}`;
  return [...groupConfigCache.get(topology, key, () => renderGroupFiles(topology, group, options))];
}

const groupConfigCache = new TopologyCache<readonly RenderedFile[]>();
const sharedFileCache = new TopologyCache<RenderedFile>();

function renderGroupFiles(topology: Topology, group: NodeGroup, options: ClickHouseConfigOptions): RenderedFile[] {
  // Files that are the same for several groups of the region are rendered once.
  const shared = (name: string, render: () => RenderedFile): RenderedFile => sharedFileCache.get(topology, name, render);
  const files: RenderedFile[] = [
    renderRemoteServers(topology, group),
    shared('zookeeper', () => renderZooKeeper(topology)),
    shared(`system-logs/${group.kind}/${optionsKey(options)}`, () => renderSystemLogs(group, options)),
    shared('prometheus', renderPrometheusEndpoint),
    // The schema migration runner's Jobs log in as this user on every node.
    shared('migrator-user', () => renderMigratorUser(topology)),
  ];
  if (group.kind === 'storage') {
    files.push(renderStorageConfiguration(options), renderStorageNetwork(topology.storage.hosts[0]?.tcpPort), renderDefaultUser(), renderInterserverCredentials());
  } else {
    files.push(renderRoleMacros(group, options), renderKafkaConsumers(topology, group), shared('ingestion-profile', renderIngestionProfile));
    const collections = renderNamedCollections(topology, group);
    if (collections !== undefined) files.push(collections);
    // Where each leg's new consumer group starts (auto_offset_reset per named collection).
    const offsets = renderOffsetPolicyConfig(topology, group.role.value);
    if (offsets !== undefined) files.push(offsets);
  }
  return sortFiles(files);
}

/** Every file of one storage host: the group's files plus its macros, sorted by path. */
export function renderStorageHostConfig(topology: Topology, host: Host, options: ClickHouseConfigOptions = {}): RenderedFile[] {
  const storage = nodeGroups(topology)[0];
  return sortFiles([...renderNodeGroupConfig(topology, storage, options), renderHostMacros(topology, host, options)]);
}

/**
 * Environment variables a node of the group needs at runtime (cluster secret, the migrator's password, interserver
 * credentials of storage hosts, broker lists, SCRAM creds...), sorted.
 */
export function requiredEnvironment(topology: Topology, group: NodeGroup, options: ClickHouseConfigOptions = {}): string[] {
  const names = new Set<string>(clustersForGroup(topology, group).map((c) => c.secretEnv));
  if (group.kind === 'storage') [...storageEnvironment(options), ...accessEnvironment()].forEach((n) => names.add(n));
  else namedCollectionEnvironment(topology, group).forEach((n) => names.add(n));
  names.add(MIGRATOR_PASSWORD_ENV);
  return [...names].sort();
}
export * from './versions';
