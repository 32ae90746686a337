import * as fs from 'fs';
import * as path from 'path';
import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Release } from '@cdktf/provider-helm/lib/release';
import { ClickHouseOperator } from './clickhouse-operator';
import type { KafkaBackend } from './kafka-backend';
import { ClickHouseInstallation, EnvSource, ReclaimPolicy } from './kubernetes/chi';
import { DEFAULT_INGESTION_NAMESPACE, ingestionInstallation } from './kubernetes/ingestion';
import { escapeTerraformTemplate, toHelmValuesYaml } from './kubernetes/yaml';
import { NodeRole } from './model/node-role';
import type { IngestionTier, Topology } from './model/topology';
import { tierOfRole } from './model/topology';
import { Problems } from './model/validation';

export interface StatelessIngestionTierProps {
  /** The region's topology (built once with `buildTopology`). */
  readonly topology: Topology;
  /** The tier's role: `NodeRole.SMALL`, `NodeRole.MEDIUM`, `NodeRole.EVENTS` or a custom one. */
  readonly role: NodeRole | string;
  /** The operator that reconciles the installation; the installation is destroyed before it. */
  readonly operator: ClickHouseOperator;
  /** The Kafka backends the tier's streams consume from (their bootstrap brokers feed the broker-list variables). */
  readonly backends: readonly KafkaBackend[];
  /**
   * Namespace of the installation; the operator must watch it.
   * @default 'clickhouse-ingestion'
   */
  readonly namespace?: string;
  /**
   * ClickHouse server image.
   * @default 'clickhouse/clickhouse-server:26.3'
   */
  readonly image?: string;
  /**
   * Kubernetes Secret holding the nodes' secret variables (inter-server secret, SCRAM credentials),
   * one key per variable named after it. Provided by the platform (e.g. External Secrets).
   * @default 'clickhouse-ingestion'
   */
  readonly secretName?: string;
  /**
   * Size of each node's cache volume.
   * @default '10Gi'
   */
  readonly cacheSize?: string;
  /**
   * Reclaim policy of the cache volumes. Only Delete is accepted on a stateless tier.
   * @default ReclaimPolicy.DELETE
   */
  readonly cacheReclaimPolicy?: ReclaimPolicy;
  /**
   * StorageClass of the cache volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Replicas per shard. Only 1 is accepted: a stateless tier is shards only.
   * @default 1
   */
  readonly replicasCount?: number;
  /**
   * Memory per requested core, in GiB.
   * @default 4
   */
  readonly memoryGiBPerCore?: number;
  /**
   * Nodes that may be down at once for voluntary disruptions (the operator's PodDisruptionBudget).
   * @default 1
   */
  readonly pdbMaxUnavailable?: number;
  /**
   * Seconds a stopping node gets to finish its in-flight block.
   * @default 120
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * ServiceAccount of the pods (IRSA, e.g. for MSK IAM authentication).
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * Node selector of the pods.
   * @default - none
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * More environment variables for the ClickHouse container; secret-looking names must come from a Secret.
   * @default - none
   */
  readonly extraEnvironment?: Readonly<Record<string, EnvSource>>;
}

/**
 * One stateless ingestion tier: a ClickHouseInstallation (shards only, replicasCount 1, a 10Gi
 * cache volume deleted with its host) delivered as Helm values through the package's
 * `stateless-chi` chart, so planning needs no Kubernetes API and no CRD.
 */
export class StatelessIngestionTier extends Construct {
  /** The installation's Helm release (escape hatch). */
  public readonly release: Release;
  /** The ClickHouseInstallation, as typed values. */
  public readonly installation: ClickHouseInstallation;
  /** The release's values as YAML (the broker lists are Terraform references). */
  public readonly valuesYaml: string;
  /** @attribute */
  public readonly installationName: string;
  public readonly tier: IngestionTier;

  constructor(scope: Construct, id: string, props: StatelessIngestionTierProps) {
    super(scope, id);
    const p = { ...props };
    const problems = new Problems();
    const role = typeof p.role === 'string' ? p.role : p.role?.value;
    const namespace = p.namespace ?? DEFAULT_INGESTION_NAMESPACE;
    problems.check(p.operator instanceof ClickHouseOperator, 'operator', p.operator, 'the ClickHouseOperator that reconciles the tier');
    if (p.operator instanceof ClickHouseOperator) {
      problems.check(p.operator.watchNamespaces.includes(namespace), 'namespace', namespace,
        `a namespace the operator watches (${p.operator.watchNamespaces.join(', ')}); otherwise nothing reconciles the installation`);
    }
    const backends = [...(p.backends ?? [])];
    const bootstrapBrokers: Record<string, string> = {};
    for (const b of backends) {
      problems.check(bootstrapBrokers[b.backendName] === undefined, 'backends', b.backendName, 'each backend once');
      bootstrapBrokers[b.backendName] = b.bootstrapBrokers;
    }
    problems.throwIfAny(`ingestion tier ${role}`);

    const installation = ingestionInstallation(p.topology, role, {
      namespace,
      image: p.image,
      secretName: p.secretName,
      bootstrapBrokers,
      cacheSize: p.cacheSize,
      cacheReclaimPolicy: p.cacheReclaimPolicy,
      storageClassName: p.storageClassName,
      replicasCount: p.replicasCount,
      memoryGiBPerCore: p.memoryGiBPerCore,
      pdbMaxUnavailable: p.pdbMaxUnavailable,
      terminationGracePeriodSeconds: p.terminationGracePeriodSeconds,
      serviceAccountName: p.serviceAccountName,
      nodeSelector: p.nodeSelector,
      extraEnvironment: p.extraEnvironment,
    });
    this.installation = installation;
    this.installationName = installation.metadata.name;
    this.tier = tierOfRole(p.topology, role)!;

    // Inside a Terraform string `${` would start an interpolation; the config files reach Helm verbatim.
    const files: Record<string, string> = {};
    for (const [k, v] of Object.entries(installation.spec.configuration.files)) files[k] = escapeTerraformTemplate(v);
    this.valuesYaml = toHelmValuesYaml({
      installation: { ...installation, spec: { ...installation.spec, configuration: { ...installation.spec.configuration, files } } },
    });

    this.release = new Release(this, 'Installation', {
      name: installation.metadata.name,
      namespace,
      chart: statelessChiChart(this).path,
      values: [this.valuesYaml],
      // Destroy removes the installation while the operator still runs to clear its finalizer.
      dependsOn: [p.operator.release],
    });
  }
}

/** The chart shipped with the package, copied once per stack into its assets (a relative, portable path). */
function statelessChiChart(scope: Construct): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const id = 'StatelessChiChart';
  const existing = stack.node.tryFindChild(id) as TerraformAsset | undefined;
  if (existing !== undefined) return existing;
  return new TerraformAsset(stack, id, { path: chartDirectory(), type: AssetType.DIRECTORY });
}

/** `charts/stateless-chi` of the package, from `lib/` (sources) or `dist/lib/` (built). */
export function chartDirectory(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'charts', 'stateless-chi');
    if (fs.existsSync(path.join(candidate, 'Chart.yaml'))) return candidate;
  }
  throw new Error('charts/stateless-chi not found beside the package: reinstall cdktf-clickhouse-ingest');
}
