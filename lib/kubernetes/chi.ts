import { DNS_LABEL, ENV_VAR } from '../model/names';
import { Problems } from '../model/validation';
import { RenderedFile, sortFiles } from '../render/file';

/**
 * The subset of Altinity's ClickHouseInstallation (clickhouse.altinity.com/v1) that this library
 * writes. Field names follow the CRD (research/altinity.md §1); nothing here is a free-form map
 * except the config `files`, so a typo in a field is a compile error, not a silently ignored key.
 */
export interface ClickHouseInstallation {
  readonly apiVersion: 'clickhouse.altinity.com/v1';
  readonly kind: 'ClickHouseInstallation';
  readonly metadata: ObjectMeta;
  readonly spec: ChiSpec;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ChiSpec {
  readonly defaults: {
    readonly templates: {
      readonly podTemplate: string;
      readonly dataVolumeClaimTemplate: string;
    };
  };
  readonly configuration: {
    readonly clusters: readonly ChiCluster[];
    /** `config.d/<name>` and `users.d/<name>` → file content (the operator ignores other prefixes). */
    readonly files: Readonly<Record<string, string>>;
  };
  readonly templates: {
    readonly podTemplates: readonly ChiPodTemplate[];
    readonly volumeClaimTemplates: readonly ChiVolumeClaimTemplate[];
  };
}

export interface ChiCluster {
  readonly name: string;
  readonly layout: { readonly shardsCount: number; readonly replicasCount: number };
  /** `None`: the boot schema (startup scripts) owns the tables, not the operator's schemer. */
  readonly schemaPolicy: { readonly replica: 'None'; readonly shard: 'None' };
  /** The operator's PodDisruptionBudget for the cluster (one per cluster; a second PDB would break evictions). */
  readonly pdbMaxUnavailable: number;
}

/** What happens to a PVC when its host or installation is deleted. */
export enum ReclaimPolicy {
  /** The operator deletes the PVC: the only policy for a stateless tier. */
  DELETE = 'Delete',
  /** The PVC outlives the host: for stateful storage only. */
  RETAIN = 'Retain',
}

export interface ChiVolumeClaimTemplate {
  readonly name: string;
  /** At the template's root, beside `spec`: inside `spec` the operator ignores it. */
  readonly reclaimPolicy: ReclaimPolicy;
  readonly spec: {
    readonly accessModes: readonly string[];
    readonly storageClassName?: string;
    readonly resources: { readonly requests: { readonly storage: string } };
  };
}

export interface PodDistribution {
  readonly type: 'ClickHouseAntiAffinity' | 'ShardAntiAffinity' | 'ReplicaAntiAffinity' | 'MaxNumberPerNode';
  readonly scope?: 'Shard' | 'Replica' | 'Cluster' | 'ClickHouseInstallation' | 'Namespace';
  readonly topologyKey?: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

export interface ChiPodTemplate {
  readonly name: string;
  /** Labels and annotations of every pod (the operator adds its own labels beside them). */
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly podDistribution: readonly PodDistribution[];
  readonly spec: {
    readonly serviceAccountName?: string;
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly terminationGracePeriodSeconds: number;
    readonly topologySpreadConstraints: readonly {
      readonly maxSkew: number;
      readonly topologyKey: string;
      readonly whenUnsatisfiable: 'ScheduleAnyway' | 'DoNotSchedule';
      readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
    }[];
    readonly containers: readonly {
      readonly name: 'clickhouse';
      readonly image: string;
      /** Named ports beyond the operator's own (http, tcp, interserver), which it adds when missing. */
      readonly ports: readonly { readonly name: string; readonly containerPort: number; readonly protocol: 'TCP' }[];
      readonly env: readonly EnvVar[];
      readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly memory: string };
      };
    }[];
  };
}

/** Label the operator puts on every object of an installation (research/altinity.md §1.7). */
export const CHI_LABEL = 'clickhouse.altinity.com/chi';

/** Environment of the ClickHouse container: a plain value, or a key of a Kubernetes Secret. */
export class EnvSource {
  /** A value that is not secret (e.g. a broker list, possibly a Terraform reference). */
  public static value(value: string): EnvSource {
    return new EnvSource(value, undefined);
  }

  /** A key of a Kubernetes Secret in the installation's namespace. */
  public static secret(secretName: string, key: string): EnvSource {
    return new EnvSource(undefined, { name: secretName, key });
  }

  private constructor(
    public readonly value: string | undefined,
    public readonly secretKeyRef: { readonly name: string; readonly key: string } | undefined,
  ) {}
}

/** Everything `renderInstallation` decides from; every field already resolved by the caller. */
export interface InstallationInput {
  /** Installation name (`ingestion-<tier>`). */
  readonly name: string;
  readonly namespace: string;
  /** The operator's cluster name inside the installation (the tier's Kubernetes name). */
  readonly clusterName: string;
  readonly shards: number;
  readonly replicasCount: number;
  readonly cores: number;
  readonly memoryGiBPerCore: number;
  readonly image: string;
  readonly files: readonly RenderedFile[];
  /** Environment variables by name. */
  readonly environment: Readonly<Record<string, EnvSource>>;
  readonly cacheSize: string;
  readonly cacheReclaimPolicy: ReclaimPolicy;
  readonly storageClassName?: string;
  readonly pdbMaxUnavailable: number;
  readonly terminationGracePeriodSeconds: number;
  readonly zoneTopologyKey: string;
  readonly serviceAccountName?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** Labels of every pod, besides the operator's. */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Annotations of every pod. */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** A Kubernetes qualified name with an optional DNS-subdomain prefix: `team`, `example.com/cost-center`. */
const QUALIFIED_NAME = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/;
/** Label and annotation prefixes the operator and the library set on the pods themselves. */
const RESERVED_PREFIXES = ['clickhouse.altinity.com/', 'clickhouse-ingest/', 'app.kubernetes.io/'];

/** Checks user labels (`values` true) or annotations of the pods: names, values, and no reserved prefix. */
function checkPodMetadata(problems: Problems, field: string, entries: Readonly<Record<string, string>> | undefined, labels: boolean): void {
  if (entries === undefined) return;
  if (!problems.check(entries !== null && typeof entries === 'object' && !Array.isArray(entries), field, entries,
    `${labels ? 'labels' : 'annotations'} by name`)) return;
  for (const [key, value] of Object.entries(entries)) {
    if (problems.check(QUALIFIED_NAME.test(key), `${field}.${key}`, key, 'a Kubernetes name, optionally prefixed (example.com/cost-center)')) {
      problems.check(!RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix)), `${field}.${key}`, key,
        `a name outside ${RESERVED_PREFIXES.join(', ')} (the operator and the library set those, and select pods by them)`);
    }
    problems.check(typeof value === 'string' && (!labels || LABEL_VALUE.test(value)), `${field}.${key}`, value,
      labels ? 'a label value (at most 63 letters, digits, -, _ or ., starting and ending alphanumeric)' : 'a string');
  }
}

const QUANTITY = /^[1-9][0-9]{0,5}(Mi|Gi|Ti)$/;
const SECRET_LIKE = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY($|_))/;
const FILE_PATH = /^(config\.d|users\.d)\/[A-Za-z0-9_.-]+\.xml$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** Names of the templates the installation defines. */
export const CACHE_VOLUME_TEMPLATE = 'ingestion-cache';

/**
 * Validates the input and builds the ClickHouseInstallation of a stateless tier: shards only, a
 * cache volume whose PVCs are deleted with their hosts, and nothing the operator would silently
 * ignore. Every problem is collected and thrown as one `TopologyValidationError`.
 */
export function renderInstallation(input: InstallationInput): ClickHouseInstallation {
  const problems = new Problems();
  const subject = `ingestion installation ${input.name}`;
  problems.check(DNS_LABEL.test(input.name), 'name', input.name, 'a DNS label');
  problems.check(DNS_LABEL.test(input.namespace), 'namespace', input.namespace, 'a Kubernetes namespace name (a DNS label)');
  problems.check(DNS_LABEL.test(input.clusterName), 'clusterName', input.clusterName, 'a DNS label');
  problems.count('shards', input.shards, 1, 2000);
  problems.check(input.replicasCount === 1, 'replicasCount', input.replicasCount,
    '1: a stateless tier is shards only; a second replica would receive no inserts and double every Kafka consumer');
  problems.count('cores', input.cores, 1, 448);
  problems.check(typeof input.memoryGiBPerCore === 'number' && input.memoryGiBPerCore >= 1 && input.memoryGiBPerCore <= 64,
    'memoryGiBPerCore', input.memoryGiBPerCore, 'a number of GiB per core from 1 to 64');
  problems.check(typeof input.image === 'string' && /^\S+$/.test(input.image) && input.image.length <= 255, 'image', input.image,
    'a container image reference such as clickhouse/clickhouse-server:26.3');
  problems.check(typeof input.cacheSize === 'string' && QUANTITY.test(input.cacheSize), 'cacheSize', input.cacheSize,
    'a storage quantity such as 10Gi');
  problems.check(input.cacheReclaimPolicy === ReclaimPolicy.DELETE, 'cacheReclaimPolicy', input.cacheReclaimPolicy,
    'Delete: a stateless node keeps nothing worth retaining, and a retained PVC blocks SYSTEM DROP REPLICA for its host');
  if (input.storageClassName !== undefined) {
    problems.check(DNS_SUBDOMAIN.test(input.storageClassName), 'storageClassName', input.storageClassName, 'a StorageClass name');
  }
  problems.count('pdbMaxUnavailable', input.pdbMaxUnavailable, 1, Math.max(1, input.shards));
  problems.count('terminationGracePeriodSeconds', input.terminationGracePeriodSeconds, 1, 3600);
  if (input.serviceAccountName !== undefined) {
    problems.check(DNS_SUBDOMAIN.test(input.serviceAccountName), 'serviceAccountName', input.serviceAccountName, 'a ServiceAccount name');
  }

  const seenFiles = new Set<string>();
  for (const f of input.files) {
    problems.check(FILE_PATH.test(f.path), 'files', f.path,
      'config.d/<name>.xml or users.d/<name>.xml: the operator silently ignores other prefixes and flattens folders');
    problems.check(!seenFiles.has(f.path), 'files', f.path, 'unique file paths');
    seenFiles.add(f.path);
  }

  for (const [name, source] of Object.entries(input.environment)) {
    problems.check(ENV_VAR.test(name), `environment.${name}`, name, 'an environment variable name (A-Z, 0-9, _)');
    if (source.secretKeyRef !== undefined) {
      problems.check(DNS_SUBDOMAIN.test(source.secretKeyRef.name), `environment.${name}`, source.secretKeyRef.name, 'a Secret name');
    } else {
      problems.check(!SECRET_LIKE.test(name), `environment.${name}`, '(literal value)',
        'a reference to a Kubernetes Secret (EnvSource.secret): secrets never appear as literals in synthesized output');
    }
  }
  checkPodMetadata(problems, 'podLabels', input.podLabels, true);
  checkPodMetadata(problems, 'podAnnotations', input.podAnnotations, false);
  problems.throwIfAny(subject);

  const labels = { ...(input.labels ?? {}) };
  const podMetadata = {
    ...(Object.keys(input.podLabels ?? {}).length > 0 ? { labels: { ...input.podLabels } } : {}),
    ...(Object.keys(input.podAnnotations ?? {}).length > 0 ? { annotations: { ...input.podAnnotations } } : {}),
  };
  const env: EnvVar[] = Object.keys(input.environment).sort().map((name) => {
    const s = input.environment[name];
    return s.secretKeyRef !== undefined ? { name, valueFrom: { secretKeyRef: { ...s.secretKeyRef } } } : { name, value: s.value };
  });
  const files: Record<string, string> = {};
  for (const f of sortFiles(input.files)) files[f.path] = f.content;

  return {
    apiVersion: 'clickhouse.altinity.com/v1',
    kind: 'ClickHouseInstallation',
    metadata: { name: input.name, namespace: input.namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    spec: {
      defaults: { templates: { podTemplate: input.name, dataVolumeClaimTemplate: CACHE_VOLUME_TEMPLATE } },
      configuration: {
        clusters: [{
          name: input.clusterName,
          layout: { shardsCount: input.shards, replicasCount: input.replicasCount },
          schemaPolicy: { replica: 'None', shard: 'None' },
          pdbMaxUnavailable: input.pdbMaxUnavailable,
        }],
        files,
      },
      templates: {
        podTemplates: [{
          name: input.name,
          ...(Object.keys(podMetadata).length > 0 ? { metadata: podMetadata } : {}),
          // At most one ClickHouse pod of the installation per node; zones are spread below.
          podDistribution: [{ type: 'ClickHouseAntiAffinity', scope: 'ClickHouseInstallation' }],
          spec: {
            ...(input.serviceAccountName !== undefined ? { serviceAccountName: input.serviceAccountName } : {}),
            ...(input.nodeSelector !== undefined ? { nodeSelector: { ...input.nodeSelector } } : {}),
            terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: input.zoneTopologyKey,
              // Losing a zone's capacity must not stop scheduling: consumers rebalance onto the rest.
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { [CHI_LABEL]: input.name } },
            }],
            containers: [{
              name: 'clickhouse',
              image: input.image,
              // The Prometheus endpoint (config.d/prometheus.xml), named for the PodMonitor.
              ports: [{ name: 'metrics', containerPort: 9363, protocol: 'TCP' }],
              env,
              resources: {
                requests: { cpu: String(input.cores), memory: `${input.cores * input.memoryGiBPerCore}Gi` },
                limits: { memory: `${input.cores * input.memoryGiBPerCore}Gi` },
              },
            }],
          },
        }],
        volumeClaimTemplates: [{
          name: CACHE_VOLUME_TEMPLATE,
          reclaimPolicy: input.cacheReclaimPolicy,
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(input.storageClassName !== undefined ? { storageClassName: input.storageClassName } : {}),
            resources: { requests: { storage: input.cacheSize } },
          },
        }],
      },
    },
  };
}
