import { NodeRole } from './node-role';
import { StreamSpec } from './stream';

/**
 * The ClickHouse side of one region: what ClickHouse sees (clusters, hosts, roles, backends and
 * streams), free of any cloud resource. `RegionStackProps` extends it with the AWS and Kubernetes parts.
 */
export interface TopologySpec {
  /** Short region name, e.g. `us`. Used in the ZooKeeper root and DNS zone. Must be a DNS label. */
  readonly name: string;
  /** Availability zones in order; replica i of every shard lives in zone i. */
  readonly availabilityZones: readonly string[];
  /**
   * Database that holds the stream tables.
   * @default 'posthog'
   */
  readonly database?: string;
  /**
   * Private DNS zone of the hosts.
   * @default `${name}.clickhouse.internal`
   */
  readonly dnsZone?: string;
  /**
   * Cluster names as ClickHouse sees them.
   * @default PostHog's names (`posthog`, `posthog_single_shard`, `posthog_migrations`)
   */
  readonly clusterNames?: ClusterNamesSpec;
  readonly storage: StorageSpec;
  /**
   * The ZooKeeper ensemble's shape.
   * @default 3 nodes
   */
  readonly zookeeper?: ZooKeeperEnsembleSpec;
  /**
   * Stateless ingestion tiers, one per ingestion role.
   * @default none
   */
  readonly ingestionTiers?: readonly IngestionTierSpec[];
  /**
   * Kafka backends, each reached through a named collection.
   * @default none
   */
  readonly kafkaBackends?: readonly KafkaBackendSpec[];
  /**
   * Kafka → ClickHouse streams.
   * @default none
   */
  readonly streams?: readonly StreamSpec[];
  /**
   * Whether the ingestion tiers consume. `'off'` deploys them without Kafka tables, views or
   * writable tables while everything else is deployed: a region restored from a backup consumes
   * nothing until its offsets are reset and an operator switches it on. A tier may override it.
   * @default 'on'
   */
  readonly consumers?: ConsumersSwitch;
}

/** Whether stateless tiers create their Kafka tables, views and writable tables. */
export type ConsumersSwitch = 'on' | 'off';

export interface ClusterNamesSpec {
  /** @default 'posthog' */
  readonly sharded?: string;
  /** @default 'posthog_single_shard' */
  readonly singleShard?: string;
  /** @default 'posthog_migrations' */
  readonly migrations?: string;
}

export interface StorageSpec {
  /** Number of shards. */
  readonly shards: number;
  /**
   * Replicas per shard, one per availability zone.
   * @default 3
   */
  readonly replicas?: number;
  /**
   * Host name prefix; hosts are `<prefix>-sNN-rN`.
   * @default 'ch-data'
   */
  readonly hostPrefix?: string;
  /**
   * ClickHouse native TCP port.
   * @default 9000
   */
  readonly tcpPort?: number;
}

export interface ZooKeeperEnsembleSpec {
  /**
   * Ensemble size: odd, 3 or more.
   * @default 3
   */
  readonly nodes?: number;
  /**
   * Host name prefix; hosts are `<prefix>-N`.
   * @default 'zk'
   */
  readonly hostPrefix?: string;
  /** @default 2181 */
  readonly clientPort?: number;
}

export interface IngestionTierSpec {
  /** The tier's role (`hostClusterRole`): `NodeRole.SMALL`, `NodeRole.MEDIUM`, ... or a custom one. */
  readonly role: NodeRole | string;
  /** Number of stateless nodes (shards of one replica each). */
  readonly nodes: number;
  /**
   * CPU cores requested per node; caps the Kafka consumers a node can run.
   * @default 4
   */
  readonly cores?: number;
  /**
   * Kafka consumers per node for a stream leg that does not say.
   * @default 1 for small, 4 for medium, `cores` otherwise
   */
  readonly consumersPerNode?: number;
  /**
   * The tier's own ClickHouse cluster name.
   * @default `ingestion_<role>`
   */
  readonly clusterName?: string;
  /**
   * Whether this tier consumes (see `TopologySpec.consumers`).
   * @default the region's `consumers`
   */
  readonly consumers?: ConsumersSwitch;
}

/** How ClickHouse authenticates to a Kafka backend. */
export enum KafkaAuth {
  /** No TLS, no SASL: local tests only. */
  PLAINTEXT = 'plaintext',
  /** TLS without SASL (WarpStream agents inside the VPC, MSK with mTLS off). */
  TLS = 'tls',
  /** SASL/IAM over TLS (MSK's default here). */
  SASL_IAM = 'sasl-iam',
  /** SASL/SCRAM-SHA-512 over TLS; credentials from the environment. */
  SASL_SCRAM = 'sasl-scram',
}

export enum KafkaBackendKind {
  MSK = 'msk',
  WARPSTREAM = 'warpstream',
}

export interface KafkaTopicSpec {
  readonly name: string;
  readonly partitions: number;
  /**
   * How long the backend keeps a message, in hours (the topic's `retention.ms`), set when the stack creates the topic.
   * @default 168 (7 days, Kafka's default)
   */
  readonly retentionHours?: number;
}

/** A Kafka backend as ClickHouse sees it: a named collection and its topics. */
export interface KafkaBackendSpec {
  /** Named collection name, e.g. `msk_cluster` or `warpstream_ingestion`. */
  readonly name: string;
  readonly kind: KafkaBackendKind;
  /**
   * Authentication.
   * @default SASL_IAM for MSK; PLAINTEXT for WarpStream (its agents are a Service inside the cluster network)
   */
  readonly auth?: KafkaAuth;
  /**
   * Environment variable holding the broker list on ClickHouse nodes.
   * @default `KAFKA_HOSTS_<NAME>`
   */
  readonly brokerListEnv?: string;
  /** Topics consumed or produced through this backend, with their partition counts. */
  readonly topics: readonly KafkaTopicSpec[];
}
