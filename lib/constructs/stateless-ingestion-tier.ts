import * as fs from 'fs';
import * as path from 'path';
import { Annotations, AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Release } from '@cdktf/provider-helm/lib/release';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ClickHouseOperator } from './clickhouse-operator';
import { irsaTrustPolicy, KafkaBackend, MskBackend } from './kafka-backend';
import { ClickHouseInstallation } from '../kubernetes/chi';
import { DEFAULT_INGESTION_NAMESPACE, IngestionInstallationOptions, ingestionInstallation } from '../kubernetes/ingestion';
import { toHelmValuesYaml } from '../kubernetes/yaml';
import { LiteralText } from './literal-text';
import { NodeRole } from '../model/node-role';
import { KafkaAuth } from '../model/spec';
import type { IngestionTier, Topology } from '../model/topology';
import { tierOfRole } from '../model/topology';
import { Problems, TopologyValidationError } from '../model/validation';

/**
 * Props of a StatelessIngestionTier: the Kubernetes options of `ingestionInstallation` (the single
 * source of their docs and defaults), minus the bootstrap brokers, which come from `backends`.
 */
export interface StatelessIngestionTierProps extends Omit<IngestionInstallationOptions, 'bootstrapBrokers' | 'serviceAccountName'> {
  /** The region's topology (built once with `buildTopology`). */
  readonly topology: Topology;
  /** The tier's role: `NodeRole.SMALL`, `NodeRole.MEDIUM`, `NodeRole.EVENTS` or a custom one. */
  readonly role: NodeRole | string;
  /** The operator that reconciles the installation; the installation is destroyed before it. */
  readonly operator: ClickHouseOperator;
  /** The Kafka backends the tier's streams consume from (their bootstrap brokers feed the broker-list variables). */
  readonly backends: readonly KafkaBackend[];
  /**
   * ServiceAccount of the pods, when the platform manages it.
   * @default - the one `podIdentity` creates, else the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * IRSA for the pods: a ServiceAccount and an IAM role allowed to consume (and, for ShuffleHog,
   * produce to) the tier's MSK backends that authenticate with SASL/IAM, which signs with the pod's role.
   * @default - none
   */
  readonly podIdentity?: PodIdentityProps;
}

/** The EKS cluster's OIDC provider, for IRSA. */
export interface PodIdentityProps {
  readonly oidcProviderArn: string;
  /** The EKS cluster's OIDC issuer URL (with or without `https://`). */
  readonly oidcIssuerUrl: string;
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
  /** IRSA role of the pods, when `podIdentity` is set. */
  public readonly role?: IamRole;
  /** ServiceAccount of the pods, when `podIdentity` is set. */
  public readonly serviceAccount?: ServiceAccountV1;

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
    if (p.podIdentity !== undefined) {
      problems.check(p.serviceAccountName === undefined, 'serviceAccountName', p.serviceAccountName,
        'nothing when podIdentity is set (the tier creates its ServiceAccount)');
    }
    const tier = tierOfRole(p.topology, role);
    const ownServiceAccount = p.podIdentity !== undefined && tier !== undefined ? `ingestion-${tier.kubernetesName}` : undefined;
    // Pure and validating: every problem, the tier's and the installation's, in one error before any resource exists.
    let installation: ClickHouseInstallation | undefined;
    try {
      // Everything but the construct's own props is an installation option, passed through as given.
      const { topology, role: _role, operator: _operator, backends: _backends, podIdentity: _podIdentity, ...options } = p;
      installation = ingestionInstallation(topology, role, {
        ...options,
        namespace,
        bootstrapBrokers,
        serviceAccountName: ownServiceAccount ?? p.serviceAccountName,
      });
    } catch (e) {
      if (!(e instanceof TopologyValidationError)) throw e;
      e.problems.forEach((x) => problems.add(x.field, x.value, x.expected));
    }
    problems.throwIfAny(`ingestion tier ${role}`);

    // MSK backends this tier reaches with SASL/IAM, and whether it produces to them (ShuffleHog).
    const iamBackends = new Map<string, { backend: MskBackend; produce: boolean }>();
    for (const stream of p.topology.streams) {
      for (const leg of stream.legs.filter((l) => l.roles.some((r) => r.value === role))) {
        const uses = [{ name: leg.backend.name, produce: false }, ...(stream.shuffle ? [{ name: stream.shuffle.backend, produce: true }] : [])];
        for (const use of uses) {
          const backend = backends.find((b) => b.backendName === use.name);
          if (backend instanceof MskBackend && backend.auth === KafkaAuth.SASL_IAM) {
            const seen = iamBackends.get(use.name);
            iamBackends.set(use.name, { backend, produce: (seen?.produce ?? false) || use.produce });
          }
        }
      }
    }
    if (ownServiceAccount !== undefined) {
      const trust = irsaTrustPolicy(this, 'PodTrust', { ...p.podIdentity!, namespace, serviceAccountName: ownServiceAccount });
      this.role = new IamRole(this, 'PodRole', {
        namePrefix: `${ownServiceAccount}-`.slice(0, 38),
        description: `ClickHouse ingestion tier ${role}: its Kafka backends only`,
        assumeRolePolicy: trust.json,
      });
      for (const [backendName, use] of [...iamBackends.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        new IamRolePolicy(this, `PodRolePolicy-${backendName}`, {
          role: this.role.id, name: `kafka-${backendName}`, policy: use.backend.clientPolicyJson(use.produce),
        });
      }
      this.serviceAccount = new ServiceAccountV1(this, 'ServiceAccount', {
        metadata: { name: ownServiceAccount, namespace, annotations: { 'eks.amazonaws.com/role-arn': this.role.arn } },
        automountServiceAccountToken: true,
        // Its namespace comes with the operator.
        dependsOn: [p.operator.release],
      });
    } else if (iamBackends.size > 0 && p.serviceAccountName === undefined) {
      Annotations.of(this).addWarning(`ingestion tier ${role} consumes ${[...iamBackends.keys()].join(', ')} with SASL/IAM but its pods `
        + 'have no IAM role: set podIdentity (or serviceAccountName for a ServiceAccount you manage)');
    }

    installation = installation!;
    this.installation = installation;
    this.installationName = installation.metadata.name;
    this.tier = tier!;

    // The stack escapes Terraform's template sequences in the values once (LiteralText): the files reach Helm verbatim.
    LiteralText.applyTo(TerraformStack.of(this));
    this.valuesYaml = toHelmValuesYaml({ installation });

    this.release = new Release(this, 'Installation', {
      name: installation.metadata.name,
      namespace,
      chart: statelessChiChart(this).path,
      values: [this.valuesYaml],
      maxHistory: 10,
      // Destroy removes the installation while the operator still runs to clear its finalizer.
      dependsOn: [p.operator.release, ...(this.serviceAccount !== undefined ? [this.serviceAccount] : [])],
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

/** `charts/stateless-chi` of the package, from `lib/constructs/` (sources) or `dist/lib/constructs/` (built). */
export function chartDirectory(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'charts', 'stateless-chi');
    if (fs.existsSync(path.join(candidate, 'Chart.yaml'))) return candidate;
  }
  throw new Error('charts/stateless-chi not found beside the package: reinstall cdktf-clickhouse-ingest');
}
