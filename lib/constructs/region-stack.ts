import {
  Annotations, conditional, dependable, Fn, LocalBackend, Op, TerraformBackend, TerraformOutput, TerraformStack, TerraformVariable, Token,
} from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { KafkaAuth, KafkaBackendKind, Problems, Topology, TopologyValidationError } from '../model';
import { backendsForGroup, nodeGroups } from '../clickhouse';
import { ClickHouseOperator } from './clickhouse-operator';
import { instanceStoreDeviceCount, RemovalPolicy } from '../cloud-init';
import { KafkaBackend } from './kafka-backend';
import { IngestionStorageClass } from './ingestion-storage-class';
import { LiteralText } from './literal-text';
import { IngestionPrerequisites } from './region-prerequisites';
import { Observability } from './observability';
import { PolicyPack } from '../policy';
import { buildRegionTopology, checkApart, mskBrokerSecurityGroups, regionIdentity, SharedIdentity } from './region-validation';
import { RenderedFile } from '../render/file';
import { placeholderMessage, remainingPlaceholders } from '../render/placeholders';
import { renderTopologyJson } from '../render/topology-json';
import { evolveRegion, migrationArtifacts, RegionEvolution, regionLockArtifact, withBootMigrations } from '../migrations';
import { SCHEMA_MIGRATOR_SECRET, SchemaMigrationRunner } from './schema-migration-runner';
import { KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { MIGRATOR_USER } from '../clickhouse/migrator-user';
import { ClickHouseAccess, validateRegionAccessProps } from './clickhouse-access';
import { StatelessIngestionTier } from './stateless-ingestion-tier';
import { StorageCluster } from './storage-cluster';
import { ZooKeeper } from './zookeeper';
import { resolveZooCfgOptions } from '../zookeeper/zoo-cfg';
import { ArtifactSynthesizer, ModelArtifacts, renderModelArtifacts } from './artifact-synthesizer';
import { RegionStackProps } from './region-stack-props';
import { StateBackend } from './state-backend';

// The stack's props, backend options and validation have files of their own; importers of the stack get them here too.
export * from './region-stack-props';
export * from './kafka-backend-options';
export { buildRegionTopology } from './region-validation';
export * from './deprecated-names';

/** The Terraform the synthesized JSON needs: ephemeral resources and write-only arguments. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.11.0';

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
  /** The state backend (`RegionStackProps.stateBackend`); a local one while placeholder values remain (so `terraform init` calls no AWS API). */
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
  /** The access roles, grants and client users on every node, applied by a Job on every deploy. */
  public readonly clickhouseAccess: ClickHouseAccess;

  private readonly spec: RegionStackProps;
  private readonly extraArtifacts: RenderedFile[] = [];
  private modelArtifacts?: ModelArtifacts;

  constructor(scope: Construct, id: string, spec: RegionStackProps) {
    // Validate before the stack joins the tree: a bad description leaves no half-built app behind.
    const built = buildRegionTopology(spec);
    const stateBackend = StateBackend.of(spec.stateBackend);
    const identity = regionIdentity(id, built, spec, stateBackend.stateKey(built.name));
    const inApp = STACKS_IN_APP.get(scope.node.root) ?? [];
    const apart = new Problems();
    checkApart(apart, identity, inApp);
    apart.throwIfAny();
    const evolution = evolveRegion({
      topology: built, stack: id, lock: spec.regionLock?.current, ...spec.regionLock?.options,
      stateKey: stateBackend.stateKey(built.name),
      mskBrokerSecurityGroups: mskBrokerSecurityGroups(built, spec),
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
      this.backend = stateBackend.bind(this, topology.name, spec.region);
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

    // Each construct validates its own options; collect what they reject under the RegionStackProps
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
      // Problems of fields the user left out (the SCRAM secret) are still theirs: named under the options.
      const userFields = { scramCredentialsSecretArn: undefined, createTopics: undefined };
      if (options?.existingMskOptions !== undefined) {
        const existing = options.existingMskOptions;
        backend = collectProblems(problems, field, { ...userFields, ...existing }, undefined, () => KafkaBackend.fromMskCluster(this, id, {
          ...existing, topology, name: model.name, clientSecurityGroupIds: [eksSecurityGroup],
        }));
      } else if (options?.externalOptions !== undefined) {
        const external = options.externalOptions;
        backend = collectProblems(problems, field, { ...userFields, ...external }, undefined, () => KafkaBackend.fromBootstrapBrokers(this, id, { ...external, topology, name: model.name }));
        // The stack fills the pods' and the topics Job's Secrets itself, so a SCRAM backend needs its secret by ARN.
        if (model.auth === KafkaAuth.SASL_SCRAM && external.scramCredentialsSecretArn === undefined) {
          problems.add(`${field}.scramCredentialsSecretArn`, undefined, 'the Secrets Manager secret ARN holding {"username", "password"}: a SASL/SCRAM backend\'s clients log in with it');
        }
      } else if (model.kind === KafkaBackendKind.MSK) {
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
      const signsWithIam = needed.some((b) => b.mskClusterArn !== undefined && b.auth === KafkaAuth.SASL_IAM);
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
    collectProblems(problems, 'accessOptions', spec.accessOptions ?? {}, undefined, () => validateRegionAccessProps(spec.accessOptions ?? {}, topology));
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
    // Roles, grants and the client users on every node, after the pods rolled and the migrations
    // ran; the storage hosts (and their names) exist by then, and the Job waits for them to answer.
    this.clickhouseAccess = new ClickHouseAccess(this, 'clickhouse-access', {
      ...(storageOptions.kmsKeyArn !== undefined ? { kmsKeyArn: storageOptions.kmsKeyArn } : {}),
      ...spec.accessOptions,
      topology, namespace: runnerNamespace, migratorSecretName: SCHEMA_MIGRATOR_SECRET,
      preventDestroy: !this.development,
      dependsOn: [this.schemaMigratorSecret.secret, ...this.operator.watchedNamespaceResources],
      after: [
        this.operator.release,
        ...Object.values(tiers).map((t) => t.release),
        ...(this.schemaMigrationRunner ? [this.schemaMigrationRunner.job] : []),
        ...this.storageCluster.hostResources.flatMap((h) => [h.instance, h.dnsRecord]),
      ],
    });
    this.extraArtifacts.push({ path: 'access/apply-access.sh', content: this.clickhouseAccess.scriptText });
    this.extraArtifacts.push(regionLockArtifact(evolution.lock));

    // What operators wire by hand after a deploy (External Secrets, clients); static ids so `cdktf output` names stay put.
    if (this.storageCluster.interServerSecret !== undefined) {
      new TerraformOutput(this, 'interserver_secret_arn', {
        staticId: true,
        value: this.storageCluster.interServerSecret.arn,
        description: 'Secrets Manager secret with the cluster secret (the stack copies it into the ingestion namespace\'s Kubernetes Secret)',
      });
    }
    for (const [kind, secret] of [['writer', this.clickhouseAccess.writerSecret], ['reader', this.clickhouseAccess.readerSecret]] as const) {
      if (secret === undefined) continue;
      new TerraformOutput(this, `clickhouse_${kind}_secret_arn`, {
        staticId: true,
        value: secret.arn,
        description: `Secrets Manager secret with the password of ClickHouse user ${kind === 'writer' ? this.clickhouseAccess.writerUser : this.clickhouseAccess.readerUser}`,
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
    this.modelArtifacts ??= renderModelArtifacts({
      topology: this.topology, clickhouse: this.spec.clickhouse, ingestionTiers: this.ingestionTiers, zooKeeper: this.zooKeeper,
      observability: this.observability, raidDeviceCount: this.raidDeviceCount(), storageExtraConfig: this.spec.storageClusterOptions?.extraConfig,
    });
    const { files, sqlByRole, nodeGroupIndex } = this.modelArtifacts;
    return [
      ...files,
      renderTopologyJson(this.topology, { nodeGroups: nodeGroupIndex, sql: sqlByRole, helmValues: helmReleases }),
      ...this.extraArtifacts,
    ];
  }
}

/** Kubernetes client credentials from the AWS CLI, fetched whenever the provider needs them. */
export function eksTokenExec(clusterName: string, region: string): { apiVersion: string; command: string; args: string[] } {
  return { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', clusterName, '--region', region] };
}

/**
 * Builds a construct; if it rejects its props, adds its problems under the RegionStackProps field that
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
