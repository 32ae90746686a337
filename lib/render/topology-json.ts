import { ingestionInstallationName, Topology } from '../model';
import { RenderedFile } from './file';

/** Bumped whenever a field of `topology.json` changes meaning or disappears. */
export const TOPOLOGY_JSON_VERSION = 1;

/** A folder of ClickHouse config shared by hosts with the same configuration. */
export interface ArtifactNodeGroup {
  /** Folder name under `clickhouse/`. */
  readonly name: string;
  /** Roles (`hostClusterRole`) of the hosts that load this folder. */
  readonly roles: readonly string[];
  /** Host names that load this folder. */
  readonly hosts: readonly string[];
}

/** Where the other artifacts of a region live, so tools can find them without guessing paths. */
export interface TopologyArtifactIndex {
  /**
   * ClickHouse config folders under `clickhouse/`.
   * @default none
   */
  readonly nodeGroups?: readonly ArtifactNodeGroup[];
  /**
   * SQL files per role under `sql/<role>/`, in the order the role runs them.
   * @default none
   */
  readonly sql?: Readonly<Record<string, readonly string[]>>;
  /**
   * Helm values files under `helm/`, by release name.
   * @default none
   */
  readonly helmValues?: readonly string[];
}

/**
 * The machine-readable description of a region: what `topology.md` shows to people, for tools
 * (the rehearsal reads streams, tiers and backends from it). Key order is fixed by construction,
 * so the output is byte-identical for the same topology.
 */
export function renderTopologyJson(topology: Topology, index: TopologyArtifactIndex = {}): RenderedFile {
  const doc = {
    version: TOPOLOGY_JSON_VERSION,
    name: topology.name,
    database: topology.database,
    dnsZone: topology.dnsZone,
    availabilityZones: topology.availabilityZones,
    clusterNames: topology.clusterNames,
    zookeeperRoot: topology.zookeeperRoot,
    storage: {
      shards: topology.storage.shards,
      replicas: topology.storage.replicas,
      hosts: topology.storage.hosts.map((h) => ({
        name: h.name, fqdn: h.fqdn, shard: h.shard, replica: h.replica, availabilityZone: h.availabilityZone ?? null, tcpPort: h.tcpPort,
      })),
    },
    zookeeper: topology.zookeeper.map((z) => ({
      id: z.id, name: z.name, fqdn: z.fqdn, availabilityZone: z.availabilityZone, clientPort: z.clientPort,
    })),
    ingestionTiers: topology.ingestionTiers.map((t) => ({
      role: t.role.value,
      clusterName: t.clusterName,
      kubernetesName: t.kubernetesName,
      installation: ingestionInstallationName(t),
      nodes: t.nodes,
      cores: t.cores,
      consumersPerNode: t.consumersPerNode,
      hosts: t.hosts.map((h) => h.name),
    })),
    kafkaBackends: topology.kafkaBackends.map((b) => ({
      name: b.name,
      kind: b.kind,
      auth: b.auth,
      brokerListEnv: b.brokerListEnv,
      topics: b.topics.map((t) => ({ name: t.name, partitions: t.partitions })),
    })),
    clusters: topology.clusters.map((c) => ({
      name: c.name,
      kind: c.kind,
      secretEnv: c.secretEnv,
      shards: c.shards.map((s) => ({
        weight: s.weight,
        internalReplication: s.internalReplication,
        replicas: s.replicas.map((h) => ({ host: h.fqdn, port: h.tcpPort })),
      })),
    })),
    streams: topology.streams.map((s) => ({
      name: s.name,
      columns: s.columns.map((c) => ({ name: c.name, type: c.type })),
      orderBy: s.orderBy,
      partitionBy: s.partitionBy ?? null,
      // A ShuffleHog stream stores nothing: no engine, data table, target cluster or writable tables.
      engine: s.shuffle ? null : {
        family: s.engine.family,
        replicated: s.engine.replicatedName,
        columnArgs: s.engine.columnArgs,
        folds: s.engine.folds,
      },
      sharded: s.sharded,
      shardingKey: s.shardingKey ?? null,
      transforms: s.transforms,
      dataTable: s.shuffle ? null : s.dataTable,
      targetCluster: s.shuffle ? null : s.targetCluster,
      readTable: s.readTable ?? null,
      deadLetterTable: s.deadLetterTable,
      retention: { hotDays: s.retention.hotDays, warmDays: s.retention.warmDays, deleteAfterDays: s.retention.deleteAfterDays ?? null, deadLetterDays: s.retention.deadLetterDays },
      legs: s.legs.map((l) => ({
        backend: l.backend.name,
        backendKind: l.backend.kind,
        topic: l.topic.name,
        partitions: l.topic.partitions,
        consumerGroup: l.consumerGroup,
        suffix: l.suffix,
        roles: l.roles.map((r) => r.value),
        consumersPerNode: l.consumersPerNode,
        format: l.format,
        offsets: l.offsets,
        kafkaTable: l.kafkaTable,
        materializedView: l.materializedView,
        writableTable: s.shuffle ? null : l.writableTable,
        deadLetterView: l.deadLetterView,
        deadLetterWritableTable: l.deadLetterWritableTable,
      })),
      shuffle: s.shuffle
        ? {
          backend: s.shuffle.backend,
          topic: s.shuffle.topic,
          keyExpression: s.shuffle.keyExpression,
          format: s.shuffle.format,
          producerTable: s.shuffle.producerTable,
          producerGroup: s.shuffle.producerGroup,
        }
        : null,
    })),
    consumers: consumerGroups(topology),
    artifacts: {
      nodeGroups: index.nodeGroups ?? [],
      sql: index.sql ?? {},
      helmValues: index.helmValues ?? [],
    },
  };
  return { path: 'topology.json', content: JSON.stringify(doc, null, 2) + '\n' };
}

/** One consumer group on one topic: how many consumers a region runs against how many partitions. */
export interface ConsumerGroupUsage {
  readonly backend: string;
  readonly topic: string;
  readonly partitions: number;
  readonly consumerGroup: string;
  readonly stream: string;
  readonly roles: readonly string[];
  /** Sum over the leg's roles of nodes × consumers per node. */
  readonly consumers: number;
}

/** Consumers per topic and group, summed over every node that runs the leg. */
export function consumerGroups(topology: Topology): ConsumerGroupUsage[] {
  return topology.streams.flatMap((s) => s.legs.map((l) => ({
    backend: l.backend.name,
    topic: l.topic.name,
    partitions: l.topic.partitions,
    consumerGroup: l.consumerGroup,
    stream: s.name,
    roles: l.roles.map((r) => r.value),
    consumers: l.roles.reduce((sum, r) => {
      const tier = topology.ingestionTiers.find((t) => t.role.value === r.value);
      return sum + (tier ? tier.nodes * (l.consumersPerNode[r.value] ?? tier.consumersPerNode) : 0);
    }, 0),
  })));
}
