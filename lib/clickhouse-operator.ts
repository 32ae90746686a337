import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { LiteralText } from './literal-text';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { Release } from '@cdktf/provider-helm/lib/release';
import { DEFAULT_INGESTION_NAMESPACE } from './kubernetes/ingestion';
import { CLICKHOUSE_OPERATOR_CHART, operatorValues } from './kubernetes/operator';
import { toHelmValuesYaml } from './kubernetes/yaml';

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

    this.release = new Release(this, 'Release', {
      name: releaseName,
      namespace: own,
      repository: p.repository ?? CLICKHOUSE_OPERATOR_CHART.repository,
      chart: CLICKHOUSE_OPERATOR_CHART.chart,
      version: p.version ?? CLICKHOUSE_OPERATOR_CHART.version,
      values: [this.valuesYaml],
      maxHistory: 10,
      // Installations live in the watched namespaces: they must outlive no operator.
      dependsOn: watched,
    });
  }
}
