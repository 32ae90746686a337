import { DNS_LABEL } from '../model/names';
import { Problems } from '../model/validation';

/**
 * Altinity's operator chart. 0.27.1 is the release the Altinity `clickhouse` chart 0.3.12 depends
 * on (research/altinity.md §2.2); bump it deliberately: an operator upgrade restarts pods.
 */
export const CLICKHOUSE_OPERATOR_CHART = {
  repository: 'https://helm.altinity.com',
  chart: 'altinity-clickhouse-operator',
  version: '0.27.1',
} as const;

export interface OperatorValuesInput {
  /** Chart fullname; also the name of the Secret holding the operator's ClickHouse credentials. */
  readonly fullname: string;
  readonly watchNamespaces: readonly string[];
}

/** The subset of the operator chart's values this library sets. */
export interface OperatorValues {
  readonly fullnameOverride: string;
  /** Pre-install/upgrade Job that applies the CRDs: plain Helm never upgrades CRDs. */
  readonly crdHook: { readonly enabled: true };
  /** Cluster-scoped RBAC: the operator manages installations outside its own namespace. */
  readonly rbac: { readonly create: true; readonly namespaceScoped: false };
  /** The chart's Secret would carry a literal default password; the platform provides the Secret instead. */
  readonly secret: { readonly create: false };
  readonly configs: {
    readonly files: {
      readonly 'config.yaml': { readonly watch: { readonly namespaces: readonly string[] } };
    };
  };
}

export function operatorValues(input: OperatorValuesInput): OperatorValues {
  const problems = new Problems();
  problems.check(DNS_LABEL.test(input.fullname), 'fullname', input.fullname, 'a DNS label');
  problems.check(input.watchNamespaces.length > 0, 'watchNamespaces', input.watchNamespaces,
    'at least one namespace (an empty list makes the operator watch every namespace)');
  input.watchNamespaces.forEach((ns, i) => problems.check(DNS_LABEL.test(ns), `watchNamespaces[${i}]`, ns, 'a namespace name (a DNS label)'));
  problems.check(new Set(input.watchNamespaces).size === input.watchNamespaces.length, 'watchNamespaces', input.watchNamespaces, 'unique namespaces');
  problems.throwIfAny('ClickHouse operator');
  return {
    fullnameOverride: input.fullname,
    crdHook: { enabled: true },
    rbac: { create: true, namespaceScoped: false },
    secret: { create: false },
    configs: { files: { 'config.yaml': { watch: { namespaces: [...input.watchNamespaces] } } } },
  };
}
