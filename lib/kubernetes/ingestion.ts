import { ClickHouseConfigOptions, nodeGroups, renderNodeGroupConfig, requiredEnvironment } from '../clickhouse';
import { ClickHouseExtraConfig, renderExtraConfig } from '../clickhouse/extra-config';
import { CLICKHOUSE_SERVER_IMAGE } from '../clickhouse/versions';
import { ingestionInstallationName, tierOfRole } from '../model/topology';
import { NodeRole } from '../model/node-role';
import type { Topology } from '../model/topology';
import { Problems, TopologyValidationError } from '../model/validation';
import { RenderedFile } from '../render/file';
import { renderStartupScripts } from '../schema';
import { ClickHouseInstallation, EnvSource, ReclaimPolicy, renderInstallation } from './chi';

/** Namespace the ingestion installations live in unless told otherwise. */
export const DEFAULT_INGESTION_NAMESPACE = 'clickhouse-ingestion';

/** ClickHouse image of the stateless nodes: the region's one pinned server version (lib/clickhouse/versions). */
export const DEFAULT_CLICKHOUSE_IMAGE = CLICKHOUSE_SERVER_IMAGE;

/** Kubernetes specifics of one stateless tier; the topology decides everything ClickHouse sees. */
export interface IngestionInstallationOptions {
  /**
   * Namespace of the installation (watched by the operator).
   * @default 'clickhouse-ingestion'
   */
  readonly namespace?: string;
  /**
   * ClickHouse server image.
   * @default 'clickhouse/clickhouse-server:26.8.1.2018' (CLICKHOUSE_SERVER_IMAGE)
   */
  readonly image?: string;
  /**
   * Kubernetes Secret (in the installation's namespace) that holds every secret variable the nodes
   * need (inter-server secret, SCRAM credentials), one key per variable, named after it. The library
   * references it and never writes its values.
   * @default 'clickhouse-ingestion'
   */
  readonly secretName?: string;
  /** Bootstrap brokers by backend name (the backend's named collection), e.g. a KafkaBackend's `bootstrapBrokers`. */
  readonly bootstrapBrokers: Readonly<Record<string, string>>;
  /**
   * This cluster's own ClickHouse server settings and settings profiles, rendered into
   * `config.d/zz_extra_settings.xml` and `users.d/zz_extra_profiles.xml`; names the library
   * manages are refused. A change rolls the pods like any change of the installation's files.
   * @default none
   */
  readonly extraConfig?: ClickHouseExtraConfig;
  /**
   * Size of each node's cache volume (system logs, Kafka table state, temporary files).
   * @default '10Gi'
   */
  readonly cacheSize?: string;
  /**
   * What happens to a cache PVC when its host goes away. Only Delete is accepted.
   * @default ReclaimPolicy.DELETE
   */
  readonly cacheReclaimPolicy?: ReclaimPolicy;
  /**
   * StorageClass of the cache volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Replicas per shard. Only 1 is accepted: the tier is shards only.
   * @default 1
   */
  readonly replicasCount?: number;
  /**
   * Memory requested (and limited to) per requested core.
   * @default 4
   */
  readonly memoryGiBPerCore?: number;
  /**
   * Nodes of the tier that may be down at once for voluntary disruptions.
   * @default 1
   */
  readonly pdbMaxUnavailable?: number;
  /**
   * Seconds a stopping node gets to finish its in-flight Kafka block and Distributed insert.
   * @default 120
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Node label that names a zone; pods are spread evenly across its values.
   * @default 'topology.kubernetes.io/zone'
   */
  readonly zoneTopologyKey?: string;
  /**
   * ServiceAccount of the pods (IRSA for MSK IAM authentication).
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * Node selector of the pods.
   * @default - none
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Labels of every pod of the tier (cost allocation, a platform's selectors), besides the
   * operator's. Names under `clickhouse.altinity.com/`, `clickhouse-ingest/` and
   * `app.kubernetes.io/` are the operator's and the library's, and refused. A change rolls the pods.
   * @default none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Annotations of every pod of the tier (e.g. a log shipper's or a service mesh's), with the
   * same reserved prefixes as `podLabels`. A change rolls the pods.
   * @default none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * More environment variables for the ClickHouse container. Secret-looking names must come from a Secret.
   * @default - none
   */
  readonly extraEnvironment?: Readonly<Record<string, EnvSource>>;
  /**
   * Options of the nodes' ClickHouse config (the `hostClusterType` macro, system log retention).
   * Pass the storage cluster's options, so that both sides render the same macros.
   * @default the renderers' defaults
   */
  readonly clickhouseConfig?: ClickHouseConfigOptions;
}

/** The config files a node of the role loads: the group's rendered config plus the boot schema. */
export function ingestionConfigFiles(topology: Topology, role: NodeRole | string,
  clickhouseConfig: ClickHouseConfigOptions = {}): RenderedFile[] {
  const group = ingestionGroup(topology, role);
  return [...renderNodeGroupConfig(topology, group, clickhouseConfig), renderStartupScripts(topology, roleValue(role))];
}

/** Environment variables a node of the role needs, and where each comes from. */
export function ingestionEnvironment(topology: Topology, role: NodeRole | string, secretName: string,
  bootstrapBrokers: Readonly<Record<string, string>>, problems: Problems): Record<string, EnvSource> {
  const group = ingestionGroup(topology, role);
  const env: Record<string, EnvSource> = {};
  for (const name of requiredEnvironment(topology, group)) {
    const backend = topology.kafkaBackends.find((b) => b.brokerListEnv === name);
    if (backend === undefined) {
      env[name] = EnvSource.secret(secretName, name);
    } else if (problems.check(typeof bootstrapBrokers[backend.name] === 'string' && bootstrapBrokers[backend.name] !== '',
      `bootstrapBrokers.${backend.name}`, bootstrapBrokers[backend.name],
      `the bootstrap brokers of backend ${backend.name} (its KafkaBackend's bootstrapBrokers): role ${roleValue(role)} consumes from it`)) {
      env[name] = EnvSource.value(bootstrapBrokers[backend.name]);
    }
  }
  return env;
}

/**
 * The ClickHouseInstallation of one ingestion tier: one shard per node, replicasCount 1, a Delete
 * cache volume, the group's config files and boot schema, and secrets from a Kubernetes Secret.
 */
export function ingestionInstallation(topology: Topology, role: NodeRole | string,
  options: IngestionInstallationOptions): ClickHouseInstallation {
  const problems = new Problems();
  const value = roleValue(role);
  const tier = tierOfRole(topology, value);
  if (!problems.check(tier !== undefined, 'role', value,
    `an ingestion role of the topology (${topology.ingestionTiers.map((t) => t.role.value).join(', ') || 'none declared'})`)) {
    problems.throwIfAny(`ingestion tier ${value}`);
  }
  // The model enforces these when it is built; a topology assembled by hand gets the same checks here.
  for (const stream of topology.streams) {
    stream.legs.forEach((leg, i) => {
      const consumers = leg.consumersPerNode[value];
      if (consumers === undefined) return;
      const field = `streams.${stream.name}.legs[${i}].consumersPerNode`;
      problems.check(consumers <= tier!.cores, field, consumers,
        `at most the cores requested by a ${value} node (${tier!.cores})`);
      problems.check(consumers * tier!.nodes <= leg.topic.partitions, field, consumers,
        `${tier!.nodes} nodes × ${consumers} consumers at most the ${leg.topic.partitions} partitions of topic ${leg.topic.name}`);
    });
  }
  // The operator writes its own remote_servers entry for the installation's cluster (and
  // all-sharded, all-replicated, all-clusters); ClickHouse would merge a same-named model cluster into it.
  const clash = topology.clusters.find((c) => [tier!.kubernetesName, 'all-sharded', 'all-replicated', 'all-clusters'].includes(c.name));
  problems.check(clash === undefined, 'clusters', clash?.name,
    `cluster names other than the operator's own for this installation (${tier!.kubernetesName}, all-sharded, all-replicated, all-clusters)`);
  const secretName = options.secretName ?? 'clickhouse-ingestion';
  const required = ingestionEnvironment(topology, value, secretName, options.bootstrapBrokers, problems);
  const requiredNames = new Set([...requiredEnvironment(topology, ingestionGroup(topology, value))]);
  for (const name of Object.keys(options.extraEnvironment ?? {})) {
    problems.check(!requiredNames.has(name), `extraEnvironment.${name}`, name,
      'a variable the library does not set itself (this one comes from the topology and the backends)');
  }
  const environment = { ...required, ...(options.extraEnvironment ?? {}) };
  const name = ingestionInstallationName(tier!);
  let files: RenderedFile[] = [];
  try {
    files = ingestionConfigFiles(topology, value, options.clickhouseConfig);
    files = [...files, ...renderExtraConfig(problems, 'extraConfig', options.extraConfig, files)];
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    e.problems.forEach((x) => problems.add(`clickhouseConfig.${x.field}`, x.value, x.expected));
  }
  let installation: ClickHouseInstallation | undefined;
  try {
    installation = renderInstallation({
      name,
      namespace: options.namespace ?? DEFAULT_INGESTION_NAMESPACE,
      clusterName: tier!.kubernetesName,
      shards: tier!.nodes,
      replicasCount: options.replicasCount ?? 1,
      cores: tier!.cores,
      memoryGiBPerCore: options.memoryGiBPerCore ?? 4,
      image: options.image ?? DEFAULT_CLICKHOUSE_IMAGE,
      files,
      environment,
      cacheSize: options.cacheSize ?? '10Gi',
      cacheReclaimPolicy: options.cacheReclaimPolicy ?? ReclaimPolicy.DELETE,
      storageClassName: options.storageClassName,
      pdbMaxUnavailable: options.pdbMaxUnavailable ?? 1,
      terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? 120,
      zoneTopologyKey: options.zoneTopologyKey ?? 'topology.kubernetes.io/zone',
      serviceAccountName: options.serviceAccountName,
      nodeSelector: options.nodeSelector,
      labels: { 'app.kubernetes.io/part-of': 'clickhouse-ingestion', 'clickhouse-ingest/role': value },
      podLabels: options.podLabels,
      podAnnotations: options.podAnnotations,
    });
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    e.problems.forEach((x) => problems.add(x.field, x.value, x.expected));
  }
  // One error with every problem: the topology's, the environment's and the installation's.
  problems.throwIfAny(`ingestion tier ${value}`);
  return installation!;
}

function roleValue(role: NodeRole | string): string {
  return typeof role === 'string' ? role : role.value;
}

function ingestionGroup(topology: Topology, role: NodeRole | string) {
  const value = roleValue(role);
  const group = nodeGroups(topology).find((g) => g.kind === 'ingestion' && g.role.value === value);
  if (group === undefined) {
    const problems = new Problems();
    problems.add('role', value, 'an ingestion role of the topology');
    problems.throwIfAny(`ingestion tier ${value}`);
  }
  return group!;
}
