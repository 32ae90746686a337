import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { BootSecret } from '../cloud-init/boot-secrets';
import { generatedSecret } from './generated-secret';
import { KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { LiteralText } from './literal-text';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { Release } from '@cdktf/provider-helm/lib/release';
import { DEFAULT_INGESTION_NAMESPACE } from '../kubernetes/ingestion';
import { CLICKHOUSE_OPERATOR_CHART, operatorValues } from '../kubernetes/operator';
import { toHelmValuesYaml } from '../kubernetes/yaml';

export interface ClickHouseOperatorProps {
  /**
   * The operator's own namespace.
   * @default 'clickhouse-operator'
   */
  readonly namespace?: string;
  /**
   * Namespaces whose ClickHouseInstallations the operator manages.
   * @default ['clickhouse-ingestion']
   */
  readonly watchNamespaces?: readonly string[];
  /**
   * Create the operator's namespace and the watched ones.
   * @default true
   */
  readonly createNamespaces?: boolean;
  /**
   * Release name; also the chart's fullname and the name of the Secret (in the operator's
   * namespace, keys `username` and `password`) that holds the operator's ClickHouse credentials.
   * The platform provides that Secret; the library never writes a password.
   * @default 'clickhouse-operator'
   */
  readonly releaseName?: string;
  /**
   * Version of the altinity-clickhouse-operator chart.
   * @default '0.27.1'
   */
  readonly version?: string;
  /**
   * Helm repository of the chart.
   * @default 'https://helm.altinity.com'
   */
  readonly repository?: string;
  /**
   * Secrets Manager secret (ARN) holding the operator's ClickHouse credentials as JSON
   * `{"username": …, "password": …}`, copied into the operator's Secret.
   * @default - a secret created here with user `clickhouse_operator` and a generated password
   */
  readonly credentialsSecretArn?: string;
  /**
   * Create the operator's credentials Secret (`releaseName`, keys `username` and `password`). Off
   * only when the platform provides it; the chart's own would carry a default password.
   * @default true
   */
  readonly createCredentials?: boolean;
  /**
   * Protect the generated credentials secret from `terraform destroy`.
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * Altinity's ClickHouse operator, installed with its CRD hook (plain Helm never upgrades CRDs),
 * watching only the given namespaces. Installations depend on its `release`, so a destroy removes
 * them first, while the operator can still clear their finalizers.
 */
export class ClickHouseOperator extends Construct {
  /** The operator's Helm release (escape hatch). */
  public readonly release: Release;
  /** @attribute */
  public readonly operatorNamespace: string;
  public readonly watchNamespaces: readonly string[];
  /** The release's values as YAML, for review. */
  public readonly valuesYaml: string;
  /** The Secrets Manager secret with the operator's credentials, when created here. */
  public readonly credentialsSecret?: SecretsmanagerSecret;
  /** The operator's credentials Secret in its namespace (absent when the platform provides it). */
  public readonly credentials?: KubernetesSecretFromAws;

  constructor(scope: Construct, id: string, props: ClickHouseOperatorProps = {}) {
    super(scope, id);
    LiteralText.applyTo(TerraformStack.of(this));
    const p = { ...props };
    const namespace = p.namespace ?? 'clickhouse-operator';
    const watch = [...(p.watchNamespaces ?? [DEFAULT_INGESTION_NAMESPACE])];
    const releaseName = p.releaseName ?? 'clickhouse-operator';
    const values = operatorValues({ fullname: releaseName, watchNamespaces: watch });
    this.operatorNamespace = namespace;
    this.watchNamespaces = watch;
    this.valuesYaml = toHelmValuesYaml(values);

    const create = p.createNamespaces ?? true;
    const watched = create
      ? watch.filter((ns) => ns !== namespace).map((ns) => new NamespaceV1(this, `WatchedNamespace-${ns}`, {
        metadata: { name: ns, labels: { 'app.kubernetes.io/part-of': 'clickhouse' } },
      }))
      : [];
    const own = create
      ? new NamespaceV1(this, 'Namespace', { metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'clickhouse' } } }).metadata.name
      : namespace;

    // The operator's ClickHouse user: real credentials, never the chart's default.
    if (p.createCredentials ?? true) {
      let arn = p.credentialsSecretArn;
      const after = [];
      if (arn === undefined) {
        const generated = generatedSecret(this, 'Credentials', {
          namePrefix: `clickhouse-operator-${kebabOf(scope)}-`.slice(0, 50),
          description: `ClickHouse operator credentials (${releaseName} in ${namespace})`,
          username: 'clickhouse_operator',
          preventDestroy: p.preventDestroy ?? true,
        });
        this.credentialsSecret = generated.secret;
        arn = generated.secret.arn;
        after.push(generated.version);
      }
      this.credentials = new KubernetesSecretFromAws(this, 'CredentialsSecret', {
        name: releaseName,
        namespace: own,
        keys: {
          username: { secret: BootSecret.fromSecretsManager(arn), jsonKey: 'username' },
          password: { secret: BootSecret.fromSecretsManager(arn), jsonKey: 'password' },
        },
        dependsOn: after,
        labels: { 'app.kubernetes.io/part-of': 'clickhouse' },
      });
    }

    this.release = new Release(this, 'Release', {
      name: releaseName,
      namespace: own,
      repository: p.repository ?? CLICKHOUSE_OPERATOR_CHART.repository,
      chart: CLICKHOUSE_OPERATOR_CHART.chart,
      version: p.version ?? CLICKHOUSE_OPERATOR_CHART.version,
      values: [this.valuesYaml],
      maxHistory: 10,
      // Installations live in the watched namespaces: they must outlive no operator. Its credentials first.
      dependsOn: [...watched, ...(this.credentials ? [this.credentials.secret] : [])],
    });
    this.watchedNamespaceResources = watched;
  }

  /** The watched namespaces created here (what resources deployed into them depend on). */
  public readonly watchedNamespaceResources: readonly NamespaceV1[];
}

/** The stack's id in kebab case, to tell regions' secrets apart. */
function kebabOf(scope: Construct): string {
  return TerraformStack.of(scope).node.id.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
