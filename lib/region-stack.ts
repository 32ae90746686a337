import * as fs from 'fs';
import * as path from 'path';
import {
  Annotations, conditional, dependable, Fn, LocalBackend, Op, S3Backend, TerraformBackend, TerraformOutput, TerraformStack, TerraformVariable, Token,
} from 'cdktf';
import type { ISynthesisSession, IStackSynthesizer } from 'cdktf/lib/synthesize/types';
import { Construct } from 'constructs';
import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import {
  buildTopology, KafkaAuth, KafkaBackendKind, Problems, SHAPE_PREFIX, Topology, TopologySpec, TopologyValidationError,
} from './model';
import {
  backendsForGroup, ClickHouseConfigOptions, nodeGroups, renderHostMacros, renderNodeGroupConfig, resolveOptions, STORAGE_GROUP_NAME,
} from './clickhouse';
import { ClickHouseOperator, ClickHouseOperatorProps } from './clickhouse-operator';
import { instanceStoreDeviceCount, RemovalPolicy } from './cloud-init';
import {
  KafkaBackend, MskBackendProps, WarpStreamBackendProps,
} from './kafka-backend';
import { IngestionStorageClass } from './ingestion-storage-class';
import { LiteralText } from './literal-text';
import { IngestionPrerequisites } from './region-prerequisites';
import { checkObservabilitySpec, Observability, ObservabilitySpec } from './observability';
import { PolicyPack, PolicyRuleId } from './policy';
import { checkApart, checkGeneratedNames, checkPorts, checkServerVersions, regionIdentity, SharedIdentity } from './region-validation';
import { renderAnsibleInventory, instanceStoreDevices } from './render/ansible-inventory';
import { ARTIFACTS_DIR, assembleArtifacts, helmValuesArtifacts, underFolder } from './render/artifacts';
import { RenderedFile } from './render/file';
import { placeholderMessage, remainingPlaceholders } from './render/placeholders';
import { ArtifactNodeGroup, renderTopologyJson } from './render/topology-json';
import { renderTopologyMarkdown } from './render/topology-md';
import { migrationFiles, renderStartupScripts } from './schema';
import { evolveRegion, migrationArtifacts, RegionEvolution, regionLockArtifact, withBootMigrations } from './migrations';
import { RegionLockFile } from './region-lock-file';
import { SCHEMA_MIGRATOR_SECRET, SchemaMigrationRunner } from './schema-migration-runner';
import { KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { MIGRATOR_USER } from './clickhouse/migrator-user';
import { StatelessIngestionTier, StatelessIngestionTierProps } from './stateless-ingestion-tier';
import { StorageCluster, StorageClusterProps } from './storage-cluster';
import { ZooKeeper, ZooKeeperProps } from './zookeeper';
import { resolveZooCfgOptions } from './zookeeper/zoo-cfg';

/** Where Terraform keeps this region's state: an S3 bucket with native locking (`use_lockfile`). */
export interface StateBackendSpec {
  /** Existing S3 bucket for Terraform state. */
  readonly bucket: string;
  /**
   * Object key of this region's state.
   * @default `clickhouse-ingest/<name>.tfstate`
   */
  readonly key?: string;
  /**
   * Region of the state bucket.
   * @default the stack's `region`
   */
  readonly region?: string;
  /**
   * KMS key that encrypts the state object.
   * @default - the bucket's default encryption (SSE-S3 or the bucket's KMS key)
   */
  readonly kmsKeyId?: string;
}

/** StorageCluster props a region may set; the topology, network, DNS zone and removal policy come from the region. */
export type RegionStorageClusterOptions = Omit<StorageClusterProps, 'topology' | 'vpcId' | 'subnetIds' | 'hostedZoneId' | 'clickhouseConfig' | 'removalPolicy'>;

/** ZooKeeper props a region may set; the topology, network, DNS zone, clients and removal policy come from the region. */
export type RegionZooKeeperOptions = Omit<ZooKeeperProps, 'topology' | 'vpcId' | 'subnetIds' | 'hostedZoneId' | 'clientSecurityGroupIds' | 'removalPolicy'>;

/**
 * StatelessIngestionTier props a region may set per tier; the topology, role, operator and backends
 * come from the region, the ClickHouse config from `RegionSpec.clickhouse` (shared with the storage cluster).
 */
export type RegionIngestionTierOptions = Omit<StatelessIngestionTierProps, 'topology' | 'role' | 'operator' | 'backends' | 'clickhouseConfig'>;

/** MSK props a region may set; the network, the ClickHouse clients and prevent_destroy come from the region. */
export type RegionMskOptions = Omit<MskBackendProps, 'topology' | 'name' | 'vpcId' | 'clientSubnetIds' | 'clientSecurityGroupIds' | 'preventDestroy'>;

/** WarpStream props a region may set; the region, the EKS OIDC provider and prevent_destroy come from the region. */
export type RegionWarpStreamOptions = Omit<WarpStreamBackendProps, 'topology' | 'name' | 'region' | 'oidcProviderArn' | 'oidcIssuerUrl' | 'preventDestroy'>;

/** How one Kafka backend of the topology is deployed: `KafkaBackendOptions.msk(...)` or `.warpStream(...)`. */
export class KafkaBackendOptions {
  /** An AWS MSK cluster in the region's VPC. */
  public static msk(options: RegionMskOptions = {}): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.MSK, { ...options }, undefined);
  }

  /** WarpStream agents on the region's EKS cluster; the virtual cluster id comes from WarpStream's console. */
  public static warpStream(options: RegionWarpStreamOptions): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.WARPSTREAM, undefined, { ...options });
  }

  private constructor(
    public readonly kind: KafkaBackendKind,
    public readonly mskOptions: RegionMskOptions | undefined,
    public readonly warpStreamOptions: RegionWarpStreamOptions | undefined,
  ) {}
}

/**
 * One region, described once: what ClickHouse sees (`TopologySpec`: storage, ZooKeeper, tiers,
 * backends, streams) plus the AWS and Kubernetes it lands in. The library creates no VPC and no
 * EKS cluster; it deploys into existing ones.
 */
export interface RegionSpec extends TopologySpec {
  /** AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** Existing VPC the EC2 tiers (storage, ZooKeeper, MSK) run in. */
  readonly vpcId: string;
  /** One private subnet per availability zone, keyed by zone: every zone in `availabilityZones` needs one. */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Existing EKS cluster that runs the stateless ingestion tiers. */
  readonly eksClusterName: string;
  /** Terraform state: an S3 backend with locking and encryption. */
  readonly stateBackend: StateBackendSpec;
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
  readonly storageClusterOptions?: RegionStorageClusterOptions;
  /**
   * The ZooKeeper ensemble's EC2 side and zoo.cfg settings.
   * @default m7g.large with autopurge on (the ZooKeeper defaults)
   */
  readonly zooKeeperOptions?: RegionZooKeeperOptions;
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
  readonly ingestionTierOptions?: Readonly<Record<string, RegionIngestionTierOptions>>;
  /**
   * Metrics collection, alert thresholds and CloudWatch alarms (docs/observability.md). Every node's
   * Prometheus endpoint, the rule file and the dashboard are there regardless.
   * @default - metrics ports closed to everyone, no monitoring objects, CloudWatch alarms without actions
   */
  readonly observability?: ObservabilitySpec;
  /**
   * The region lock (`RegionLockFile.at('stacks/<region>.lock.json')`): what the region runs. Synth
   * compares the spec with it, generates the schema migrations a deploy applies (a Job, and the
   * pods' boot), refuses removals of stateful parts not marked decommissioned, and writes the
   * next lock back for the PR (docs/schema.md, "Evolving a deployed region").
   * @default none: every object is new, nothing is compared, the lock is only written to artifacts/region.lock.json
   */
  readonly regionLock?: RegionLockFile;
}

/** The Terraform the synthesized JSON needs: ephemeral resources and write-only arguments. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.11.0';

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const VPC_ID = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Checks the AWS parts of a region description; the ClickHouse parts are checked by `buildTopology`. */
function checkRegionParts(spec: RegionSpec, problems: Problems): void {
  problems.check(typeof spec.region === 'string' && AWS_REGION.test(spec.region), 'region', spec.region, 'an AWS region such as us-east-1');
  problems.check(typeof spec.vpcId === 'string' && VPC_ID.test(spec.vpcId), 'vpcId', spec.vpcId, 'a VPC id such as vpc-0a1b2c3d4e5f60718');
  const subnets = spec.subnetIds !== null && typeof spec.subnetIds === 'object' ? spec.subnetIds : {};
  problems.check(spec.subnetIds !== null && typeof spec.subnetIds === 'object', 'subnetIds', spec.subnetIds, 'subnet ids keyed by availability zone');
  const zones = Array.isArray(spec.availabilityZones) ? spec.availabilityZones : [];
  for (const az of zones) {
    problems.check(typeof subnets[az] === 'string' && SUBNET_ID.test(subnets[az]), `subnetIds.${az}`, subnets[az],
      `a subnet id such as subnet-0a1b2c3d4e5f60718 for zone ${az} (one subnet per availability zone)`);
  }
  for (const az of Object.keys(subnets)) {
    problems.check(zones.includes(az), `subnetIds.${az}`, subnets[az], `a zone listed in availabilityZones (${zones.join(', ')})`);
  }
  const zonesInRegion = typeof spec.region === 'string' ? zones.every((az) => typeof az !== 'string' || az.startsWith(spec.region)) : true;
  problems.check(zonesInRegion, 'availabilityZones', spec.availabilityZones, `zones of region ${spec.region}`);
  problems.check(typeof spec.eksClusterName === 'string' && EKS_NAME.test(spec.eksClusterName), 'eksClusterName', spec.eksClusterName,
    'an EKS cluster name: letters, digits, - and _ (at most 100)');
  const state = spec.stateBackend ?? ({} as StateBackendSpec);
  problems.check(spec.stateBackend !== undefined, 'stateBackend', spec.stateBackend, 'an S3 bucket for Terraform state');
  problems.check(typeof state.bucket === 'string' && BUCKET.test(state.bucket), 'stateBackend.bucket', state.bucket, 'an S3 bucket name');
  if (state.key !== undefined) {
    problems.check(typeof state.key === 'string' && /^[A-Za-z0-9!_.*'()/-]{1,1024}$/.test(state.key) && !state.key.startsWith('/'),
      'stateBackend.key', state.key, 'an S3 object key such as clickhouse-ingest/us.tfstate');
  }
  if (state.region !== undefined) {
    problems.check(AWS_REGION.test(state.region), 'stateBackend.region', state.region, 'an AWS region such as us-east-1');
  }
  for (const [key, value] of Object.entries(spec.defaultTags ?? {})) {
    problems.check(TAG_KEY.test(key) && !key.startsWith('aws:'), `defaultTags.${key}`, key, 'a tag key (at most 128 characters, not starting with aws:)');
    problems.check(typeof value === 'string' && TAG_VALUE.test(value), `defaultTags.${key}`, value, 'a tag value (at most 256 characters)');
  }
  if (spec.development !== undefined) problems.check(typeof spec.development === 'boolean', 'development', spec.development, 'true or false');
  // Checked once here, under the RegionSpec field, rather than by the storage cluster and every tier that render with it.
  try {
    resolveOptions(spec.clickhouse);
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    e.problems.forEach((p) => problems.add(`clickhouse.${p.field}`, p.value, p.expected));
  }
  if (spec.hostedZoneId !== undefined) {
    problems.check(typeof spec.hostedZoneId === 'string' && /^Z[A-Z0-9]{1,31}$/.test(spec.hostedZoneId), 'hostedZoneId', spec.hostedZoneId,
      'a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ');
  }
  const backends = Array.isArray(spec.kafkaBackends) ? spec.kafkaBackends : [];
  const backendOptions = spec.kafkaBackendOptions ?? {};
  for (const [name, options] of Object.entries(backendOptions)) {
    const backend = backends.find((b) => b?.name === name);
    if (!problems.check(backend !== undefined, `kafkaBackendOptions.${name}`, name,
      `a backend declared in kafkaBackends (${backends.map((b) => b?.name).join(', ') || 'none'})`)) continue;
    if (!problems.check(options instanceof KafkaBackendOptions, `kafkaBackendOptions.${name}`, options,
      'KafkaBackendOptions.msk(...) or KafkaBackendOptions.warpStream(...)')) continue;
    problems.check(options.kind === backend!.kind, `kafkaBackendOptions.${name}`, options.kind,
      `options for a ${backend!.kind} backend (KafkaBackendOptions.${backend!.kind === KafkaBackendKind.MSK ? 'msk' : 'warpStream'}(...))`);
  }
  for (const b of backends) {
    if (b?.kind !== KafkaBackendKind.WARPSTREAM) continue;
    problems.check(backendOptions[b.name] !== undefined, `kafkaBackendOptions.${b.name}`, undefined,
      'KafkaBackendOptions.warpStream({ virtualClusterId: \'vci_...\' }): a WarpStream backend needs its virtual cluster id');
  }
  const zooCfg = spec.zooKeeperOptions?.zooCfg;
  checkObservabilitySpec(spec.observability, problems, { snapRetainCount: zooCfg?.autopurge?.snapRetainCount ?? 3, tickTime: zooCfg?.tickTime ?? 2000 });
  const roles = (Array.isArray(spec.ingestionTiers) ? spec.ingestionTiers : [])
    .map((t) => (typeof t?.role === 'string' ? t.role : t?.role?.value));
  for (const role of Object.keys(spec.ingestionTierOptions ?? {})) {
    problems.check(roles.includes(role), `ingestionTierOptions.${role}`, role, `a role of ingestionTiers (${roles.join(', ') || 'none'})`);
  }
}

/**
 * Validates a whole region description, the AWS parts and the topology, and throws one
 * `TopologyValidationError` listing every problem; returns the topology otherwise.
 */
export function buildRegionTopology(spec: RegionSpec): Topology {
  const problems = new Problems();
  if (spec === null || typeof spec !== 'object') {
    problems.add('(region)', spec, 'a region description');
    problems.throwIfAny();
  }
  let topology: Topology | undefined;
  try {
    topology = buildTopology(spec);
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    e.problems.forEach((p) => problems.add(p.field, p.value, p.expected));
  }
  // The AWS parts read fields the topology's shape check has vetted; a malformed shape is reported alone.
  if (topology !== undefined || !problems.all.some((p) => p.expected.startsWith(SHAPE_PREFIX))) checkRegionParts(spec, problems);
  if (topology !== undefined) {
    checkServerVersions(problems, topology, spec);
    checkGeneratedNames(problems, topology, spec);
    checkPorts(problems, spec);
  }
  problems.throwIfAny();
  return topology!;
}

/** The identities of the RegionStacks already in each app: what a new stack must not share. */
const STACKS_IN_APP = new WeakMap<object, SharedIdentity[]>();

/**
 * A region's stack: storage cluster, ZooKeeper, Kafka backends, the ClickHouse operator and the
 * stateless ingestion tiers, all wired from one topology model that is built (and validated)
 * once, before any resource exists. Beside `cdk.tf.json` the synth writes `artifacts/`: the
 * ClickHouse config and SQL each node loads, the Helm values, zoo.cfg, an Ansible inventory and
 * `topology.md`/`topology.json`, for review in pull requests.
 */
export class RegionStack extends TerraformStack {
  /** The resolved topology every construct of this stack was built from. */
  public readonly topology: Topology;
  /** @attribute The AWS region (a literal, also while the provider's region carries the placeholder guard). */
  public readonly awsRegion: string;
  /** The AWS provider, with this region's default tags. */
  public readonly awsProvider: AwsProvider;
  /** The Kubernetes provider, authenticated against the EKS cluster. */
  public readonly kubernetesProvider: KubernetesProvider;
  /** The Helm provider, authenticated against the EKS cluster. */
  public readonly helmProvider: HelmProvider;
  /** The existing EKS cluster, read at plan time. */
  public readonly eksCluster: DataAwsEksCluster;
  /** The S3 state backend; a local one while placeholder values remain (so `terraform init` calls no AWS API). */
  public readonly backend: TerraformBackend;
  /** Placeholder fields that still hold their example value (`field = value`); a deploy stops while any remain. */
  public readonly remainingPlaceholders: readonly string[];
  /** The policy pack checking this stack at synth; its `violations` fill in then. */
  public readonly policyPack: PolicyPack;
  /** The private zone with every host's name (undefined when an existing zone was given). */
  public readonly hostedZone?: Route53Zone;
  /** The stateful ClickHouse storage cluster. */
  public readonly storageCluster: StorageCluster;
  /** The ZooKeeper ensemble. */
  public readonly zooKeeper: ZooKeeper;
  /** The Kafka backends, by name. */
  public readonly kafkaBackends: Readonly<Record<string, KafkaBackend>>;
  /** The Altinity ClickHouse operator. */
  public readonly operator: ClickHouseOperator;
  /** The stateless ingestion tiers, by role. */
  public readonly ingestionTiers: Readonly<Record<string, StatelessIngestionTier>>;
  /** The StorageClass of the tiers' cache volumes (absent when every tier names its own). */
  public readonly ingestionStorageClass?: IngestionStorageClass;
  /** The tiers' Secrets and the backends' topics Jobs, created before any pod starts. */
  public readonly ingestionPrerequisites: IngestionPrerequisites;
  /** Metrics ports, monitoring objects, alert rules and CloudWatch alarms. */
  public readonly observability: Observability;
  /** The spec compared with the region lock: the next lock and every migration. */
  public readonly evolution: RegionEvolution;
  /** The runner's Kubernetes Secret (`clickhouse-schema-migrator`: user and password of clickhouse_migrator). */
  public readonly schemaMigratorSecret: KubernetesSecretFromAws;
  /** The deploy Job applying the migrations (undefined while the region has none). */
  public readonly schemaMigrationRunner?: SchemaMigrationRunner;

  private readonly spec: RegionSpec;
  private readonly extraArtifacts: RenderedFile[] = [];
  private modelArtifacts?: { files: RenderedFile[]; sqlByRole: Record<string, string[]>; nodeGroupIndex: ArtifactNodeGroup[] };

  constructor(scope: Construct, id: string, spec: RegionSpec) {
    // Validate before the stack joins the tree: a bad description leaves no half-built app behind.
    const built = buildRegionTopology(spec);
    const identity = regionIdentity(id, built, spec);
    const inApp = STACKS_IN_APP.get(scope.node.root) ?? [];
    const apart = new Problems();
    checkApart(apart, identity, inApp);
    apart.throwIfAny();
    const evolution = evolveRegion({
      topology: built, stack: id, lock: spec.regionLock?.current, ...spec.regionLock?.options,
      stateKey: `s3://${spec.stateBackend.bucket}/${spec.stateBackend.key ?? `clickhouse-ingest/${built.name}.tfstate`}`,
    });
    // Ingestion pods apply pending migrations at boot, before their IF NOT EXISTS schema.
    const topology = withBootMigrations(built, evolution.migrations);
    super(scope, id);
    // First of the stack's aspects: the policy pack after it reads the escaped output.
    LiteralText.applyTo(this);
    STACKS_IN_APP.set(this.node.root, [...inApp, identity]);
    this.evolution = evolution;
    this.spec = { ...spec };
    this.topology = topology;

    // Placeholders left: the state stays local (the example bucket is nobody's), and a variable whose
    // validation fails names them. The AWS provider's region reads that variable, so Terraform
    // evaluates the validation before it configures the provider: the plan stops before any AWS call.
    this.awsRegion = spec.region;
    // Ephemeral resources (1.10) and write-only arguments (1.11) keep generated passwords out of state.
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
    this.remainingPlaceholders = remainingPlaceholders(spec, spec.placeholders);
    let region: string = spec.region;
    if (this.remainingPlaceholders.length > 0) {
      const message = placeholderMessage(this.remainingPlaceholders);
      Annotations.of(this).addWarning(message);
      this.backend = new LocalBackend(this, { path: `${topology.name}.placeholder.tfstate` });
      const guard = new TerraformVariable(this, 'placeholder_values', {
        type: 'list(string)',
        default: [...this.remainingPlaceholders],
        description: 'Placeholder values still in the region description; a plan stops while any remain',
      });
      guard.addValidation({ condition: Op.lt(Fn.lengthOf(guard.listValue), 1), errorMessage: message });
      region = Token.asString(conditional(Op.lt(Fn.lengthOf(guard.listValue), 1), spec.region, spec.region));
    } else {
      this.backend = new S3Backend(this, {
        bucket: spec.stateBackend.bucket,
        key: spec.stateBackend.key ?? `clickhouse-ingest/${topology.name}.tfstate`,
        region: spec.stateBackend.region ?? spec.region,
        encrypt: true,
        ...(spec.stateBackend.kmsKeyId !== undefined ? { kmsKeyId: spec.stateBackend.kmsKeyId } : {}),
      });
      // cdktf 0.21's S3BackendConfig predates S3-native locking (Terraform ≥ 1.10).
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    }

    this.awsProvider = new AwsProvider(this, 'aws', {
      region,
      defaultTags: [{
        tags: {
          'clickhouse-ingest:region': topology.name,
          'managed-by': 'cdktf-clickhouse-ingest',
          ...(spec.defaultTags ?? {}),
        },
      }],
    });
    this.eksCluster = new DataAwsEksCluster(this, 'eks', { name: spec.eksClusterName });
    // A token per call (`aws eks get-token`): a data.aws_eks_cluster_auth token expires after 15
    // minutes, before MSK (about 30) is created, and the Helm releases after it would fail.
    const kubernetes = {
      host: this.eksCluster.endpoint,
      clusterCaCertificate: Fn.base64decode(this.eksCluster.certificateAuthority.get(0).data),
    };
    const exec = eksTokenExec(spec.eksClusterName, spec.region);
    this.kubernetesProvider = new KubernetesProvider(this, 'kubernetes', { ...kubernetes, exec: [exec] });
    this.helmProvider = new HelmProvider(this, 'helm', { kubernetes: { ...kubernetes, exec } });

    // Construct ids below are public API: adding a shard, tier, stream or backend only adds resources.
    const removalPolicy = spec.development === true
      ? RemovalPolicy.destroy(`development region ${topology.name}, destroyable with the stack`)
      : RemovalPolicy.retain();
    const eksSecurityGroup = this.eksCluster.vpcConfig.get(0).clusterSecurityGroupId;
    const subnetIds = { ...spec.subnetIds };
    let hostedZoneId = spec.hostedZoneId;
    if (hostedZoneId === undefined) {
      this.hostedZone = new Route53Zone(this, 'dns-zone', {
        name: topology.dnsZone,
        comment: `ClickHouse hosts of region ${topology.name}`,
        vpc: [{ vpcId: spec.vpcId, vpcRegion: spec.region }],
        // Every host's name lives here: an identity resource, kept like the data it names.
        lifecycle: { preventDestroy: !this.development },
      });
      hostedZoneId = this.hostedZone.zoneId;
    }

    // Each construct validates its own options; collect what they reject under the RegionSpec
    // field that holds the option, and throw once. Dependent constructs are built only when what
    // they need was built.
    const problems = new Problems();
    const storageOptions = spec.storageClusterOptions ?? {};
    const storageCluster = collectProblems(problems, 'storageClusterOptions', storageOptions, /^storage\./, () => new StorageCluster(this, 'storage', {
      ...storageOptions,
      topology,
      vpcId: spec.vpcId,
      subnetIds,
      hostedZoneId: hostedZoneId!,
      clickhouseConfig: spec.clickhouse,
      removalPolicy,
      allowedSources: {
        securityGroupIds: [eksSecurityGroup, ...(storageOptions.allowedSources?.securityGroupIds ?? [])],
        cidrs: [...(storageOptions.allowedSources?.cidrs ?? [])],
      },
    }));
    const zooKeeperOptions = spec.zooKeeperOptions ?? {};
    const zooKeeper = storageCluster && collectProblems(problems, 'zooKeeperOptions', zooKeeperOptions, /^zookeeper\./, () => new ZooKeeper(this, 'zookeeper', {
      ...zooKeeperOptions,
      topology,
      vpcId: spec.vpcId,
      subnetIds,
      hostedZoneId: hostedZoneId!,
      // The ingestion pods' config names the ensemble (their tier cluster's distributed DDL queue).
      clientSecurityGroupIds: [storageCluster.securityGroup.id, eksSecurityGroup],
      removalPolicy,
    }));
    if (zooKeeper !== undefined) storageCluster!.allowEgressTo('zookeeper', zooKeeper.securityGroup.id, [zooKeeper.clientPort]);
    // The storage hosts' remote_servers name the ingestion pods (the migrations cluster): they may connect to the pods' native port.
    const podPorts = [...new Set(topology.ingestionTiers.flatMap((t) => t.hosts.map((h) => h.tcpPort)))].sort((a, b) => a - b);
    if (storageCluster !== undefined && podPorts.length > 0) {
      storageCluster.allowEgressTo('ingestion', eksSecurityGroup, podPorts);
      for (const port of podPorts) {
        new VpcSecurityGroupIngressRule(this, `ingestion-from-storage-${port}`, {
          securityGroupId: eksSecurityGroup, ipProtocol: 'tcp', fromPort: port, toPort: port,
          referencedSecurityGroupId: storageCluster.securityGroup.id, description: `ClickHouse ${port} of the ingestion pods from the storage hosts`,
        });
      }
    }

    // IRSA: WarpStream agents reach their bucket, and pods reading MSK with SASL/IAM sign with, a pod role.
    const oidcIssuer = this.eksCluster.identity.get(0).oidc.get(0).issuer;
    let oidcProvider: DataAwsIamOpenidConnectProvider | undefined;
    const podIdentity = (): { oidcProviderArn: string; oidcIssuerUrl: string } => {
      oidcProvider ??= new DataAwsIamOpenidConnectProvider(this, 'eks-oidc', { url: oidcIssuer });
      return { oidcProviderArn: oidcProvider.arn, oidcIssuerUrl: oidcIssuer };
    };
    const backends: Record<string, KafkaBackend> = {};
    for (const model of topology.kafkaBackends) {
      const options = spec.kafkaBackendOptions?.[model.name];
      const id = `kafka-${model.name}`;
      const field = `kafkaBackendOptions.${model.name}`;
      let backend: KafkaBackend | undefined;
      if (model.kind === KafkaBackendKind.MSK) {
        const mskOptions = options?.mskOptions ?? {};
        backend = collectProblems(problems, field, mskOptions, undefined, () => KafkaBackend.msk(this, id, {
          ...mskOptions,
          topology,
          name: model.name,
          vpcId: spec.vpcId,
          clientSubnetIds: topology.availabilityZones.map((az) => subnetIds[az]),
          clientSecurityGroupIds: [eksSecurityGroup],
          preventDestroy: !this.development,
        }));
      } else {
        const warpStreamOptions = options!.warpStreamOptions!;
        const identity = podIdentity();
        backend = collectProblems(problems, field, warpStreamOptions, undefined, () => KafkaBackend.warpStream(this, id, {
          ...warpStreamOptions,
          topology,
          name: model.name,
          region: spec.region,
          ...identity,
          preventDestroy: !this.development,
        }));
      }
      if (backend !== undefined) backends[model.name] = backend;
    }

    const operatorOptions = spec.operatorOptions ?? {};
    const operator = collectProblems(problems, 'operatorOptions', operatorOptions, undefined,
      () => new ClickHouseOperator(this, 'clickhouse-operator', { preventDestroy: !this.development, ...operatorOptions }));
    // The tiers' cache volumes: gp3, encrypted, deleted with their claim (unless a tier names its own class).
    const needsStorageClass = topology.ingestionTiers.some((t) => spec.ingestionTierOptions?.[t.role.value]?.storageClassName === undefined);
    this.ingestionStorageClass = needsStorageClass ? new IngestionStorageClass(this, 'ingestion-storage-class') : undefined;
    const tiers: Record<string, StatelessIngestionTier> = {};
    for (const group of nodeGroups(topology)) {
      if (group.kind !== 'ingestion' || operator === undefined) continue;
      const role = group.role.value;
      const needed = backendsForGroup(topology, group).map((b) => backends[b.name]);
      if (needed.some((b) => b === undefined)) continue;
      const tierOptions = spec.ingestionTierOptions?.[role] ?? {};
      // Pods that read MSK with SASL/IAM need a role of their own unless the platform provides their ServiceAccount.
      const signsWithIam = needed.some((b) => b.kind === KafkaBackendKind.MSK && b.auth === KafkaAuth.SASL_IAM);
      const identity = tierOptions.podIdentity === undefined && tierOptions.serviceAccountName === undefined && signsWithIam
        ? { podIdentity: podIdentity() } : {};
      const tier = collectProblems(problems, `ingestionTierOptions.${role}`, tierOptions, undefined, () => new StatelessIngestionTier(this, `tier-${role}`, {
        ...identity,
        ...(this.ingestionStorageClass ? { storageClassName: this.ingestionStorageClass.storageClassName } : {}),
        ...tierOptions,
        topology,
        role,
        operator,
        backends: needed,
        clickhouseConfig: spec.clickhouse,
      }));
      if (tier !== undefined) tiers[role] = tier;
    }
    const observability = storageCluster && zooKeeper && collectProblems(problems, 'observability', spec.observability ?? {}, undefined,
      () => new Observability(this, 'observability', {
        topology, spec: spec.observability, storageCluster, zooKeeper, kafkaBackends: backends, ingestionTiers: tiers,
        zooCfg: resolveZooCfgOptions(topology.zookeeper, zooKeeperOptions.zooCfg), eksSecurityGroupId: eksSecurityGroup,
      }));
    problems.throwIfAny();
    this.observability = observability!;
    this.storageCluster = storageCluster!;
    this.zooKeeper = zooKeeper!;
    this.kafkaBackends = backends;
    this.operator = operator!;
    this.ingestionTiers = tiers;
    // Before any pod starts: its namespace's Secret and the topics it consumes (first-apply order).
    this.ingestionPrerequisites = new IngestionPrerequisites(this, 'ingestion-prerequisites', {
      topology, operator: this.operator, tiers, backends,
      interServerSecret: this.storageCluster.interServerSecretSource,
      interServerSecretVersion: this.storageCluster.interServerSecretVersion,
      migratorSecret: this.storageCluster.migratorSecretSource,
      migratorSecretVersion: this.storageCluster.migratorSecretVersion,
      podIdentity,
      alsoBefore: this.ingestionStorageClass ? [this.ingestionStorageClass.storageClass] : [],
    });
    // The runner's login (clickhouse_migrator): its password copied from AWS into the runner's namespace, before any migration.
    const runnerNamespace = Object.values(tiers)[0]?.installation.metadata.namespace ?? this.operator.watchNamespaces[0];
    this.schemaMigratorSecret = new KubernetesSecretFromAws(this, 'schema-migrator-secret', {
      name: SCHEMA_MIGRATOR_SECRET, namespace: runnerNamespace,
      keys: { password: { secret: this.storageCluster.migratorSecretSource } },
      values: { user: MIGRATOR_USER },
      dependsOn: [...(this.storageCluster.migratorSecretVersion ? [this.storageCluster.migratorSecretVersion] : []), ...this.operator.watchedNamespaceResources],
      labels: { 'app.kubernetes.io/part-of': 'clickhouse' },
    });
    if (evolution.migrations.length > 0) {
      const runner = new SchemaMigrationRunner(this, 'schema-migrations', {
        topology, migrations: evolution.migrations, previousLock: spec.regionLock?.current, namespace: runnerNamespace,
        credentials: { secretName: SCHEMA_MIGRATOR_SECRET, userKey: 'user', passwordKey: 'password' },
        dependsOn: [this.operator.release, this.schemaMigratorSecret.secret, ...this.operator.watchedNamespaceResources],
        afterRollout: Object.values(tiers).map((t) => t.release),
      });
      this.schemaMigrationRunner = runner;
      // Pods roll to the new config (and migrate at boot) once the storage hosts have the new tables and columns.
      for (const tier of Object.values(tiers)) tier.release.dependsOn = [...(tier.release.dependsOn ?? []), dependable(runner.storageJob)];
      this.extraArtifacts.push(...migrationArtifacts(evolution.migrations, { 'runner-storage.sh': runner.storageScriptText, 'runner.sh': runner.scriptText }));
    }
    this.extraArtifacts.push(regionLockArtifact(evolution.lock));

    // What operators wire by hand after a deploy (External Secrets, clients); static ids so `cdktf output` names stay put.
    if (this.storageCluster.interServerSecret !== undefined) {
      new TerraformOutput(this, 'interserver_secret_arn', {
        staticId: true,
        value: this.storageCluster.interServerSecret.arn,
        description: 'Secrets Manager secret with the cluster secret (the stack copies it into the ingestion namespace\'s Kubernetes Secret)',
      });
    }
    new TerraformOutput(this, 'hosted_zone_id', { staticId: true, value: hostedZoneId, description: `Private zone ${topology.dnsZone}` });
    for (const [name, backend] of Object.entries(this.kafkaBackends)) {
      new TerraformOutput(this, `kafka_bootstrap_${name}`, {
        staticId: true, value: backend.bootstrapBrokers, description: `Bootstrap brokers of backend ${name} (${backend.kind})`,
      });
    }

    this.policyPack = PolicyPack.apply(this, {
      topology,
      artifacts: () => this.renderArtifacts(),
      suppressions: spec.policySuppressions,
    });
    this.synthesizer = new ArtifactSynthesizer(this.synthesizer, this, spec.regionLock);
  }

  /** Whether this is a development region (safety defaults off). */
  public get development(): boolean {
    return this.spec.development === true;
  }

  /** NVMe instance-store devices per storage host, as the StorageCluster assembles them. */
  private raidDeviceCount(): number {
    const options = this.spec.storageClusterOptions ?? {};
    return options.instanceStoreDevices ?? instanceStoreDeviceCount(options.instanceType ?? 'i8ge.metal-48xl') ?? 0;
  }

  /**
   * Adds a file to this stack's `artifacts/` folder, e.g. a team's own runbook.
   * @param file path relative to `artifacts/`, and content
   */
  public addArtifact(file: RenderedFile): void {
    this.extraArtifacts.push({ path: file.path, content: file.content });
  }

  /**
   * The artifacts rendered from the model (everything except the Helm values, which are read
   * back from the synthesized Terraform). Pure: no file is written.
   * @param helmReleases paths of the Helm values files, listed in `topology.json`
   */
  public renderArtifacts(helmReleases: readonly string[] = []): RenderedFile[] {
    // The policy pack and the synthesizer both ask; the model's files are rendered once.
    this.modelArtifacts ??= this.renderModelArtifacts();
    const { files, sqlByRole, nodeGroupIndex } = this.modelArtifacts;
    return [
      ...files,
      renderTopologyJson(this.topology, { nodeGroups: nodeGroupIndex, sql: sqlByRole, helmValues: helmReleases }),
      ...this.extraArtifacts,
    ];
  }

  private renderModelArtifacts(): NonNullable<RegionStack['modelArtifacts']> {
    const topology = this.topology;
    const options = this.spec.clickhouse ?? {};
    const groups = nodeGroups(topology);
    // One folder per distinct node configuration: the storage hosts share one apart from their
    // macros, which go under clickhouse/data/hosts/<host>/; each ingestion tier has its own,
    // taken from its installation so the folder is exactly what the pods load.
    const clickhouse = groups.flatMap((g) => underFolder(`clickhouse/${g.name}`, g.kind === 'ingestion'
      ? Object.entries(this.ingestionTiers[g.role.value].installation.spec.configuration.files).map(([path, content]) => ({ path, content }))
      : [...renderNodeGroupConfig(topology, g, options), renderStartupScripts(topology, g.role)]));
    const macros = topology.storage.hosts.map((h) => {
      const file = renderHostMacros(topology, h, options);
      return { path: `clickhouse/${STORAGE_GROUP_NAME}/hosts/${h.name}/${file.path}`, content: file.content };
    });
    const sql = migrationFiles(topology);
    const sqlByRole: Record<string, string[]> = {};
    for (const f of sql) {
      const [, role, file] = f.path.split('/');
      (sqlByRole[role] ??= []).push(file);
    }
    const nodeGroupIndex = groups.map((g) => ({ name: g.name, roles: [g.role.value], hosts: g.hosts.map((h) => h.name) }));
    const files = [
      ...clickhouse,
      ...macros,
      ...sql,
      { path: 'zookeeper/zoo.cfg', content: this.zooKeeper.zooCfg },
      renderAnsibleInventory(topology, { raidVolumes: instanceStoreDevices(this.raidDeviceCount()) }),
      renderTopologyMarkdown(topology),
      ...this.observability.renderArtifacts(),
    ];
    return { files, sqlByRole, nodeGroupIndex };
  }
}

/**
 * Wraps a stack's synthesizer: after `cdk.tf.json` is written, writes `artifacts/` beside it. The
 * folder is built in a temporary sibling and swapped in whole, so a failure never leaves a
 * half-written or stale mix; `cdktf synth`, `app.synth()` and `Testing.fullSynth` all go through here.
 */
class ArtifactSynthesizer implements IStackSynthesizer {
  constructor(private readonly inner: IStackSynthesizer, private readonly stack: RegionStack, private readonly lock?: RegionLockFile) {}

  public synthesize(session: ISynthesisSession): void {
    this.inner.synthesize(session);
    const stackManifest = session.manifest.forStack(this.stack);
    const config = JSON.parse(fs.readFileSync(path.join(session.outdir, stackManifest.synthesizedStackPath), 'utf8'));
    const helm = helmValuesArtifacts(config);
    const files = assembleArtifacts([...this.stack.renderArtifacts(helm.map((f) => f.path)), ...helm]);
    writeFolder(path.join(session.outdir, stackManifest.workingDirectory, ARTIFACTS_DIR), files);
    // The committed lock last: only a synth that wrote everything updates it.
    this.lock?.write(this.stack.evolution.lock);
  }
}

/** Kubernetes client credentials from the AWS CLI, fetched whenever the provider needs them. */
export function eksTokenExec(clusterName: string, region: string): { apiVersion: string; command: string; args: string[] } {
  return { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', clusterName, '--region', region] };
}

/**
 * Builds a construct; if it rejects its props, adds its problems under the RegionSpec field that
 * holds the option (`storageClusterOptions.instanceType`, not `storage.instanceType`) and returns
 * undefined. Fields that are not the user's options (derived from the region) keep their name.
 */
function collectProblems<T>(problems: Problems, optionsField: string, options: object, ownPrefix: RegExp | undefined, build: () => T): T | undefined {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    for (const p of e.problems) {
      const field = ownPrefix ? p.field.replace(ownPrefix, '') : p.field;
      const head = field.split(/[.[]/)[0];
      problems.add(Object.prototype.hasOwnProperty.call(options, head) ? `${optionsField}.${field}` : p.field, p.value, p.expected);
    }
    return undefined;
  }
}

function writeFolder(dir: string, files: readonly RenderedFile[]): void {
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const made = new Set<string>();
    for (const f of files) {
      const target = path.join(staging, ...f.path.split('/'));
      const parent = path.dirname(target);
      // Each folder once: hundreds of files share a few dozen folders.
      if (!made.has(parent)) fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
      fs.writeFileSync(target, f.content);
    }
    fs.mkdirSync(staging, { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
