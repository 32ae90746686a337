/**
 * The resolved model: the shapes `buildTopology` returns (hosts, clusters, tiers, backends,
 * streams). Types only, in a module of their own so that topology.ts (which resolves the
 * topology) and streams.ts (which resolves its streams) both import them without importing each other.
 */
import { NodeRole } from './node-role';
import { ClusterNamesSpec, KafkaAuth, KafkaBackendKind, KafkaTopicSpec } from './spec';
import { ColumnSpec, DataEngine, OffsetPolicy, ShuffleSinkSpec } from './stream';

export type ClusterKind = 'sharded' | 'single-shard' | 'migrations' | 'ingestion';

/** A ClickHouse server. */
export interface Host {
  /** Deterministic short name, e.g. `ch-data-s01-r1`: its DNS label. */
  readonly name: string;
  /** Name within the region's DNS zone. */
  readonly fqdn: string;
  readonly role: NodeRole;
  /** 1-based shard number within its home cluster. */
  readonly shard: number;
  /** 1-based replica number within its shard. */
  readonly replica: number;
  /** Availability zone (storage hosts; ingestion pods are spread by the scheduler). */
  readonly availabilityZone?: string;
  readonly tcpPort: number;
  /** The cluster the host belongs to by role: the storage cluster or its tier's cluster. */
  readonly homeCluster: string;
}

export interface ClusterShard {
  readonly weight: number;
  readonly internalReplication: boolean;
  readonly replicas: readonly Host[];
}

/** A cluster as it appears in `remote_servers`. */
export interface Cluster {
  readonly name: string;
  readonly kind: ClusterKind;
  readonly shards: readonly ClusterShard[];
  /** Environment variable of the shared inter-server secret. */
  readonly secretEnv: string;
}

export interface IngestionTier {
  readonly role: NodeRole;
  readonly clusterName: string;
  /** Kubernetes-safe name of the tier (`small`, `ai-events`). */
  readonly kubernetesName: string;
  readonly nodes: number;
  readonly cores: number;
  readonly consumersPerNode: number;
  readonly hosts: readonly Host[];
  /** Whether the tier creates its Kafka tables, views and writable tables (false: deployed with consumers off). */
  readonly consuming: boolean;
}

export interface KafkaBackendModel {
  readonly name: string;
  readonly kind: KafkaBackendKind;
  readonly auth: KafkaAuth;
  readonly brokerListEnv: string;
  readonly topics: readonly KafkaTopicSpec[];
}

export interface ZooKeeperNode {
  /** 1-based server id (`myid`). */
  readonly id: number;
  readonly name: string;
  readonly fqdn: string;
  readonly availabilityZone: string;
  readonly clientPort: number;
}

export interface StorageModel {
  readonly shards: number;
  readonly replicas: number;
  readonly hosts: readonly Host[];
}

/** The resolved, validated topology of one region. Build it with `buildTopology`. */
export interface Topology {
  readonly name: string;
  readonly database: string;
  readonly dnsZone: string;
  readonly availabilityZones: readonly string[];
  readonly clusterNames: Required<ClusterNamesSpec>;
  readonly storage: StorageModel;
  readonly zookeeper: readonly ZooKeeperNode[];
  /** ZooKeeper chroot of this region's ClickHouse metadata. */
  readonly zookeeperRoot: string;
  readonly ingestionTiers: readonly IngestionTier[];
  readonly kafkaBackends: readonly KafkaBackendModel[];
  readonly clusters: readonly Cluster[];
  readonly streams: readonly Stream[];
  /** Every ClickHouse host: storage first, then tiers in declared order. */
  readonly hosts: readonly Host[];
  /**
   * Statements each role runs at boot before its schema, by role: the region's schema migrations
   * (set by RegionStack from the region lock; see lib/migrations). A query runs only when its
   * condition returns 1.
   * @default none
   */
  readonly bootScripts?: Readonly<Record<string, readonly { readonly query: string; readonly condition?: string }[]>>;
}

/** One resolved leg of a stream: Kafka table → MV → writable table, on some ingestion roles. */
export interface StreamLeg {
  readonly backend: KafkaBackendModel;
  readonly topic: KafkaTopicSpec;
  readonly consumerGroup: string;
  readonly suffix: string;
  readonly roles: readonly NodeRole[];
  /** kafka_num_consumers per node, by role value. */
  readonly consumersPerNode: Readonly<Record<string, number>>;
  readonly format: string;
  readonly offsets: OffsetPolicy;
  readonly kafkaTable: string;
  readonly materializedView: string;
  readonly writableTable: string;
  /** `<t><suffix>_dead_letters_mv`: the view that moves this leg's malformed messages into the dead-letter table. */
  readonly deadLetterView: string;
  /** `writable_<t><suffix>_dead_letters`: Distributed table of this leg's dead letters. */
  readonly deadLetterWritableTable: string;
}

/** A stream's retention with every default filled in. */
export interface Retention {
  readonly hotDays: number;
  readonly warmDays: number;
  readonly deleteAfterDays?: number;
  readonly deadLetterDays: number;
}

/** The Kafka producer table of a ShuffleHog stream, every name decided. */
export interface ShuffleSink extends ShuffleSinkSpec {
  readonly format: string;
  /** `kafka_<t>_shuffled`: a Kafka table used only for INSERTs (no view reads from it). */
  readonly producerTable: string;
  /** The group the Kafka engine requires on every table; nothing consumes with it. */
  readonly producerGroup: string;
}

/** A resolved stream: every name and target decided, every rule checked. */
export interface Stream {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** Columns of the Kafka table (the message's fields). */
  readonly sourceColumns: readonly ColumnSpec[];
  readonly orderBy: readonly string[];
  readonly partitionBy?: string;
  readonly engine: DataEngine;
  readonly sharded: boolean;
  readonly shardingKey?: string;
  readonly transforms: Readonly<Record<string, string>>;
  /** `sharded_<t>` or `<t>`. */
  readonly dataTable: string;
  /** Cluster the writable tables write to. */
  readonly targetCluster: string;
  readonly legs: readonly StreamLeg[];
  /** Set for a ShuffleHog stream: rows go to this producer table instead of a data table. */
  readonly shuffle?: ShuffleSink;
  /** Days on each storage volume (the data table's TTL). */
  readonly retention: Retention;
  /** `<t>` on DATA for a sharded stream: the Distributed table queries read (none for a single-shard stream, whose data table is `<t>`). */
  readonly readTable?: string;
  /** `<t>_dead_letters` on DATA (single-shard): messages the Kafka table could not parse, with their error and position. */
  readonly deadLetterTable: string;
  /** Cluster the dead-letter writable tables write to (the single-shard storage cluster). */
  readonly deadLetterCluster: string;
}
