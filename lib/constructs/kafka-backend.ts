import { Annotations, Fn, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsMskBootstrapBrokers } from '@cdktf/provider-aws/lib/data-aws-msk-bootstrap-brokers';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { MskCluster } from '@cdktf/provider-aws/lib/msk-cluster';
import { MskConfiguration } from '@cdktf/provider-aws/lib/msk-configuration';
import { MskScramSecretAssociation } from '@cdktf/provider-aws/lib/msk-scram-secret-association';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { Release } from '@cdktf/provider-helm/lib/release';
import { BootSecret } from '../cloud-init/boot-secrets';
import { checkPrivateCidrs, checkSecurityGroupIds } from '../cloud-init/ec2-host';
import { EphemeralResource } from './ephemeral-resource';
import { KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { LiteralText } from './literal-text';
import { scramCredentialEnv } from '../clickhouse/named-collections';
import { warpStreamAgentValues, warpStreamBootstrap, WARPSTREAM_CHART } from '../kubernetes/warpstream';
import { toHelmValuesYaml } from '../kubernetes/yaml';
import { kebab } from '../model/names';
import { KafkaAuth, KafkaBackendKind } from '../model/spec';
import type { KafkaBackendModel, Topology } from '../model/topology';
import { Problems } from '../model/validation';
import type { AllowedSources } from './storage-cluster';

/** Encryption between clients and MSK brokers. */
export enum MskClientBrokerEncryption {
  /** TLS only (the default, and what SASL needs). */
  TLS = 'TLS',
  /** Both TLS and plaintext listeners. */
  TLS_PLAINTEXT = 'TLS_PLAINTEXT',
  /** Plaintext only: no SASL possible; local experiments only. */
  PLAINTEXT = 'PLAINTEXT',
}

/** The librdkafka settings a named collection carries for each way of authenticating. */
const NAMED_COLLECTION_SETTINGS: Readonly<Record<KafkaAuth, Readonly<Record<string, string>>>> = {
  [KafkaAuth.PLAINTEXT]: {},
  [KafkaAuth.TLS]: { kafka_security_protocol: 'ssl' },
  [KafkaAuth.SASL_IAM]: { kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'AWS_MSK_IAM' },
  [KafkaAuth.SASL_SCRAM]: { kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'SCRAM-SHA-512' },
};

/** Props every backend shares: which backend of the topology it is. */
export interface KafkaBackendBaseProps {
  /** The region's topology (built once with `buildTopology`). */
  readonly topology: Topology;
  /** The backend's name in the topology: its named collection, e.g. `msk_cluster`. */
  readonly name: string;
}

export interface MskBackendProps extends KafkaBackendBaseProps {
  /** VPC of the brokers. */
  readonly vpcId: string;
  /** Two or three subnets in distinct availability zones. */
  readonly clientSubnetIds: readonly string[];
  /** Security groups of the ClickHouse nodes (and any other client); only they reach the brokers, on the auth mode's port. */
  readonly clientSecurityGroupIds: readonly string[];
  /**
   * Other clients let into the brokers' security group on the auth mode's port: security groups
   * and private CIDRs. One ingress rule each, added and removed in place (the cluster is
   * untouched); a literal id or CIDR names its rule, so adding one only adds a rule.
   * @default none
   */
  readonly allowedSources?: AllowedSources;
  /**
   * Security groups of your own attached to the brokers besides the library's (at most 4).
   * Fixed at creation: MSK has no API to change a cluster's security groups, so changing this
   * list later replaces the cluster and loses its data. A RegionStack records the list in the
   * region lock and refuses a change; let new clients in with `allowedSources` instead.
   * @default none
   */
  readonly additionalSecurityGroupIds?: readonly string[];
  /**
   * MSK cluster name.
   * @default `<region>-<backend name>` in kebab case
   */
  readonly clusterName?: string;
  /**
   * Kafka version (`aws kafka list-kafka-versions`).
   * @default '3.8.x'
   */
  readonly kafkaVersion?: string;
  /**
   * Broker instance type.
   * @default 'kafka.m7g.large'
   */
  readonly instanceType?: string;
  /**
   * Number of brokers: a multiple of the client subnets.
   * @default one per client subnet
   */
  readonly brokerCount?: number;
  /**
   * EBS storage per broker at creation, in GiB (1–16384). Autoscaling grows it afterwards.
   * @default 1000
   */
  readonly volumeSizeGiB?: number;
  /**
   * Upper bound of storage autoscaling per broker, in GiB.
   * @default 16384
   */
  readonly maxVolumeSizeGiB?: number;
  /**
   * Disk utilization that storage autoscaling keeps brokers under, in percent (10–80).
   * @default 60
   */
  readonly storageTargetUtilizationPercent?: number;
  /**
   * Client-broker encryption. SASL needs TLS.
   * @default MskClientBrokerEncryption.TLS
   */
  readonly clientBrokerEncryption?: MskClientBrokerEncryption;
  /**
   * Customer-managed KMS key for encryption at rest (and the SCRAM secret).
   * @default - a new key with rotation on
   */
  readonly encryptionKeyArn?: string;
  /**
   * Existing SCRAM secrets (names starting with `AmazonMSK_`, encrypted with a customer key). Only for SASL/SCRAM.
   * @default - one new secret with a generated password, never a literal
   */
  readonly scramSecretArns?: readonly string[];
  /**
   * Days broker logs are kept in CloudWatch.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Broker settings added to (or overriding) the library's defaults.
   * @default - replication factor 3 (or the broker count), min ISR one less, no topic auto-creation
   */
  readonly serverProperties?: Readonly<Record<string, string>>;
  /**
   * Protect the cluster and its key from `terraform destroy`.
   * @default true
   */
  readonly preventDestroy?: boolean;
}

export interface WarpStreamBackendProps extends KafkaBackendBaseProps {
  /** AWS region of the bucket, e.g. `us-east-1`. */
  readonly region: string;
  /** The WarpStream virtual cluster id, `vci_...`. */
  readonly virtualClusterId: string;
  /**
   * WarpStream control-plane region.
   * @default - the bucket's region
   */
  readonly controlPlaneRegion?: string;
  /** ARN of the EKS cluster's IAM OIDC provider (IRSA). */
  readonly oidcProviderArn: string;
  /** The EKS cluster's OIDC issuer URL (with or without `https://`). */
  readonly oidcIssuerUrl: string;
  /**
   * Kubernetes Secret (in the agents' namespace) holding the agent key; the library references it and never writes it.
   * @default 'warpstream-agent-key'
   */
  readonly agentKeySecretName?: string;
  /**
   * Key of the agent key inside that Secret.
   * @default 'agent-key'
   */
  readonly agentKeySecretKey?: string;
  /**
   * Secrets Manager secret (ARN) holding the agent key from WarpStream's console: the stack then
   * creates the agents' Secret from it (write-only, never in state) before the agents start.
   * @default - the platform provides the Secret `agentKeySecretName` (a warning says so)
   */
  readonly agentKeySecretArn?: string;
  /**
   * Namespace of the agents.
   * @default 'warpstream'
   */
  readonly namespace?: string;
  /**
   * Create the namespace.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Helm release name; also the agents' Service and ServiceAccount name.
   * @default the backend name in kebab case, prefixed with `warpstream-` unless it starts with it
   */
  readonly releaseName?: string;
  /**
   * Version of the warpstream-agent chart.
   * @default '1.0.82'
   */
  readonly chartVersion?: string;
  /**
   * Bucket name.
   * @default - generated from the prefix `warpstream-<region name>-`
   */
  readonly bucketName?: string;
  /**
   * CPUs requested per agent (whole numbers: GOMAXPROCS follows them).
   * @default 4
   */
  readonly cpu?: number;
  /**
   * Memory per agent, in GiB: at least 4 per CPU.
   * @default 16
   */
  readonly memoryGiB?: number;
  /**
   * Seconds an agent takes to shut down gracefully.
   * @default 300
   */
  readonly gracefulShutdownSeconds?: number;
  /**
   * Seconds Kubernetes waits before killing an agent: at least gracefulShutdownSeconds + 60.
   * @default 600
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Autoscaling bounds of the agents.
   * @default 3
   */
  readonly minReplicas?: number;
  /** @default 30 */
  readonly maxReplicas?: number;
  /**
   * Kubernetes cluster domain, for the bootstrap address.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * Protect the bucket from `terraform destroy` (deleting its `warpstream/` files bricks the cluster).
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * A Kafka backend ClickHouse consumes from: AWS MSK or WarpStream. Choose with
 * `KafkaBackend.msk(...)` or `KafkaBackend.warpStream(...)`. Each tells ClickHouse what it needs:
 * the named collection's name and settings, and the environment that carries the broker list.
 */
export abstract class KafkaBackend extends Construct {
  /** An MSK cluster with TLS, SASL/IAM (or SCRAM), KMS at rest, storage autoscaling and broker logs. */
  public static msk(scope: Construct, id: string, props: MskBackendProps): MskBackend {
    return new MskBackend(scope, id, props);
  }

  /** WarpStream agents on Kubernetes over an S3 bucket. */
  public static warpStream(scope: Construct, id: string, props: WarpStreamBackendProps): WarpStreamBackend {
    return new WarpStreamBackend(scope, id, props);
  }

  /** A backend managed elsewhere (another stack, a dev cluster): only its bootstrap brokers; creates nothing. */
  public static fromBootstrapBrokers(scope: Construct, id: string, props: ExternalKafkaBackendProps): KafkaBackend {
    return new ExternalKafkaBackend(scope, id, props);
  }

  /**
   * An MSK cluster that already exists (another stack, another team): its bootstrap brokers are
   * read at plan time; the library creates no broker, key, configuration or SCRAM secret.
   */
  public static fromMskCluster(scope: Construct, id: string, props: ExistingMskBackendProps): ExistingMskBackend {
    return new ExistingMskBackend(scope, id, props);
  }

  /** The backend's name: its named collection in ClickHouse. @attribute */
  public readonly backendName: string;
  public readonly kind: KafkaBackendKind;
  /** How ClickHouse authenticates to it. */
  public readonly auth: KafkaAuth;
  /** Environment variable that carries the broker list on ClickHouse nodes. */
  public readonly brokerListEnv: string;
  /** The backend as the topology model sees it. */
  public readonly model: KafkaBackendModel;

  /** `kind` undefined: whatever the topology declares. */
  protected constructor(scope: Construct, id: string, props: KafkaBackendBaseProps, kind: KafkaBackendKind | undefined, problems: Problems) {
    super(scope, id);
    LiteralText.applyTo(TerraformStack.of(this));
    const model = props.topology?.kafkaBackends?.find((b) => b.name === props.name);
    if (problems.check(model !== undefined, 'name', props.name,
      `a Kafka backend of the topology (${props.topology?.kafkaBackends?.map((b) => b.name).join(', ') || 'none declared'})`)) {
      if (kind !== undefined) {
        problems.check(model!.kind === kind, 'name', props.name, `a backend of kind ${kind} (the topology declares ${model!.kind})`);
      }
    }
    this.model = model ?? { name: props.name, kind: kind ?? KafkaBackendKind.MSK, auth: KafkaAuth.PLAINTEXT, brokerListEnv: '', topics: [] };
    this.backendName = this.model.name;
    this.kind = this.model.kind;
    this.auth = this.model.auth;
    this.brokerListEnv = this.model.brokerListEnv;
  }

  /** Bootstrap brokers (`host:port,...`) for the backend's auth mode. @attribute */
  public abstract get bootstrapBrokers(): string;

  /** ARN of the MSK cluster, when the backend is one (IAM policies of SASL/IAM clients name it). */
  public get mskClusterArn(): string | undefined {
    return undefined;
  }

  /** The secret clients read SASL/SCRAM credentials (`{"username", "password"}`) from, when the backend uses SCRAM. */
  public get scramCredentialsSecretArn(): string | undefined {
    return undefined;
  }

  /** Whether the stack creates this backend's declared topics (the topics Job). */
  public get createsTopics(): boolean {
    return true;
  }

  /**
   * IAM policy (JSON) that lets a ClickHouse node consume every topic of this MSK cluster through
   * SASL/IAM, and produce when `produce` is set (ShuffleHog). Attach it to the nodes' IRSA role.
   */
  public clientPolicyJson(produce = false): string {
    const arn = this.mskClusterArn;
    if (arn === undefined) throw new Error(`Kafka backend ${this.backendName} is not an MSK cluster: no IAM client policy`);
    const id = produce ? 'ClientPolicyProduce' : 'ClientPolicy';
    const existing = this.node.tryFindChild(id) as DataAwsIamPolicyDocument | undefined;
    if (existing !== undefined) return existing.json;
    const topicArn = Fn.join('', [Fn.replace(arn, ':cluster/', ':topic/'), '/*']);
    const groupArn = Fn.join('', [Fn.replace(arn, ':cluster/', ':group/'), '/*']);
    return new DataAwsIamPolicyDocument(this, id, {
      statement: [
        { sid: 'Cluster', actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [arn] },
        {
          sid: 'Topics',
          actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', ...(produce ? ['kafka-cluster:WriteData'] : [])],
          resources: [topicArn],
        },
        { sid: 'Groups', actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], resources: [groupArn] },
      ],
    }).json;
  }

  /** Settings of the backend's named collection besides the broker list (security protocol, SASL mechanism). */
  public get namedCollectionSettings(): Readonly<Record<string, string>> {
    return { ...NAMED_COLLECTION_SETTINGS[this.auth] };
  }

  /** Environment a ClickHouse node needs for this backend: the broker list variable and its value. */
  public get clickHouseEnvironment(): Readonly<Record<string, string>> {
    return { [this.brokerListEnv]: this.bootstrapBrokers };
  }

  /** Variables a ClickHouse node reads from a Kubernetes Secret for this backend (the SCRAM credentials), if any. */
  public get clickHouseSecretEnvironment(): readonly string[] {
    if (this.auth !== KafkaAuth.SASL_SCRAM) return [];
    const env = scramCredentialEnv(this.model);
    return [env.username, env.password];
  }
}

/** Ports of the MSK listeners by auth mode (research/backends.md §1.2). */
const MSK_PORTS: Readonly<Record<KafkaAuth, number>> = {
  [KafkaAuth.PLAINTEXT]: 9092,
  [KafkaAuth.TLS]: 9094,
  [KafkaAuth.SASL_SCRAM]: 9096,
  [KafkaAuth.SASL_IAM]: 9098,
};

/** A secret ARN as Secrets Manager spells it (a Terraform reference passes unchecked). */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** An MSK cluster ARN: `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`. */
const MSK_CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/([A-Za-z0-9-]{1,64})\/[A-Za-z0-9-]+$/;
const BOOTSTRAP_SERVERS = /^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/;

/** A security group id, or a Terraform reference to one. */
const SECURITY_GROUP_ID = /^(sg-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/;

/** Checks `allowedSources`: security group ids (or references) and private CIDRs, each once. */
function checkAllowedSources(problems: Problems, allowed: AllowedSources | undefined): void {
  if (allowed === undefined) return;
  if (!problems.check(allowed !== null && typeof allowed === 'object', 'allowedSources', allowed, '{ securityGroupIds?, cidrs? }')) return;
  const groups = allowed.securityGroupIds ?? [];
  const cidrs = allowed.cidrs ?? [];
  if (problems.check(Array.isArray(groups), 'allowedSources.securityGroupIds', groups, 'a list of security group ids')) {
    groups.forEach((sg, i) => problems.check(typeof sg === 'string' && SECURITY_GROUP_ID.test(sg), `allowedSources.securityGroupIds[${i}]`, sg,
      'a security group id such as sg-0123456789abcdef0'));
    problems.check(new Set(groups).size === groups.length, 'allowedSources.securityGroupIds', groups, 'distinct security group ids');
  }
  if (problems.check(Array.isArray(cidrs), 'allowedSources.cidrs', cidrs, 'a list of private CIDRs')) {
    checkPrivateCidrs(problems, 'allowedSources.cidrs', cidrs);
    problems.check(new Set(cidrs).size === cidrs.length, 'allowedSources.cidrs', cidrs, 'distinct CIDRs');
  }
}

/**
 * One ingress rule per allowed source on the brokers' port. A literal id or CIDR names its rule,
 * so adding, removing or reordering sources touches only their own rules; references (tokens)
 * are numbered in their order.
 */
function allowIngress(scope: Construct, securityGroupId: string, port: number, auth: KafkaAuth, allowed: AllowedSources | undefined): VpcSecurityGroupIngressRule[] {
  const rules: VpcSecurityGroupIngressRule[] = [];
  let references = 0;
  for (const source of allowed?.securityGroupIds ?? []) {
    const id = Token.isUnresolved(source) ? `AllowedIngressRef${references++}` : `AllowedIngress-${source}`;
    rules.push(new VpcSecurityGroupIngressRule(scope, id, {
      securityGroupId, referencedSecurityGroupId: source, ipProtocol: 'tcp', fromPort: port, toPort: port,
      description: `Kafka (${auth}) from an allowed security group`,
    }));
  }
  for (const cidr of allowed?.cidrs ?? []) {
    rules.push(new VpcSecurityGroupIngressRule(scope, `AllowedIngress-${cidr.replace(/[^0-9]/g, '_')}`, {
      securityGroupId, cidrIpv4: cidr, ipProtocol: 'tcp', fromPort: port, toPort: port,
      description: `Kafka (${auth}) from ${cidr}`,
    }));
  }
  return rules;
}

/** Props every backend the stack does not create shares: SCRAM credentials and whether to create the topics. */
export interface UnmanagedKafkaBackendProps extends KafkaBackendBaseProps {
  /**
   * Secrets Manager secret holding the SASL/SCRAM credentials (`{"username", "password"}`) the
   * ClickHouse pods and the topics Job log in with, by ARN: the stack copies it write-only into
   * Kubernetes Secrets, so no password reaches the synthesized files. Only for SASL/SCRAM.
   * @default - none: required for SASL/SCRAM in a RegionStack and for an existing MSK cluster; elsewhere the topics Job needs `KafkaTopicsProps.scramCredentials`
   */
  readonly scramCredentialsSecretArn?: string;
  /**
   * Create the backend's declared topics with the topics Job (partitions and retention from the
   * topology). Off when the Kafka's owners create topics themselves: they must exist before the
   * ingestion pods start.
   * @default true
   */
  readonly createTopics?: boolean;
}

export interface ExternalKafkaBackendProps extends UnmanagedKafkaBackendProps {
  /** `host:port,...` for the backend's auth mode (a Terraform reference is fine). */
  readonly bootstrapBrokers: string;
}

/** Checks what every unmanaged backend shares; `scramRequired`: SCRAM needs its credentials by ARN. */
function checkUnmanaged(problems: Problems, auth: KafkaAuth, props: UnmanagedKafkaBackendProps, scramRequired: boolean): void {
  const arn = props.scramCredentialsSecretArn;
  if (auth === KafkaAuth.SASL_SCRAM && (scramRequired || arn !== undefined)) {
    problems.check(typeof arn === 'string' && (Token.isUnresolved(arn) || SECRET_ARN.test(arn)), 'scramCredentialsSecretArn', arn,
      'a Secrets Manager secret ARN holding {"username", "password"}: a SASL/SCRAM backend\'s clients log in with it');
  } else if (auth !== KafkaAuth.SASL_SCRAM) {
    problems.check(arn === undefined, 'scramCredentialsSecretArn', arn, 'nothing unless the backend authenticates with SASL/SCRAM');
  }
  if (props.createTopics !== undefined) problems.check(typeof props.createTopics === 'boolean', 'createTopics', props.createTopics, 'true or false');
}

/** A backend this stack does not manage. Use `KafkaBackend.fromBootstrapBrokers(...)`. */
class ExternalKafkaBackend extends KafkaBackend {
  private readonly brokers: string;
  private readonly scram?: string;
  private readonly topics: boolean;

  constructor(scope: Construct, id: string, props: ExternalKafkaBackendProps) {
    const problems = new Problems();
    super(scope, id, props, undefined, problems);
    const brokers = props.bootstrapBrokers;
    problems.check(typeof brokers === 'string' && (Token.isUnresolved(brokers) || BOOTSTRAP_SERVERS.test(brokers)),
      'bootstrapBrokers', brokers, 'host:port[,host:port...]');
    // Without the ARN, the topics Job takes `KafkaTopicsProps.scramCredentials` and the platform provides the pods' Secret.
    checkUnmanaged(problems, this.auth, props, false);
    problems.throwIfAny(`Kafka backend ${props.name}`);
    this.brokers = brokers;
    this.scram = props.scramCredentialsSecretArn;
    this.topics = props.createTopics ?? true;
  }

  public get bootstrapBrokers(): string {
    return this.brokers;
  }

  public get scramCredentialsSecretArn(): string | undefined {
    return this.scram;
  }

  public get createsTopics(): boolean {
    return this.topics;
  }
}

export interface ExistingMskBackendProps extends UnmanagedKafkaBackendProps {
  /** ARN of the existing MSK cluster (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`). */
  readonly clusterArn: string;
  /**
   * Security group of the cluster's brokers: the stack adds one ingress rule per client security
   * group on the auth mode's port. Without it the brokers' security groups are the cluster
   * owner's, who must let the ClickHouse nodes in.
   * @default - no rule is added
   */
  readonly brokerSecurityGroupId?: string;
  /**
   * Security groups of the clients (the ClickHouse nodes) that `brokerSecurityGroupId` lets in.
   * @default none
   */
  readonly clientSecurityGroupIds?: readonly string[];
  /**
   * Other clients `brokerSecurityGroupId` lets in on the auth mode's port: security groups and
   * private CIDRs, one ingress rule each (needs `brokerSecurityGroupId`).
   * @default none
   */
  readonly allowedSources?: AllowedSources;
}

/**
 * An MSK cluster managed elsewhere. Use `KafkaBackend.fromMskCluster(...)`. Its bootstrap brokers
 * for the topology's auth mode come from the `aws_msk_bootstrap_brokers` data source; SASL/IAM
 * clients get policies naming `clusterArn`; SASL/SCRAM clients read `scramCredentialsSecretArn`,
 * which the cluster owner has associated with the cluster.
 */
export class ExistingMskBackend extends KafkaBackend {
  /** The bootstrap brokers, read at plan time (escape hatch). */
  public readonly brokers: DataAwsMskBootstrapBrokers;
  /** @attribute */
  public readonly clusterArn: string;
  /** The port clients connect to for the auth mode. */
  public readonly clientPort: number;
  private readonly scram?: string;
  private readonly topics: boolean;

  constructor(scope: Construct, id: string, props: ExistingMskBackendProps) {
    const problems = new Problems();
    super(scope, id, props, KafkaBackendKind.MSK, problems);
    const arn = props.clusterArn;
    problems.check(typeof arn === 'string' && (Token.isUnresolved(arn) || MSK_CLUSTER_ARN.test(arn)), 'clusterArn', arn,
      'an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)');
    checkUnmanaged(problems, this.auth, props, true);
    const clients = props.clientSecurityGroupIds ?? [];
    if (props.brokerSecurityGroupId !== undefined) {
      problems.check(Token.isUnresolved(props.brokerSecurityGroupId) || /^sg-[0-9a-f]{8,17}$/.test(props.brokerSecurityGroupId),
        'brokerSecurityGroupId', props.brokerSecurityGroupId, 'a security group id such as sg-0a1b2c3d4e5f60718');
      problems.check(clients.length >= 1, 'clientSecurityGroupIds', clients, 'at least one client security group to let in');
    }
    checkAllowedSources(problems, props.allowedSources);
    if (props.allowedSources !== undefined) {
      problems.check(props.brokerSecurityGroupId !== undefined, 'allowedSources', props.allowedSources,
        'nothing without brokerSecurityGroupId: the brokers\' security group they are let into');
    }
    problems.throwIfAny(`MSK backend ${props.name}`);
    this.clusterArn = arn;
    this.scram = props.scramCredentialsSecretArn;
    this.topics = props.createTopics ?? true;
    this.clientPort = MSK_PORTS[this.auth];
    this.brokers = new DataAwsMskBootstrapBrokers(this, 'BootstrapBrokers', { clusterArn: arn });
    if (props.brokerSecurityGroupId !== undefined) {
      clients.forEach((sg, i) => new VpcSecurityGroupIngressRule(this, `ClientIngress${i}`, {
        securityGroupId: props.brokerSecurityGroupId!,
        referencedSecurityGroupId: sg,
        ipProtocol: 'tcp',
        fromPort: this.clientPort,
        toPort: this.clientPort,
        description: `Kafka (${this.auth}) from ClickHouse nodes`,
      }));
      allowIngress(this, props.brokerSecurityGroupId, this.clientPort, this.auth, props.allowedSources);
    }
  }

  public get bootstrapBrokers(): string {
    switch (this.auth) {
      case KafkaAuth.SASL_IAM: return this.brokers.bootstrapBrokersSaslIam;
      case KafkaAuth.SASL_SCRAM: return this.brokers.bootstrapBrokersSaslScram;
      case KafkaAuth.TLS: return this.brokers.bootstrapBrokersTls;
      default: return this.brokers.bootstrapBrokers;
    }
  }

  public get mskClusterArn(): string {
    return this.clusterArn;
  }

  public get scramCredentialsSecretArn(): string | undefined {
    return this.scram;
  }

  public get createsTopics(): boolean {
    return this.topics;
  }
}

/** AWS MSK (provisioned). Use `KafkaBackend.msk(...)`. */
export class MskBackend extends KafkaBackend {
  /** The MSK cluster (escape hatch). */
  public readonly cluster: MskCluster;
  public readonly configuration: MskConfiguration;
  public readonly securityGroup: SecurityGroup;
  public readonly logGroup: CloudwatchLogGroup;
  /** KMS key for encryption at rest, when the library created it. */
  public readonly encryptionKey?: KmsKey;
  /** SCRAM secret, when the library created it. */
  public readonly scramSecret?: SecretsmanagerSecret;
  /** SCRAM credentials: the secret the library created, else the first of `scramSecretArns`. */
  private readonly scramCredentials?: string;
  /** The association that lets the SCRAM credentials log in; clients authenticate only after it. */
  public readonly scramSecretAssociation?: MskScramSecretAssociation;
  public readonly storageScalingTarget: AppautoscalingTarget;
  /** The port clients connect to for the auth mode. */
  public readonly clientPort: number;
  /** @attribute */
  public readonly clusterName: string;

  constructor(scope: Construct, id: string, props: MskBackendProps) {
    const problems = new Problems();
    super(scope, id, props, KafkaBackendKind.MSK, problems);
    const p = { ...props };
    const subnets = [...(p.clientSubnetIds ?? [])];
    const clientSgs = [...(p.clientSecurityGroupIds ?? [])];
    const clusterName = p.clusterName ?? kebab(`${p.topology?.name ?? 'region'}-${p.name}`);
    const kafkaVersion = p.kafkaVersion ?? '3.8.x';
    const instanceType = p.instanceType ?? 'kafka.m7g.large';
    const brokerCount = p.brokerCount ?? subnets.length;
    const volumeSize = p.volumeSizeGiB ?? 1000;
    const maxVolumeSize = p.maxVolumeSizeGiB ?? 16384;
    const target = p.storageTargetUtilizationPercent ?? 60;
    const encryption = p.clientBrokerEncryption ?? MskClientBrokerEncryption.TLS;
    const preventDestroy = p.preventDestroy ?? true;

    problems.check(/^[a-zA-Z0-9-]{1,64}$/.test(clusterName), 'clusterName', clusterName, 'letters, digits and - (at most 64)');
    problems.check(/^\d+\.\d+\.(\d+|x)(\.[a-z]+)?$/.test(kafkaVersion), 'kafkaVersion', kafkaVersion, 'an MSK Kafka version such as 3.8.x');
    problems.check(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceType), 'instanceType', instanceType, 'an MSK broker type such as kafka.m7g.large');
    const subnetsOk = problems.check(subnets.length >= 2 && subnets.length <= 3, 'clientSubnetIds', subnets,
      'two or three subnets in distinct availability zones');
    const literalSubnets = subnets.filter((s) => !Token.isUnresolved(s));
    problems.check(new Set(literalSubnets).size === literalSubnets.length, 'clientSubnetIds', subnets, 'distinct subnets (one per availability zone)');
    if (problems.count('brokerCount', brokerCount, 1, 60) && subnetsOk) {
      problems.check(brokerCount % subnets.length === 0, 'brokerCount', brokerCount,
        `a multiple of the ${subnets.length} client subnets: MSK places the same number of brokers in each zone`);
    }
    const volumeOk = problems.count('volumeSizeGiB', volumeSize, 1, 16384);
    if (problems.count('maxVolumeSizeGiB', maxVolumeSize, 1, 16384) && volumeOk) {
      problems.check(maxVolumeSize >= volumeSize, 'maxVolumeSizeGiB', maxVolumeSize, `at least volumeSizeGiB (${volumeSize})`);
    }
    problems.count('storageTargetUtilizationPercent', target, 10, 80);
    problems.check(clientSgs.length >= 1, 'clientSecurityGroupIds', clientSgs,
      'at least one security group of the ClickHouse nodes: no one else may reach the brokers');
    checkAllowedSources(problems, p.allowedSources);
    checkSecurityGroupIds(problems, 'additionalSecurityGroupIds', p.additionalSecurityGroupIds, SECURITY_GROUP_ID);
    problems.check(Object.values(MskClientBrokerEncryption).includes(encryption), 'clientBrokerEncryption', encryption,
      `one of ${Object.values(MskClientBrokerEncryption).join(', ')}`);
    const sasl = this.auth === KafkaAuth.SASL_IAM || this.auth === KafkaAuth.SASL_SCRAM;
    if (sasl || this.auth === KafkaAuth.TLS) {
      problems.check(encryption !== MskClientBrokerEncryption.PLAINTEXT, 'clientBrokerEncryption', encryption,
        `TLS or TLS_PLAINTEXT: ${sasl ? 'SASL needs TLS in transit' : 'TLS auth needs a TLS listener'}`);
    } else {
      problems.check(encryption !== MskClientBrokerEncryption.TLS, 'clientBrokerEncryption', encryption,
        'PLAINTEXT or TLS_PLAINTEXT for a plaintext backend (or choose TLS or SASL auth in the topology)');
    }
    if (p.scramSecretArns !== undefined) {
      problems.check(this.auth === KafkaAuth.SASL_SCRAM, 'scramSecretArns', p.scramSecretArns, 'nothing unless the backend authenticates with SASL/SCRAM');
      problems.check(p.scramSecretArns.length >= 1, 'scramSecretArns', p.scramSecretArns, 'at least one secret ARN');
      p.scramSecretArns.filter((a) => !Token.isUnresolved(a)).forEach((arn) => problems.check(/:secret:AmazonMSK_/.test(arn),
        'scramSecretArns', arn, 'a Secrets Manager ARN whose name starts with AmazonMSK_ (MSK accepts no other)'));
    }
    problems.count('logRetentionDays', p.logRetentionDays ?? 30, 1, 3653);
    for (const key of Object.keys(p.serverProperties ?? {})) {
      problems.check(/^[a-z0-9.]+$/.test(key), `serverProperties.${key}`, key, 'a Kafka broker property name');
    }
    problems.throwIfAny(`MSK backend ${props.name}`);

    this.clusterName = clusterName;
    this.clientPort = MSK_PORTS[this.auth];

    let keyArn = p.encryptionKeyArn;
    if (keyArn === undefined) {
      this.encryptionKey = new KmsKey(this, 'Key', {
        description: `MSK ${clusterName}: data at rest and SCRAM secrets`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        lifecycle: { preventDestroy },
      });
      keyArn = this.encryptionKey.arn;
    }

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      namePrefix: `${clusterName}-`,
      description: `MSK ${clusterName}: Kafka clients on port ${this.clientPort} only`,
      vpcId: p.vpcId,
      lifecycle: { createBeforeDestroy: true },
    });
    clientSgs.forEach((sg, i) => new VpcSecurityGroupIngressRule(this, `ClientIngress${i}`, {
      securityGroupId: this.securityGroup.id,
      referencedSecurityGroupId: sg,
      ipProtocol: 'tcp',
      fromPort: this.clientPort,
      toPort: this.clientPort,
      description: `Kafka (${this.auth}) from ClickHouse nodes`,
    }));
    allowIngress(this, this.securityGroup.id, this.clientPort, this.auth, p.allowedSources);

    this.logGroup = new CloudwatchLogGroup(this, 'BrokerLogs', {
      name: `/aws/msk/${clusterName}`,
      retentionInDays: p.logRetentionDays ?? 30,
    });

    const replication = Math.min(3, brokerCount);
    const properties: Record<string, string> = {
      'auto.create.topics.enable': 'false',
      'default.replication.factor': String(replication),
      'min.insync.replicas': String(Math.max(1, replication - 1)),
      'unclean.leader.election.enable': 'false',
      ...(p.serverProperties ?? {}),
    };
    // The name carries the version: an upgrade creates a new configuration before the old one,
    // still in use by the cluster, is destroyed (otherwise ConflictException).
    this.configuration = new MskConfiguration(this, 'Configuration', {
      name: `${clusterName}-${kafkaVersion.replace(/\./g, '-')}`,
      kafkaVersions: [kafkaVersion],
      serverProperties: Object.keys(properties).sort().map((k) => `${k}=${properties[k]}`).join('\n') + '\n',
      lifecycle: { createBeforeDestroy: true },
    });

    this.cluster = new MskCluster(this, 'Cluster', {
      clusterName,
      kafkaVersion,
      numberOfBrokerNodes: brokerCount,
      brokerNodeGroupInfo: {
        clientSubnets: subnets,
        instanceType,
        // Sorted: the order of the user's list never changes the cluster (a change of the set replaces it).
        securityGroups: [this.securityGroup.id, ...[...(p.additionalSecurityGroupIds ?? [])].sort()],
        storageInfo: { ebsStorageInfo: { volumeSize } },
      },
      clientAuthentication: this.auth === KafkaAuth.SASL_IAM ? { sasl: { iam: true } }
        : this.auth === KafkaAuth.SASL_SCRAM ? { sasl: { scram: true } }
          : { unauthenticated: true },
      encryptionInfo: {
        encryptionAtRestKmsKeyArn: keyArn,
        encryptionInTransit: { clientBroker: encryption, inCluster: true },
      },
      configurationInfo: { arn: this.configuration.arn, revision: this.configuration.latestRevision },
      enhancedMonitoring: 'PER_BROKER',
      loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: this.logGroup.name } } },
      lifecycle: {
        preventDestroy,
        // Storage autoscaling grows the volume; without this Terraform would try to shrink it back.
        ignoreChanges: ['broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size'],
      },
    });

    this.storageScalingTarget = new AppautoscalingTarget(this, 'StorageScalingTarget', {
      serviceNamespace: 'kafka',
      scalableDimension: 'kafka:broker-storage:VolumeSize',
      resourceId: this.cluster.arn,
      minCapacity: volumeSize,
      maxCapacity: maxVolumeSize,
    });
    new AppautoscalingPolicy(this, 'StorageScalingPolicy', {
      name: `${clusterName}-broker-storage`,
      policyType: 'TargetTrackingScaling',
      serviceNamespace: this.storageScalingTarget.serviceNamespace,
      scalableDimension: this.storageScalingTarget.scalableDimension,
      resourceId: this.storageScalingTarget.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: target,
        // MSK storage only grows.
        disableScaleIn: true,
        predefinedMetricSpecification: { predefinedMetricType: 'KafkaBrokerStorageUtilization' },
      },
    });

    if (this.auth === KafkaAuth.SASL_SCRAM) {
      let secretArns = p.scramSecretArns !== undefined ? [...p.scramSecretArns] : undefined;
      let dependsOn: SecretsmanagerSecretVersion[] = [];
      if (secretArns === undefined) {
        this.scramSecret = new SecretsmanagerSecret(this, 'ScramSecret', {
          name: `AmazonMSK_${clusterName}_clickhouse`,
          description: `SASL/SCRAM credentials ClickHouse uses for MSK ${clusterName}`,
          kmsKeyId: keyArn,
          lifecycle: { preventDestroy },
        });
        // Generated ephemerally and written write-only: the value reaches Secrets Manager but neither
        // the plan nor the state, and later plans change nothing until the version is bumped.
        const password = new EphemeralResource(this, 'ScramPassword', {
          type: 'aws_secretsmanager_random_password', config: { password_length: 40, exclude_punctuation: true },
        });
        const version = new SecretsmanagerSecretVersion(this, 'ScramSecretValue', {
          secretId: this.scramSecret.id,
          secretStringWo: Fn.jsonencode({ username: 'clickhouse', password: password.getString('random_password') }),
          secretStringWoVersion: 1,
        });
        secretArns = [this.scramSecret.arn];
        dependsOn = [version];
      }
      this.scramCredentials = secretArns[0];
      this.scramSecretAssociation = new MskScramSecretAssociation(this, 'ScramSecretAssociation', {
        clusterArn: this.cluster.arn,
        secretArnList: secretArns,
        dependsOn,
      });
    }
  }

  public get bootstrapBrokers(): string {
    switch (this.auth) {
      case KafkaAuth.SASL_IAM: return this.cluster.bootstrapBrokersSaslIam;
      case KafkaAuth.SASL_SCRAM: return this.cluster.bootstrapBrokersSaslScram;
      case KafkaAuth.TLS: return this.cluster.bootstrapBrokersTls;
      default: return this.cluster.bootstrapBrokers;
    }
  }

  public get mskClusterArn(): string {
    return this.cluster.arn;
  }

  public get scramCredentialsSecretArn(): string | undefined {
    return this.scramCredentials;
  }
}

/** WarpStream agents on Kubernetes over S3. Use `KafkaBackend.warpStream(...)`. */
export class WarpStreamBackend extends KafkaBackend {
  /** The agents' Helm release (escape hatch). */
  public readonly release: Release;
  public readonly bucket: S3Bucket;
  /** IRSA role of the agents, limited to the bucket. */
  public readonly role: IamRole;
  public readonly namespace: string;
  public readonly releaseName: string;
  /** The agents' Helm values as YAML (references to the bucket and role as Terraform expressions). */
  public readonly valuesYaml: string;
  /** The agents' key Secret, when created from `agentKeySecretArn`. */
  public readonly agentKeySecret?: KubernetesSecretFromAws;
  private readonly bootstrap: string;

  constructor(scope: Construct, id: string, props: WarpStreamBackendProps) {
    const problems = new Problems();
    super(scope, id, props, KafkaBackendKind.WARPSTREAM, problems);
    const p = { ...props };
    const namespace = p.namespace ?? 'warpstream';
    const releaseName = p.releaseName ?? (kebab(p.name ?? '').startsWith('warpstream') ? kebab(p.name ?? '') : `warpstream-${kebab(p.name ?? '')}`);
    problems.check(/^[a-z]{2}(-[a-z]+)+-\d$/.test(p.region ?? ''), 'region', p.region, 'an AWS region such as us-east-1');
    problems.check(typeof p.oidcProviderArn === 'string' && p.oidcProviderArn !== '', 'oidcProviderArn', p.oidcProviderArn,
      'the EKS cluster\'s IAM OIDC provider ARN (the agents reach S3 through IRSA, not keys)');
    problems.check(typeof p.oidcIssuerUrl === 'string' && p.oidcIssuerUrl !== '', 'oidcIssuerUrl', p.oidcIssuerUrl, 'the EKS cluster\'s OIDC issuer URL');
    problems.check(this.auth === KafkaAuth.PLAINTEXT || this.auth === KafkaAuth.TLS, 'auth', this.auth,
      'plaintext or tls: the agents inside the cluster network take no SASL from this library');
    if (p.bucketName !== undefined && !Token.isUnresolved(p.bucketName)) {
      problems.check(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(p.bucketName), 'bucketName', p.bucketName, 'an S3 bucket name');
    }
    if (p.agentKeySecretArn !== undefined && !Token.isUnresolved(p.agentKeySecretArn)) {
      problems.check(SECRET_ARN.test(p.agentKeySecretArn), 'agentKeySecretArn',
        p.agentKeySecretArn, 'a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)');
    }
    // Validates the Helm side before any resource exists; rebuilt below with the real references.
    const agentInput = {
      releaseName, namespace,
      virtualClusterId: p.virtualClusterId,
      controlPlaneRegion: p.controlPlaneRegion ?? p.region,
      bucketUrl: 's3://bucket',
      agentKeySecretName: p.agentKeySecretName ?? 'warpstream-agent-key',
      agentKeySecretKey: p.agentKeySecretKey ?? 'agent-key',
      roleArn: 'arn',
      cpu: p.cpu ?? 4,
      memoryGiB: p.memoryGiB ?? 16,
      gracefulShutdownSeconds: p.gracefulShutdownSeconds ?? 300,
      terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? 600,
      minReplicas: p.minReplicas ?? 3,
      maxReplicas: p.maxReplicas ?? 30,
      zoneTopologyKey: 'topology.kubernetes.io/zone',
    };
    try {
      warpStreamAgentValues(agentInput);
    } catch (e) {
      const inner = (e as { problems?: readonly { field: string; value: unknown; expected: string }[] }).problems;
      if (inner === undefined) throw e;
      inner.forEach((x) => problems.add(x.field, x.value, x.expected));
    }
    problems.throwIfAny(`WarpStream backend ${props.name}`);

    this.namespace = namespace;
    this.releaseName = releaseName;
    const preventDestroy = p.preventDestroy ?? true;
    const ns = (p.createNamespace ?? true)
      ? new NamespaceV1(this, 'Namespace', { metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'warpstream' } } }).metadata.name
      : namespace;
    if (p.agentKeySecretArn !== undefined) {
      this.agentKeySecret = new KubernetesSecretFromAws(this, 'AgentKey', {
        name: agentInput.agentKeySecretName,
        namespace: ns,
        keys: { [agentInput.agentKeySecretKey]: { secret: BootSecret.fromSecretsManager(p.agentKeySecretArn) } },
        labels: { 'app.kubernetes.io/part-of': 'warpstream' },
      });
    } else {
      Annotations.of(this).addWarning(`WarpStream backend ${p.name}: no agentKeySecretArn, so the Secret ${agentInput.agentKeySecretName} `
        + `must exist in namespace ${namespace} before the agents start`);
    }

    this.bucket = new S3Bucket(this, 'Bucket', {
      ...(p.bucketName !== undefined ? { bucket: p.bucketName } : { bucketPrefix: `warpstream-${kebab(p.topology.name)}-`.slice(0, 37) }),
      forceDestroy: false,
      lifecycle: { preventDestroy },
    });
    new S3BucketPublicAccessBlock(this, 'BucketPublicAccessBlock', {
      bucket: this.bucket.id,
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'BucketOwnership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'BucketEncryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    // WarpStream manages the lifecycle of its files: no expiration, only abandoned uploads are cleaned.
    new S3BucketLifecycleConfiguration(this, 'BucketLifecycle', {
      bucket: this.bucket.id,
      rule: [{
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      }],
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, 'BucketTlsOnly', {
      statement: [{
        sid: 'DenyInsecureTransport',
        effect: 'Deny',
        actions: ['s3:*'],
        principals: [{ type: '*', identifiers: ['*'] }],
        resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      }],
    });
    new S3BucketPolicy(this, 'BucketPolicy', { bucket: this.bucket.id, policy: tlsOnly.json });

    const trust = irsaTrustPolicy(this, 'AgentTrust', {
      oidcProviderArn: p.oidcProviderArn, oidcIssuerUrl: p.oidcIssuerUrl, namespace, serviceAccountName: releaseName,
    });
    this.role = new IamRole(this, 'AgentRole', {
      namePrefix: `${releaseName}-`.slice(0, 38),
      description: `WarpStream agents ${releaseName}: their bucket only`,
      assumeRolePolicy: trust.json,
    });
    const access = new DataAwsIamPolicyDocument(this, 'AgentBucketAccess', {
      statement: [
        { sid: 'List', actions: ['s3:ListBucket'], resources: [this.bucket.arn] },
        { sid: 'Objects', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [`${this.bucket.arn}/*`] },
      ],
    });
    const rolePolicy = new IamRolePolicy(this, 'AgentRolePolicy', {
      role: this.role.id,
      name: 'warpstream-bucket',
      policy: access.json,
    });

    const values = warpStreamAgentValues({
      ...agentInput,
      bucketUrl: `s3://${this.bucket.bucket}?region=${p.region}`,
      roleArn: this.role.arn,
    });
    this.valuesYaml = toHelmValuesYaml(values);
    this.release = new Release(this, 'Agents', {
      name: releaseName,
      namespace: ns,
      repository: WARPSTREAM_CHART.repository,
      chart: WARPSTREAM_CHART.chart,
      version: p.chartVersion ?? WARPSTREAM_CHART.version,
      values: [this.valuesYaml],
      maxHistory: 10,
      dependsOn: [rolePolicy, ...(this.agentKeySecret ? [this.agentKeySecret.secret] : [])],
    });
    this.bootstrap = warpStreamBootstrap(releaseName, namespace, p.clusterDomain ?? 'cluster.local');
  }

  /** The agents' Service on 9092. */
  public get bootstrapBrokers(): string {
    return this.bootstrap;
  }
}

/** Where a Kubernetes ServiceAccount assumes an IAM role from (IRSA). */
export interface IrsaTrust {
  readonly oidcProviderArn: string;
  /** The EKS cluster's OIDC issuer URL, with or without `https://` (a token is fine). */
  readonly oidcIssuerUrl: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
}

/**
 * Trust policy of an IRSA role: only the given ServiceAccount, through the cluster's OIDC provider.
 * Condition keys name the issuer without its scheme, so `https://` is stripped (also from a token).
 */
export function irsaTrustPolicy(scope: Construct, id: string, trust: IrsaTrust): DataAwsIamPolicyDocument {
  const issuer = Token.isUnresolved(trust.oidcIssuerUrl)
    ? Fn.replace(trust.oidcIssuerUrl, 'https://', '')
    : trust.oidcIssuerUrl.replace(/^https:\/\//, '');
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [{
      actions: ['sts:AssumeRoleWithWebIdentity'],
      principals: [{ type: 'Federated', identifiers: [trust.oidcProviderArn] }],
      condition: [
        { test: 'StringEquals', variable: `${issuer}:sub`, values: [`system:serviceaccount:${trust.namespace}:${trust.serviceAccountName}`] },
        { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
      ],
    }],
  });
}
