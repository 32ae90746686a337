import { ClickHouseConfigOptions } from '../clickhouse';
import { RegionLockFile } from '../lock/region-lock-file';
import { TopologySpec } from '../model';
import { PolicyRuleId } from '../policy';
import { RegionAccessProps } from './clickhouse-access';
import { ClickHouseOperatorProps } from './clickhouse-operator';
import { KafkaBackendOptions } from './kafka-backend-options';
import { ObservabilitySpec } from './observability';
import { StatelessIngestionTierProps } from './stateless-ingestion-tier';
import { StorageClusterProps } from './storage-cluster';
import { ZooKeeperProps } from './zookeeper';
import { StateBackend, StateBackendSpec } from './state-backend';

/** StorageCluster props a region may set; the topology, network, DNS zone and removal policy come from the region. */
export type RegionStorageClusterProps = Omit<StorageClusterProps, 'topology' | 'vpcId' | 'subnetIds' | 'hostedZoneId' | 'clickhouseConfig' | 'removalPolicy'>;

/** ZooKeeper props a region may set; the topology, network, DNS zone, clients and removal policy come from the region. */
export type RegionZooKeeperProps = Omit<ZooKeeperProps, 'topology' | 'vpcId' | 'subnetIds' | 'hostedZoneId' | 'clientSecurityGroupIds' | 'removalPolicy'>;

/**
 * StatelessIngestionTier props a region may set per tier; the topology, role, operator and backends
 * come from the region, the ClickHouse config from `RegionStackProps.clickhouse` (shared with the storage cluster).
 */
export type RegionIngestionTierProps = Omit<StatelessIngestionTierProps, 'topology' | 'role' | 'operator' | 'backends' | 'clickhouseConfig'>;

/**
 * One region, described once: what ClickHouse sees (`TopologySpec`: storage, ZooKeeper, tiers,
 * backends, streams) plus the AWS and Kubernetes it lands in. The library creates no VPC and no
 * EKS cluster; it deploys into existing ones.
 */
export interface RegionStackProps extends TopologySpec {
  /** AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** Existing VPC the EC2 tiers (storage, ZooKeeper, MSK) run in. */
  readonly vpcId: string;
  /** One private subnet per availability zone, keyed by zone: every zone in `availabilityZones` needs one. */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Existing EKS cluster that runs the stateless ingestion tiers. */
  readonly eksClusterName: string;
  /**
   * Terraform state: a plain `{ bucket }` is an S3 backend with locking and encryption;
   * `StateBackend.local(...)`, `.cloud(...)` or `.custom(...)` choose another.
   */
  readonly stateBackend: StateBackendSpec | StateBackend;
  /**
   * Fields of this description that hold example values rather than the account's own, by field path
   * (`vpcId`, `subnetIds.us-east-1a`, `eksClusterName`, `stateBackend.bucket`,
   * `kafkaBackendOptions.<backend>.warpStreamOptions.virtualClusterId`), each with its example value.
   * While any field still holds its example value the stack synthesizes (for review) with a warning,
   * keeps its state local, and `terraform plan`/`cdktf deploy` stops with a message naming every such
   * field before the AWS provider is configured: nothing is sent to AWS.
   * @default none: every value is the account's own
   */
  readonly placeholders?: Readonly<Record<string, string>>;
  /**
   * Tags on every AWS resource (the aws provider's default_tags), added to the library's own.
   * @default - only `clickhouse-ingest:region` and `managed-by`
   */
  readonly defaultTags?: Readonly<Record<string, string>>;
  /**
   * Development region: turns off the safety defaults that protect data (prevent_destroy,
   * termination protection) so a throwaway region can be destroyed. Never for production.
   * @default false
   */
  readonly development?: boolean;
  /**
   * Policy rules switched off for this region, each with the reason why. The policy pack runs on
   * every RegionStack; a development region typically suppresses `stateful-prevent-destroy`.
   * @default none: every rule applies
   */
  readonly policySuppressions?: Readonly<Partial<Record<PolicyRuleId, string>>>;
  /**
   * Options of the ClickHouse server config (macros, storage paths, cold tier, system log
   * retention), the same for the storage cluster and every ingestion tier, so that the
   * `hostClusterType` macro of the pods matches the storage hosts'.
   * @default the renderers' defaults
   */
  readonly clickhouse?: ClickHouseConfigOptions;
  /**
   * Existing private Route53 zone of `dnsZone`, where every host gets its name.
   * @default - a private zone for `dnsZone`, created here and attached to the VPC
   */
  readonly hostedZoneId?: string;
  /**
   * The storage cluster's EC2 side: instance type, image, volumes, KMS key, allowed sources.
   * The EKS cluster's security group is always allowed (the ingestion pods write through it).
   * @default i8ge.metal-48xl with the StorageCluster defaults
   */
  readonly storageClusterOptions?: RegionStorageClusterProps;
  /**
   * The ZooKeeper ensemble's EC2 side and zoo.cfg settings.
   * @default m7g.large with autopurge on (the ZooKeeper defaults)
   */
  readonly zooKeeperOptions?: RegionZooKeeperProps;
  /**
   * How each Kafka backend of `kafkaBackends` is deployed, by backend name. A WarpStream
   * backend needs one (its virtual cluster id); an MSK backend gets the MSK defaults without.
   * @default - MSK defaults for MSK backends
   */
  readonly kafkaBackendOptions?: Readonly<Record<string, KafkaBackendOptions>>;
  /**
   * The Altinity operator's Helm release.
   * @default the ClickHouseOperator defaults (pinned chart, namespace clickhouse-operator)
   */
  readonly operatorOptions?: ClickHouseOperatorProps;
  /**
   * Kubernetes settings per ingestion tier, by role: image, cache size, namespace, node selector.
   * @default the StatelessIngestionTier defaults, plus an IRSA pod role (from the EKS cluster's OIDC
   * provider) for a tier that reads an MSK backend with SASL/IAM, unless it names its ServiceAccount
   */
  readonly ingestionTierOptions?: Readonly<Record<string, RegionIngestionTierProps>>;
  /**
   * Metrics collection, alert thresholds and CloudWatch alarms (docs/observability.md). Every node's
   * Prometheus endpoint, the rule file and the dashboard are there regardless.
   * @default - metrics ports closed to everyone, no monitoring objects, CloudWatch alarms without actions
   */
  readonly observability?: ObservabilitySpec;
  /**
   * The client users `<db>_writer_user` and `<db>_reader_user` and the Job that applies the access
   * roles, grants and users on every node (docs/schema.md, "Users"): their passwords, a rotation
   * (`passwordRevision`), the reconcile schedule.
   * @default generated passwords in Secrets Manager, revision 1, reconciled every 15 minutes
   */
  readonly accessOptions?: RegionAccessProps;
  /**
   * The region lock (`RegionLockFile.at('stacks/<region>.lock.json')`): what the region runs. Synth
   * compares the spec with it, generates the schema migrations a deploy applies (a Job, and the
   * pods' boot), refuses removals of stateful parts not marked decommissioned, and writes the
   * next lock back for the PR (docs/schema.md, "Evolving a deployed region").
   * @default none: every object is new, nothing is compared, the lock is only written to artifacts/region.lock.json
   */
  readonly regionLock?: RegionLockFile;
}
