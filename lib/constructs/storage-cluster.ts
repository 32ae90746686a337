import { Construct } from 'constructs';
import { dependable, TerraformResourceLifecycle, TerraformStack } from 'cdktf';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { CLICKHOUSE_TABLE_EXPORTER_UNIT, tableExporterFiles } from '../observability/host-files';
import {
  ClickHouseConfigOptions, DEFAULT_COLD_ENDPOINT_ENV, EBS_MOUNT, INTERSERVER_HTTP_PASSWORD_ENV, INTERSERVER_HTTP_USER_ENV, MIGRATOR_PASSWORD_ENV, MIGRATOR_USER,
  NVME_MOUNT, nodeGroups,  renderHostMacros, renderNodeGroupConfig, requiredEnvironment, storageDirectories,
} from '../clickhouse';
import { ClickHouseExtraConfig, renderExtraConfig } from '../clickhouse/extra-config';
import {
  Architecture, BootSecret, BootSecretBinding, checkInstanceImage, checkSecurityGroupIds, checkPrivateCidrs, checkRemovalPolicy, checkStorageHostUserData,
  DEFAULT_CLICKHOUSE_VERSION, instanceArchitecture, instanceStoreDeviceCount, MachineImage, regionOfZone, RemovalPolicy, renderStorageHostUserData,
  STORAGE_INSTANCE_FAMILIES, StorageHostUserDataProps,
} from '../cloud-init';
import { BackupBucket } from './backup-bucket';
import { generatedSecret } from './generated-secret';
import { egressToInternet } from './host-egress';
import { LiteralText } from './literal-text';
import {
  BACKUP_TIMERS, backupBucketUrl, backupHostConfig, fullBackupRetentionDays, BackupPlan, backupPlan, BackupScheduleProps, backupSystemFiles, regionBackupPrefix,
} from '../dr/backup';
import { Cluster, Host, INTERSERVER_SECRET_ENV, Problems, Topology, TopologyValidationError } from '../model';
import { RenderedFile } from '../render/file';
import { renderStartupScripts } from '../schema';

export { Architecture, BootSecret, MachineImage, RemovalPolicy } from '../cloud-init';

/** Where ClickHouse may be reached from: security groups and private CIDRs, never the internet. */
export interface AllowedSources {
  /**
   * Security groups of ClickHouse clients: the ingestion tier's nodes, query services.
   * @default none
   */
  readonly securityGroupIds?: readonly string[];
  /**
   * Private IPv4 CIDRs (RFC 1918 or 100.64.0.0/10). Public ranges and 0.0.0.0/0 are rejected.
   * @default none
   */
  readonly cidrs?: readonly string[];
}

export interface StorageClusterProps {
  /** The region's topology, built once by the RegionStack: the hosts, clusters and streams. */
  readonly topology: Topology;
  /** VPC of the storage hosts. */
  readonly vpcId: string;
  /** One subnet per availability zone, keyed by zone; replica i of every shard runs in zone i. */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Private Route53 zone of `topology.dnsZone`: each host gets an A record at its `fqdn`. */
  readonly hostedZoneId: string;
  /**
   * EC2 instance type. Storage families with NVMe instance store: i8ge (arm64), i7ie and i4i (x86_64).
   * @default 'i8ge.metal-48xl'
   */
  readonly instanceType?: string;
  /**
   * Machine image; its architecture must match the instance type's.
   * @default MachineImage.debian12(<the instance type's architecture>)
   */
  readonly machineImage?: MachineImage;
  /**
   * Instance-store NVMe devices per host, for instance types this library does not know.
   * @default - from the instance type (16 on i8ge.metal-48xl)
   */
  readonly instanceStoreDevices?: number;
  /** @default 100 */
  readonly rootVolumeSizeGiB?: number;
  /**
   * The EBS data volume: ClickHouse's root path, table metadata, the S3 disk's object map, the warm tier.
   * @default 4096
   */
  readonly dataVolumeSizeGiB?: number;
  /** @default 12000 */
  readonly dataVolumeIops?: number;
  /** @default 500 (MiB/s) */
  readonly dataVolumeThroughput?: number;
  /**
   * KMS key for the EBS volumes and the bucket.
   * @default - the AWS managed keys (aws/ebs, and SSE-S3 for the bucket)
   */
  readonly kmsKeyArn?: string;
  /**
   * Who may reach the ClickHouse ports (9000 native, 9009 interserver, 8123 HTTP, plus the TLS
   * ports when enabled). The hosts always reach each other.
   * @default - only the storage hosts themselves
   */
  readonly allowedSources?: AllowedSources;
  /**
   * Security groups of your own added to every host (e.g. a platform's monitoring or bastion
   * group), after the library's. Adding or removing one changes the instances in place
   * (`vpc_security_group_ids`), never replaces them.
   * @default none
   */
  readonly additionalSecurityGroupIds?: readonly string[];
  /**
   * Also open the TLS ports (9440 native, 8443 HTTPS, 9010 interserver HTTPS).
   * @default false
   */
  readonly tlsPorts?: boolean;
  /** @default DEFAULT_CLICKHOUSE_VERSION (an LTS release) */
  readonly clickhouseVersion?: string;
  /**
   * Options of the ClickHouse config renderers (paths, log retention, hostClusterType).
   * @default the renderers' defaults; the cold endpoint comes from each host's environment
   */
  readonly clickhouseConfig?: ClickHouseConfigOptions;
  /**
   * This cluster's own ClickHouse server settings and settings profiles, rendered into
   * `config.d/zz_extra_settings.xml` and `users.d/zz_extra_profiles.xml`; names the library
   * manages are refused. A change is an S3 object the hosts sync; the server reloads it without a restart.
   * @default none
   */
  readonly extraConfig?: ClickHouseExtraConfig;
  /**
   * The cluster secret every node of the region shares (`<secret from_env>` in remote_servers).
   * @default - a Secrets Manager secret created here with a generated value
   */
  readonly interServerSecret?: BootSecret;
  /**
   * The password replicas present to each other when fetching parts over the interserver HTTP port
   * (`interserver_http_credentials`), kept apart from the cluster secret: HTTP basic auth is sent in
   * clear text inside the VPC unless the TLS ports are used.
   * @default - a Secrets Manager secret created here with a generated value
   */
  readonly interServerHttpSecret?: BootSecret;
  /**
   * The password of `clickhouse_migrator`, the user the schema migration runner's Jobs log in as
   * (users.d/schema_migrator.xml reads it from the environment); the ingestion pods and the
   * runner's Kubernetes Secret get the same value.
   * @default - a Secrets Manager secret created here with a generated value
   */
  readonly migratorSecret?: BootSecret;
  /**
   * Whether `terraform destroy` may remove instances, volumes and the bucket.
   * @default RemovalPolicy.retain()
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Native ClickHouse backups into a bucket of their own: one replica per shard runs a full
   * backup on a schedule and incrementals against it in between (systemd timers in its user data).
   * @default backups on, with the BackupScheduleProps defaults
   */
  readonly backups?: StorageBackupsProps;
}

/** The storage cluster's backups: when, how long, and on which replica; or off, with a reason. */
export interface StorageBackupsProps extends BackupScheduleProps {
  /**
   * Why this cluster takes no backups (e.g. a throwaway development region); turns them off.
   * @default none: backups on
   */
  readonly disabledReason?: string;
}

const DEFAULT_INSTANCE_TYPE = 'i8ge.metal-48xl';
const DATA_VOLUME_DEVICE = '/dev/sdf';
const CLICKHOUSE_PORTS = [9000, 9009, 8123];
const CLICKHOUSE_TLS_PORTS = [9440, 9010, 8443];
/** Key prefix of the storage group's shared config files in the bucket. */
export const STORAGE_CONFIG_PREFIX = 'config/data';
/** Key prefix of the cold tier; each host writes under its own name. */
export const COLD_TIER_PREFIX = 'cold';
/** The user name replicas fetch parts as (`interserver_http_credentials`); the password is a secret. */
export const INTERSERVER_HTTP_USER = 'interserver';
/** AWS's managed policy for SSM Session Manager on an instance. */
export const SESSION_MANAGER_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

/** The per-host resources of the storage cluster. */
export interface StorageHostResources {
  readonly host: Host;
  readonly instance: Instance;
  readonly dataVolume: EbsVolume;
  readonly dataVolumeAttachment: VolumeAttachment;
  readonly dnsRecord: Route53Record;
}

/**
 * The stateful ClickHouse storage cluster of a region: shards × replicas EC2 hosts (replica i in
 * zone i) with NVMe RAID0 hot tier, an EBS volume for the root path and warm tier, and an S3 cold
 * tier; a security group open only to the given sources; a private DNS name per host. Instances,
 * volumes and the bucket are protected from destroy unless a development region says why not.
 *
 * The user data of a host never changes when the cluster grows (a change stops and starts the
 * instance, which empties its instance store); the files every storage host shares
 * (remote_servers, ZooKeeper, storage tiers, schema) are S3 objects the hosts sync from.
 */
export class StorageCluster extends Construct {
  /** @attribute ClickHouse cluster names: sharded, single-shard, migrations. */
  public readonly clusterNames: Topology['clusterNames'];
  /** @attribute The storage hosts, in shard then replica order. */
  public readonly hosts: readonly Host[];
  /** @attribute The remote_servers definitions every node renders from. */
  public readonly clusters: readonly Cluster[];
  /** The storage hosts' security group: add it to ZooKeeper's clients. */
  public readonly securityGroup: SecurityGroup;
  /** The S3 cold tier; the shared config objects live under `config/`. */
  public readonly bucket: S3Bucket;
  public readonly role: IamRole;
  public readonly instanceProfile: IamInstanceProfile;
  /** The inter-server secret created here (absent when one was given). */
  public readonly interServerSecret?: SecretsmanagerSecret;
  /** The version carrying the inter-server secret's generated value (absent when one was given): readers depend on it. */
  public readonly interServerSecretVersion?: SecretsmanagerSecretVersion;
  /** Where the hosts read the cluster secret from (created here or given): the ingestion pods need the same. */
  public readonly interServerSecretSource: BootSecret;
  /** Session Manager access of the hosts (no SSH keys, no port 22). */
  public readonly sessionManagerPolicy: IamRolePolicyAttachment;
  /** The replicas' interserver HTTP password created here (absent when one was given). */
  public readonly interServerHttpSecret?: SecretsmanagerSecret;
  /** The migrator's password created here (absent when one was given). */
  public readonly migratorSecret?: SecretsmanagerSecret;
  /** The version carrying the migrator's generated password (absent when one was given): readers depend on it. */
  public readonly migratorSecretVersion?: SecretsmanagerSecretVersion;
  /** Where the hosts read the migrator's password from (created here or given): the pods and the runner's Secret need the same. */
  public readonly migratorSecretSource: BootSecret;
  /** Per-host resources, in host order. */
  public readonly hostResources: readonly StorageHostResources[];
  /** Instances by host name: the main resources (escape hatch). */
  public readonly instances: Readonly<Record<string, Instance>>;
  /** The storage group's shared files as S3 objects, by path (e.g. `config.d/remote_servers_no_restart.xml`). */
  public readonly sharedConfigObjects: Readonly<Record<string, S3Object>>;
  /** The bucket backups go to (none when backups are off). */
  public readonly backupBucket?: BackupBucket;
  /** Which replica of each shard backs up which tables, and when (none when backups are off). */
  public readonly backupPlan?: BackupPlan;

  /**
   * Lets the storage hosts open connections to `securityGroupId` on `ports` (e.g. ZooKeeper's client
   * port): their security group allows no other outbound traffic inside the VPC.
   */
  public allowEgressTo(name: string, securityGroupId: string, ports: readonly number[]): void {
    for (const port of ports) {
      new VpcSecurityGroupEgressRule(this, `egress-${name}-${port}`, {
        securityGroupId: this.securityGroup.id, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: securityGroupId,
        description: `${name} ${port}`,
      });
    }
  }

  constructor(scope: Construct, id: string, props: StorageClusterProps) {
    super(scope, id);
    LiteralText.applyTo(TerraformStack.of(this));
    const p: StorageClusterProps = {
      ...props,
      subnetIds: { ...props.subnetIds },
      allowedSources: {
        securityGroupIds: [...(props.allowedSources?.securityGroupIds ?? [])],
        cidrs: [...(props.allowedSources?.cidrs ?? [])],
      },
    };
    const topology = p.topology;
    const instanceType = p.instanceType ?? DEFAULT_INSTANCE_TYPE;
    const removal = p.removalPolicy ?? RemovalPolicy.retain();
    const clickhouseConfig = p.clickhouseConfig ?? {};

    // Validate everything before creating anything.
    const problems = validateProps(p, removal);
    const image = p.machineImage ?? MachineImage.debian12(instanceArchitecture(instanceType) ?? Architecture.ARM64);
    checkInstanceImage(problems, 'storage', instanceType, image);
    const nvmeDevices = p.instanceStoreDevices ?? instanceStoreDeviceCount(instanceType);
    problems.check(nvmeDevices !== undefined, 'storage.instanceType', instanceType,
      `a storage type with NVMe instance store (${STORAGE_INSTANCE_FAMILIES.join(', ')}), or instanceStoreDevices for another`);
    const storageGroup = nodeGroups(topology)[0];
    const libraryFiles: RenderedFile[] = problems.empty
      ? [...renderNodeGroupConfig(topology, storageGroup, clickhouseConfig), renderStartupScripts(topology, 'data')]
      : [];
    // The cluster's own settings and profiles: files of their own, synced like the library's.
    const sharedFiles = [...libraryFiles, ...renderExtraConfig(problems, 'storage.extraConfig', p.extraConfig, libraryFiles)];
    const backupsOff = p.backups?.disabledReason;
    let plan: BackupPlan | undefined;
    if (backupsOff !== undefined) {
      problems.check(typeof backupsOff === 'string' && backupsOff.trim().length >= 10, 'storage.backups.disabledReason', backupsOff,
        'a written reason (10 characters or more) for a storage cluster without backups');
    } else if (problems.empty) {
      try {
        plan = backupPlan(topology, p.backups);
      } catch (e) {
        if (!(e instanceof TopologyValidationError)) throw e;
        e.problems.forEach((x) => problems.add(`storage.${x.field}`, x.value, x.expected));
      }
    }
    problems.throwIfAny('storage cluster');
    this.backupPlan = plan;

    this.clusterNames = { ...topology.clusterNames };
    this.hosts = [...topology.storage.hosts];
    this.clusters = [...topology.clusters];
    const allowDestroy = removal.allowDestroy;
    const protect: TerraformResourceLifecycle = { preventDestroy: !allowDestroy };
    const tags = (name: string): Record<string, string> => ({
      Name: name,
      'clickhouse-ingest:component': 'storage',
      ...removal.tags(),
    });

    // Cold tier bucket: encrypted, private, TLS only.
    this.bucket = new S3Bucket(this, 'cold-tier', {
      bucketPrefix: `${topology.name}-clickhouse-cold-`,
      forceDestroy: false,
      lifecycle: protect,
      tags: tags(`${topology.name}-clickhouse-cold`),
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'cold-tier-encryption', {
      bucket: this.bucket.id,
      rule: [{
        applyServerSideEncryptionByDefault: p.kmsKeyArn
          ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: p.kmsKeyArn }
          : { sseAlgorithm: 'AES256' },
        bucketKeyEnabled: p.kmsKeyArn !== undefined,
      }],
    });
    new S3BucketPublicAccessBlock(this, 'cold-tier-public-access', {
      bucket: this.bucket.id,
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'cold-tier-ownership', {
      bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, 'cold-tier-tls-only', {
      statement: [{
        sid: 'DenyInsecureTransport', effect: 'Deny', actions: ['s3:*'],
        principals: [{ type: '*', identifiers: ['*'] }],
        resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      }],
    });
    new S3BucketPolicy(this, 'cold-tier-policy', { bucket: this.bucket.id, policy: tlsOnly.json });

    // The inter-server secret and the replicas' fetch password: read at boot by each host; generated
    // ephemerally and written write-only, so neither Terraform's configuration, plan nor state holds them.
    const bootSecretVersions: SecretsmanagerSecretVersion[] = [];
    let secret = p.interServerSecret;
    if (secret === undefined) {
      const generated = generatedSecret(this, 'interserver-secret', {
        namePrefix: `${topology.name}-clickhouse-interserver-`,
        description: `ClickHouse cluster secret of region ${topology.name} (remote_servers <secret from_env>)`,
        kmsKeyArn: p.kmsKeyArn,
        tags: tags(`${topology.name}-clickhouse-interserver`),
        preventDestroy: !allowDestroy,
      });
      this.interServerSecret = generated.secret;
      this.interServerSecretVersion = generated.version;
      bootSecretVersions.push(generated.version);
      secret = BootSecret.fromSecretsManager(this.interServerSecret.arn);
    }
    let httpSecret = p.interServerHttpSecret;
    if (httpSecret === undefined) {
      // Every replica must present the same password: a rotation is a rolling operation, not a plan side effect.
      const generated = generatedSecret(this, 'interserver-http-secret', {
        namePrefix: `${topology.name}-clickhouse-interserver-http-`,
        description: `ClickHouse interserver HTTP password of region ${topology.name} (interserver_http_credentials, replica fetches)`,
        kmsKeyArn: p.kmsKeyArn,
        tags: tags(`${topology.name}-clickhouse-interserver-http`),
        preventDestroy: !allowDestroy,
      });
      this.interServerHttpSecret = generated.secret;
      bootSecretVersions.push(generated.version);
      httpSecret = BootSecret.fromSecretsManager(this.interServerHttpSecret.arn);
    }
    let migratorSecret = p.migratorSecret;
    if (migratorSecret === undefined) {
      const generated = generatedSecret(this, 'migrator-secret', {
        namePrefix: `${topology.name}-clickhouse-migrator-`,
        description: `Password of ClickHouse user ${MIGRATOR_USER} of region ${topology.name} (the schema migration runner)`,
        kmsKeyArn: p.kmsKeyArn,
        tags: tags(`${topology.name}-clickhouse-migrator`),
        preventDestroy: !allowDestroy,
      });
      this.migratorSecret = generated.secret;
      this.migratorSecretVersion = generated.version;
      bootSecretVersions.push(generated.version);
      migratorSecret = BootSecret.fromSecretsManager(this.migratorSecret.arn);
    }
    this.interServerSecretSource = secret;
    this.migratorSecretSource = migratorSecret;
    const secrets: BootSecretBinding[] = [
      { env: INTERSERVER_SECRET_ENV, secret },
      { env: INTERSERVER_HTTP_PASSWORD_ENV, secret: httpSecret },
      { env: MIGRATOR_PASSWORD_ENV, secret: migratorSecret },
    ];

    // Instance role: the bucket (cold tier and shared config) and the secret, nothing else.
    this.role = new IamRole(this, 'role', {
      namePrefix: `${topology.name}-ch-storage-`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags: tags(`${topology.name}-ch-storage`),
    });
    const access = new DataAwsIamPolicyDocument(this, 'role-policy-document', {
      statement: [
        { sid: 'ListColdTier', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [this.bucket.arn] },
        {
          sid: 'ReadWriteColdTier', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
          resources: [`${this.bucket.arn}/${COLD_TIER_PREFIX}/*`],
        },
        { sid: 'ReadSharedConfig', actions: ['s3:GetObject'], resources: [`${this.bucket.arn}/${STORAGE_CONFIG_PREFIX}/*`] },
        ...secretStatements(secrets),
        ...(p.kmsKeyArn ? [{ sid: 'UseKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [p.kmsKeyArn] }] : []),
      ],
    });
    const rolePolicy = new IamRolePolicy(this, 'role-policy', { role: this.role.id, name: 'clickhouse-storage', policy: access.json });
    // Operators reach the hosts through SSM Session Manager (`aws ssm start-session`): no key pairs, no port 22.
    this.sessionManagerPolicy = new IamRolePolicyAttachment(this, 'session-manager', {
      role: this.role.name, policyArn: SESSION_MANAGER_POLICY_ARN,
    });
    if (plan !== undefined) {
      // Backups: a bucket apart from the cold tier; this region's hosts write only under its prefix.
      this.backupBucket = new BackupBucket(this, 'backups', {
        namePrefix: `${topology.name}-clickhouse-backups-`,
        retentionDays: plan.schedule.retentionDays,
        // Full backups outlive every incremental based on them.
        chains: { prefixes: plan.shards.map((s) => s.prefix), fullRetentionDays: fullBackupRetentionDays(plan.schedule) },
        kmsKeyArn: p.kmsKeyArn,
        removalPolicy: removal,
        tags: tags(`${topology.name}-clickhouse-backups`),
      });
      this.backupBucket.grantWrite(this.role, regionBackupPrefix(topology));
    }
    this.instanceProfile = new IamInstanceProfile(this, 'instance-profile', {
      namePrefix: `${topology.name}-ch-storage-`, role: this.role.name, tags: tags(`${topology.name}-ch-storage`),
    });

    // Network: ClickHouse ports from the given sources and from each other; never from anywhere.
    this.securityGroup = new SecurityGroup(this, 'security-group', {
      namePrefix: `${topology.name}-ch-storage-`,
      description: `ClickHouse storage hosts of region ${topology.name}`,
      vpcId: p.vpcId,
      tags: tags(`${topology.name}-ch-storage`),
      lifecycle: { createBeforeDestroy: true },
    });
    const ports = [...new Set([...CLICKHOUSE_PORTS, ...topology.storage.hosts.map((h) => h.tcpPort), ...(p.tlsPorts ? CLICKHOUSE_TLS_PORTS : [])])]
      .sort((a, b) => a - b);
    const sgId = this.securityGroup.id;
    for (const port of ports) {
      new VpcSecurityGroupIngressRule(this, `ingress-${port}-self`, {
        securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: sgId,
        description: `ClickHouse ${port} between storage hosts`,
      });
      p.allowedSources!.securityGroupIds!.forEach((source, i) => new VpcSecurityGroupIngressRule(this, `ingress-${port}-sg-${i}`, {
        securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: source,
        description: `ClickHouse ${port} from an allowed security group`,
      }));
      p.allowedSources!.cidrs!.forEach((cidr, i) => new VpcSecurityGroupIngressRule(this, `ingress-${port}-cidr-${i}`, {
        securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: cidr,
        description: `ClickHouse ${port} from ${cidr}`,
      }));
    }
    // Outbound: what the hosts' config and boot name, nothing else. HTTPS: S3 (cold tier, shared config,
    // backups), Secrets Manager, SSM, the ClickHouse apt repository; HTTP: Debian's signed package mirrors;
    // the ClickHouse ports of the peers; ZooKeeper through allowEgressTo (the ensemble is built after this).
    egressToInternet(this, sgId);
    for (const port of ports) {
      new VpcSecurityGroupEgressRule(this, `egress-${port}-self`, {
        securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: sgId,
        description: `ClickHouse ${port} to the other storage hosts`,
      });
    }

    // Shared config: one object per file of the storage group, synced by every host.
    const sharedObjects: Record<string, S3Object> = {};
    const bucketId = this.bucket.id;
    for (const f of sharedFiles) {
      sharedObjects[f.path] = new S3Object(this, `shared-${f.path.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        bucket: bucketId,
        key: `${STORAGE_CONFIG_PREFIX}/${f.path}`,
        content: f.content,
        contentType: 'application/xml',
      });
    }
    this.sharedConfigObjects = sharedObjects;

    // Hosts.
    const amiId = image.amiId ?? new DataAwsSsmParameter(this, 'ami', { name: image.ssmParameter! }).insecureValue;
    const directories = storageDirectories(clickhouseConfig);
    // Provider attributes read once: every getter call makes a new token and captures a full stack trace.
    const bucketName = this.bucket.bucket;
    const bucketDomainName = this.bucket.bucketRegionalDomainName;
    const instanceProfileName = this.instanceProfile.name;
    const backupBucketName = this.backupBucket?.bucket.bucket;
    // Boot reads these through the instance role: the secret values, the shared config and the role's access.
    // One `dependable` token per element, shared by the hosts: the constructor's `dependsOn` would
    // make a token, and capture a full stack trace, for every element of every host's list.
    const bootPrerequisites = [...bootSecretVersions, ...Object.values(sharedObjects), rolePolicy, this.sessionManagerPolicy].map((r) => dependable(r));
    const resources: StorageHostResources[] = [];
    for (const host of topology.storage.hosts) {
      const zone = host.availabilityZone!;
      const region = regionOfZone(zone);
      const dataVolume = new EbsVolume(this, `${host.name}-data`, {
        availabilityZone: zone,
        type: 'gp3',
        size: p.dataVolumeSizeGiB ?? 4096,
        iops: p.dataVolumeIops ?? 12000,
        throughput: p.dataVolumeThroughput ?? 500,
        encrypted: true,
        ...(p.kmsKeyArn ? { kmsKeyId: p.kmsKeyArn } : {}),
        finalSnapshot: !allowDestroy,
        lifecycle: protect,
        tags: tags(`${host.name}-data`),
      });
      // Only the replica that runs its shard's backups gets the timers.
      const backupUrl = backupBucketName !== undefined ? backupBucketUrl(backupBucketName, region) : undefined;
      const backupConfig = plan !== undefined && backupUrl !== undefined ? backupHostConfig(plan, host, backupUrl) : undefined;
      const backupFiles = plan !== undefined && backupUrl !== undefined ? backupSystemFiles(plan, host, backupUrl) : [];
      const userData: StorageHostUserDataProps = {
        host,
        region,
        extraFiles: [...backupFiles, ...tableExporterFiles(topology.database)],
        extraTimers: [...(backupFiles.length > 0 ? BACKUP_TIMERS : []), CLICKHOUSE_TABLE_EXPORTER_UNIT],
        clickhouseVersion: p.clickhouseVersion ?? DEFAULT_CLICKHOUSE_VERSION,
        // Host files survive the shared-config sync (which deletes what S3 does not hold).
        hostFiles: [renderHostMacros(topology, host, clickhouseConfig), ...(backupConfig ? [backupConfig] : [])],
        sharedConfig: { bucket: bucketName, prefix: STORAGE_CONFIG_PREFIX },
        secrets,
        environment: {
          [clickhouseConfig.coldStorage?.endpointEnv ?? DEFAULT_COLD_ENDPOINT_ENV]:
            `https://${bucketDomainName}/${COLD_TIER_PREFIX}/${host.name}/`,
          [INTERSERVER_HTTP_USER_ENV]: INTERSERVER_HTTP_USER,
        },
        disks: {
          mounts: { hot: NVME_MOUNT, data: EBS_MOUNT },
          dataVolumeDevice: DATA_VOLUME_DEVICE,
          minInstanceStoreDevices: nvmeDevices,
          directories: directories.map((d) => d.replace(/\/$/, '')),
        },
      };
      const instance = new Instance(this, host.name, {
        ami: amiId,
        instanceType,
        subnetId: p.subnetIds[zone],
        vpcSecurityGroupIds: [sgId, ...(p.additionalSecurityGroupIds ?? [])],
        iamInstanceProfile: instanceProfileName,
        ebsOptimized: true,
        metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
        rootBlockDevice: {
          // Tagged here, not with volume_tags, which would fight the data volume's own tags.
          tags: tags(`${host.name}-root`),
          volumeType: 'gp3', volumeSize: p.rootVolumeSizeGiB ?? 100, encrypted: true, deleteOnTermination: true,
          ...(p.kmsKeyArn ? { kmsKeyId: p.kmsKeyArn } : {}),
        },
        userData: renderStorageHostUserData(userData),
        userDataReplaceOnChange: false,
        disableApiTermination: !allowDestroy,
        // Stopping an instance empties its NVMe hot tier: only on purpose, never as a side effect.
        disableApiStop: !allowDestroy,
        lifecycle: {
          ...protect,
          // A new image is rolled out host by host, not by replacing every host in one apply. cloud-init
          // runs user data once per instance, so a changed one would only stop and start the host
          // (emptying its hot tier) without applying anything: new user data is for new hosts.
          ignoreChanges: ['ami', 'user_data'],
        },
        tags: { ...tags(host.name), 'clickhouse-ingest:shard': String(host.shard), 'clickhouse-ingest:replica': String(host.replica) },
      });
      // A list of its own per host (the tokens are shared): a change to one host's dependsOn stays on that host.
      instance.dependsOn = [...bootPrerequisites];
      const attachment = new VolumeAttachment(this, `${host.name}-data-attachment`, {
        deviceName: DATA_VOLUME_DEVICE, volumeId: dataVolume.id, instanceId: instance.id,
        // Unmounting is the host's business: Terraform never yanks a mounted data volume. A protected
        // host cannot be stopped (disable_api_stop), so removing the attachment only forgets it;
        // a development region may stop the host to detach.
        stopInstanceBeforeDetaching: allowDestroy,
        skipDestroy: !allowDestroy,
      });
      const dnsRecord = new Route53Record(this, `${host.name}-dns`, {
        zoneId: p.hostedZoneId, name: host.fqdn, type: 'A', ttl: 60, records: [instance.privateIp],
      });
      resources.push({ host, instance, dataVolume, dataVolumeAttachment: attachment, dnsRecord });
    }
    this.hostResources = resources;
    this.instances = Object.fromEntries(resources.map((r) => [r.host.name, r.instance]));
  }
}

function secretStatements(bindings: readonly BootSecretBinding[]): { sid: string; actions: string[]; resources: string[] }[] {
  const sm = bindings.filter((b) => b.secret.store === 'secretsmanager').map((b) => b.secret.id);
  const ssm = bindings.filter((b) => b.secret.store === 'ssm').map((b) => b.secret.id);
  return [
    ...(sm.length ? [{ sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: sm }] : []),
    ...(ssm.length ? [{
      sid: 'ReadParameters', actions: ['ssm:GetParameter'],
      resources: ssm.map((name) => (name.startsWith('arn:') ? name : `arn:aws:ssm:*:*:parameter/${name.replace(/^\//, '')}`)),
    }] : []),
  ];
}

const ID = {
  vpc: /^(vpc-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/,
  subnet: /^(subnet-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/,
  zone: /^(Z[A-Z0-9]{1,31}|\$\{.+\})$/,
  sg: /^(sg-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/,
};

/** Every problem of the props that the topology has not checked already. */
function validateProps(p: StorageClusterProps, removal: RemovalPolicy): Problems {
  const problems = new Problems();
  const topology = p.topology;
  if (!problems.check(topology !== undefined && Array.isArray(topology?.storage?.hosts), 'topology', topology,
    'a Topology built with buildTopology (or RegionStack.topology)')) return problems;
  problems.check(topology.storage.hosts.length > 0, 'storage.shards', topology.storage.shards, 'at least one shard');
  problems.check(ID.vpc.test(p.vpcId), 'storage.vpcId', p.vpcId, 'a VPC id such as vpc-0a1b2c3d4e5f60718');
  checkSecurityGroupIds(problems, 'storage.additionalSecurityGroupIds', p.additionalSecurityGroupIds, ID.sg);
  problems.check(ID.zone.test(p.hostedZoneId), 'storage.hostedZoneId', p.hostedZoneId, 'a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ');
  const zones = [...new Set(topology.storage.hosts.map((h) => h.availabilityZone!))];
  problems.check(topology.storage.replicas <= Object.keys(p.subnetIds).length, 'storage.replicas', topology.storage.replicas,
    `at most the availability zones with a subnet (${Object.keys(p.subnetIds).length}): replica i of each shard lives in zone i`);
  for (const zone of zones) {
    problems.check(typeof p.subnetIds[zone] === 'string' && ID.subnet.test(p.subnetIds[zone]), `storage.subnetIds.${zone}`, p.subnetIds[zone],
      `a subnet id in zone ${zone} (replicas of every shard run there)`);
  }
  p.allowedSources!.securityGroupIds!.forEach((sg, i) => problems.check(typeof sg === 'string' && ID.sg.test(sg),
    `storage.allowedSources.securityGroupIds[${i}]`, sg, 'a security group id such as sg-0123456789abcdef0'));
  checkPrivateCidrs(problems, 'storage.allowedSources.cidrs', p.allowedSources!.cidrs!);
  problems.count('storage.rootVolumeSizeGiB', p.rootVolumeSizeGiB ?? 100, 20, 16384);
  problems.count('storage.dataVolumeSizeGiB', p.dataVolumeSizeGiB ?? 4096, 100, 65536);
  problems.count('storage.dataVolumeIops', p.dataVolumeIops ?? 12000, 3000, 80000);
  problems.count('storage.dataVolumeThroughput', p.dataVolumeThroughput ?? 500, 125, 2000);
  if (p.instanceStoreDevices !== undefined) problems.count('storage.instanceStoreDevices', p.instanceStoreDevices, 1, 24);
  if (p.kmsKeyArn !== undefined) {
    problems.check(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+|\$\{.+\})$/.test(p.kmsKeyArn), 'storage.kmsKeyArn', p.kmsKeyArn,
      'a KMS key ARN');
  }
  checkRemovalPolicy(problems, 'storage.removalPolicy', removal);
  // The environment the storage config reads must all be provided: the secrets here, the endpoint and fetch user per host.
  const provided = new Set([
    INTERSERVER_SECRET_ENV, INTERSERVER_HTTP_PASSWORD_ENV, INTERSERVER_HTTP_USER_ENV, MIGRATOR_PASSWORD_ENV,
    p.clickhouseConfig?.coldStorage?.endpointEnv ?? DEFAULT_COLD_ENDPOINT_ENV,
  ]);
  if (problems.empty) {
    for (const name of requiredEnvironment(topology, nodeGroups(topology)[0], p.clickhouseConfig ?? {})) {
      problems.check(provided.has(name), 'storage environment', name, `a variable the storage hosts get (${[...provided].join(', ')})`);
    }
    // The user data of one host, validated as a whole, catches bad versions and paths early.
    const host = topology.storage.hosts[0];
    checkStorageHostUserData(problems, 'storage', {
      host, region: regionOfZone(host.availabilityZone!), clickhouseVersion: p.clickhouseVersion, hostFiles: [],
      sharedConfig: { bucket: 'placeholder-bucket', prefix: STORAGE_CONFIG_PREFIX },
      // Secrets given by the caller are checked here; the ones created here are well formed.
      secrets: [
        ...(p.interServerSecret !== undefined ? [{ env: INTERSERVER_SECRET_ENV, secret: p.interServerSecret }] : []),
        ...(p.interServerHttpSecret !== undefined ? [{ env: INTERSERVER_HTTP_PASSWORD_ENV, secret: p.interServerHttpSecret }] : []),
        ...(p.migratorSecret !== undefined ? [{ env: MIGRATOR_PASSWORD_ENV, secret: p.migratorSecret }] : []),
      ],
      disks: { mounts: { hot: NVME_MOUNT, data: EBS_MOUNT }, dataVolumeDevice: DATA_VOLUME_DEVICE },
    });
  }
  return problems;
}
