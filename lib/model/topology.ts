import {
  checkDnsLabel, checkDnsName, checkIdentifier, checkUnique, ENV_VAR, kebab,
} from './names';
import { NodeRole } from './node-role';
import {
  ClusterNamesSpec, KafkaAuth, KafkaBackendKind, KafkaBackendSpec, TopologySpec,
} from './spec';
import { StreamSpec } from './stream';
import { checkSpecShape } from './spec-shape';
import { resolveStreams } from './streams';
import type {
  Cluster, ClusterShard, Host, IngestionTier, KafkaBackendModel, Topology, ZooKeeperNode,
} from './resolved';
import { Problems } from './validation';

// The resolved shapes live in resolved.ts; importers of this module keep their names.
export type {
  Cluster, ClusterKind, ClusterShard, Host, IngestionTier, KafkaBackendModel, StorageModel, Topology, ZooKeeperNode,
} from './resolved';

/** Upper bounds that catch typos (a stray zero) long before AWS would. */
export const LIMITS = {
  availabilityZones: 6,
  shards: 500,
  ingestionNodesPerTier: 2000,
  cores: 448,
  zookeeperNodes: 9,
  partitions: 100_000,
  consumersPerNode: 256,
} as const;

/** Databases ClickHouse owns: tables created there would mix with the server's own. */
export const SYSTEM_DATABASES: readonly string[] = ['system', 'information_schema'];

/** Environment variable carrying the inter-server secret shared by every cluster. */
export const INTERSERVER_SECRET_ENV = 'CLICKHOUSE_INTERSERVER_SECRET';

export const DEFAULT_CLUSTER_NAMES: Required<ClusterNamesSpec> = {
  sharded: 'posthog',
  singleShard: 'posthog_single_shard',
  migrations: 'posthog_migrations',
};

/** Default consumers per node by role: PostHog's small = 1, medium = 4. */
function defaultConsumers(role: NodeRole, cores: number): number {
  if (role.value === NodeRole.SMALL.value) return 1;
  if (role.value === NodeRole.MEDIUM.value) return Math.min(4, cores);
  return cores;
}

/** Name of the ClickHouseInstallation of an ingestion tier. */
export function ingestionInstallationName(tier: Pick<IngestionTier, 'kubernetesName'>): string {
  return `ingestion-${tier.kubernetesName}`;
}

/** The operator's host Service name: `chi-{chi}-{cluster}-{shard}-{replica}` (0-based). */
function ingestionHostName(kubernetesName: string, shardIndex: number): string {
  return `chi-ingestion-${kubernetesName}-${kubernetesName}-${shardIndex}-0`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function roleOf(value: NodeRole | string): NodeRole {
  return typeof value === 'string' ? NodeRole.of(value) : value;
}

/**
 * Validates a description and resolves it into a topology. Every problem is collected and thrown
 * as one `TopologyValidationError` before anything is built.
 */
export function buildTopology(spec: TopologySpec): Topology {
  const problems = new Problems();
  // The shape first: a null entry or a cycle is a field-level problem, not a crash further down.
  const shaped = checkSpecShape<TopologySpec>(spec, problems);
  problems.throwIfAny();
  const s = structuredCloneSpec(shaped!);

  checkDnsLabel(problems, 'name', s.name);
  const azs = Array.isArray(s.availabilityZones) ? s.availabilityZones : [];
  if (problems.check(azs.length >= 1 && azs.length <= LIMITS.availabilityZones, 'availabilityZones', s.availabilityZones,
    `1 to ${LIMITS.availabilityZones} availability zones`)) {
    azs.forEach((az, i) => problems.check(typeof az === 'string' && /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(az),
      `availabilityZones[${i}]`, az, 'an availability zone name such as us-east-1a'));
    checkUnique(problems, 'availabilityZones', azs, 'availability zones');
  }
  const database = s.database ?? 'posthog';
  if (checkIdentifier(problems, 'database', database)) {
    problems.check(!SYSTEM_DATABASES.includes(database), 'database', database,
      `a database of the region's own, not one of ClickHouse's (${SYSTEM_DATABASES.join(', ')})`);
  }
  const dnsZone = s.dnsZone ?? `${s.name}.clickhouse.internal`;
  checkDnsName(problems, 'dnsZone', dnsZone);

  const clusterNames = { ...DEFAULT_CLUSTER_NAMES, ...(s.clusterNames ?? {}) };
  for (const [key, value] of Object.entries(clusterNames)) checkIdentifier(problems, `clusterNames.${key}`, value);

  // Storage.
  const storage = s.storage ?? ({} as TopologySpec['storage']);
  problems.check(s.storage !== undefined, 'storage', s.storage, 'a storage description with at least `shards`');
  const shardsOk = problems.count('storage.shards', storage.shards, 1, LIMITS.shards);
  const replicas = storage.replicas ?? 3;
  let replicasOk = problems.count('storage.replicas', replicas, 1, LIMITS.availabilityZones);
  if (replicasOk && azs.length > 0) {
    replicasOk = problems.check(replicas <= azs.length, 'storage.replicas', replicas,
      `at most the number of availability zones (${azs.length}): replica i of each shard lives in zone i`);
  }
  const dataPrefix = storage.hostPrefix ?? 'ch-data';
  checkDnsLabel(problems, 'storage.hostPrefix', dataPrefix);
  const dataPort = storage.tcpPort ?? 9000;
  problems.count('storage.tcpPort', dataPort, 1, 65535);

  // ZooKeeper.
  const zk = s.zookeeper ?? {};
  const zkNodes = zk.nodes ?? 3;
  if (problems.count('zookeeper.nodes', zkNodes, 1, LIMITS.zookeeperNodes)) {
    problems.check(zkNodes % 2 === 1 && zkNodes >= 3, 'zookeeper.nodes', zkNodes,
      'an odd ensemble of 3 or more (an even one tolerates no more failures and splits votes)');
  }
  const zkPrefix = zk.hostPrefix ?? 'zk';
  checkDnsLabel(problems, 'zookeeper.hostPrefix', zkPrefix);
  const zkPort = zk.clientPort ?? 2181;
  problems.count('zookeeper.clientPort', zkPort, 1, 65535);

  // Ingestion tiers.
  const tierSpecs = Array.isArray(s.ingestionTiers) ? s.ingestionTiers : [];
  problems.check(s.ingestionTiers === undefined || Array.isArray(s.ingestionTiers), 'ingestionTiers', s.ingestionTiers, 'a list of tiers');
  const tiers: IngestionTier[] = [];
  tierSpecs.forEach((t, i) => {
    const f = `ingestionTiers[${i}]`;
    const roleValue = t.role === undefined ? undefined : typeof t.role === 'string' ? t.role : t.role.value;
    if (!checkIdentifier(problems, `${f}.role`, roleValue)) return;
    const role = roleOf(roleValue as string);
    problems.check(!role.isData, `${f}.role`, roleValue, 'an ingestion role, not data (storage nodes are described by `storage`)');
    const nodesOk = problems.count(`${f}.nodes`, t.nodes, 1, LIMITS.ingestionNodesPerTier);
    const cores = t.cores ?? 4;
    const coresOk = problems.count(`${f}.cores`, cores, 1, LIMITS.cores);
    const consumers = t.consumersPerNode ?? (coresOk ? defaultConsumers(role, cores) : 1);
    if (problems.count(`${f}.consumersPerNode`, consumers, 1, LIMITS.consumersPerNode) && coresOk) {
      problems.check(consumers <= cores, `${f}.consumersPerNode`, consumers,
        `at most the cores per node (${cores}): kafka_num_consumers must not exceed physical cores`);
    }
    const clusterName = t.clusterName ?? `ingestion_${role.value}`;
    checkIdentifier(problems, `${f}.clusterName`, clusterName);
    const kubernetesName = kebab(role.value);
    checkDnsLabel(problems, `${f}.role`, kubernetesName);
    const hosts: Host[] = [];
    if (nodesOk) {
      for (let n = 0; n < t.nodes; n++) {
        const name = ingestionHostName(kubernetesName, n);
        hosts.push({ name, fqdn: name, role, shard: n + 1, replica: 1, tcpPort: 9000, homeCluster: clusterName });
      }
    }
    const switched = t.consumers ?? s.consumers ?? 'on';
    problems.check(switched === 'on' || switched === 'off', t.consumers !== undefined ? `${f}.consumers` : 'consumers', switched, "'on' or 'off'");
    tiers.push({ role, clusterName, kubernetesName, nodes: t.nodes, cores, consumersPerNode: consumers, hosts, consuming: switched !== 'off' });
  });
  checkUnique(problems, 'ingestionTiers[].role', tiers.map((t) => t.role.value), 'tier roles (one tier per role)');
  tiers.forEach((t) => {
    problems.check(t.hosts.every((h) => h.name.length <= 63), 'ingestionTiers[].role', t.role.value,
      'a role short enough for the operator\'s host names (at most 63 characters)');
  });

  // Cluster names must not collide.
  checkUnique(problems, 'cluster names', [...Object.values(clusterNames), ...tiers.map((t) => t.clusterName)], 'cluster names');

  // Kafka backends.
  const backendSpecs: readonly KafkaBackendSpec[] = Array.isArray(s.kafkaBackends) ? s.kafkaBackends : [];
  const backends: KafkaBackendModel[] = backendSpecs.map((b, i) => {
    const f = `kafkaBackends[${i}]`;
    checkIdentifier(problems, `${f}.name`, b.name);
    problems.check(Object.values(KafkaBackendKind).includes(b.kind), `${f}.kind`, b.kind, `one of ${Object.values(KafkaBackendKind).join(', ')}`);
    const auth = b.auth ?? (b.kind === KafkaBackendKind.MSK ? KafkaAuth.SASL_IAM : KafkaAuth.PLAINTEXT);
    problems.check(Object.values(KafkaAuth).includes(auth), `${f}.auth`, auth, `one of ${Object.values(KafkaAuth).join(', ')}`);
    const brokerListEnv = b.brokerListEnv ?? `KAFKA_HOSTS_${String(b.name).toUpperCase()}`;
    problems.check(ENV_VAR.test(brokerListEnv), `${f}.brokerListEnv`, brokerListEnv, 'an environment variable name (A-Z, 0-9, _)');
    const topics = Array.isArray(b.topics) ? b.topics : [];
    problems.check(Array.isArray(b.topics), `${f}.topics`, b.topics, 'a list of topics with partition counts');
    topics.forEach((t, j) => {
      problems.check(typeof t.name === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(t.name) && t.name !== '.' && t.name !== '..',
        `${f}.topics[${j}].name`, t.name, 'a Kafka topic name: letters, digits, ., _ and - (at most 249)');
      problems.count(`${f}.topics[${j}].partitions`, t.partitions, 1, LIMITS.partitions);
      if (t.retentionHours !== undefined) problems.count(`${f}.topics[${j}].retentionHours`, t.retentionHours, 1, 24 * 365 * 10);
    });
    checkUnique(problems, `${f}.topics[].name`, topics.map((t) => t.name), 'topic names');
    return { name: b.name, kind: b.kind, auth, brokerListEnv, topics };
  });
  checkUnique(problems, 'kafkaBackends[].name', backends.map((b) => b.name), 'backend names');

  // Storage hosts: replica i of each shard in availability zone i.
  const dataHosts: Host[] = [];
  if (shardsOk && replicasOk && azs.length >= replicas) {
    for (let sh = 1; sh <= storage.shards; sh++) {
      for (let r = 1; r <= replicas; r++) {
        const name = `${dataPrefix}-s${pad2(sh)}-r${r}`;
        dataHosts.push({
          name, fqdn: `${name}.${dnsZone}`, role: NodeRole.DATA, shard: sh, replica: r,
          availabilityZone: azs[r - 1], tcpPort: dataPort, homeCluster: clusterNames.sharded,
        });
      }
    }
  }
  const zookeeper: ZooKeeperNode[] = [];
  if (Number.isInteger(zkNodes) && zkNodes >= 1 && zkNodes <= LIMITS.zookeeperNodes && azs.length > 0) {
    for (let id = 1; id <= zkNodes; id++) {
      const name = `${zkPrefix}-${id}`;
      zookeeper.push({ id, name, fqdn: `${name}.${dnsZone}`, availabilityZone: azs[(id - 1) % azs.length], clientPort: zkPort });
    }
  }
  const allHosts = [...dataHosts, ...tiers.flatMap((t) => t.hosts)];
  checkUnique(problems, 'host names', allHosts.map((h) => h.name), 'host names');

  const clusters = problems.empty ? buildClusters(clusterNames, dataHosts, tiers) : [];
  const partial = {
    name: s.name, database, dnsZone, availabilityZones: azs, clusterNames,
    storage: { shards: storage.shards, replicas, hosts: dataHosts },
    zookeeper, zookeeperRoot: `/clickhouse/${s.name}`, ingestionTiers: tiers, kafkaBackends: backends, clusters,
    hosts: allHosts,
  };
  const streamSpecs: readonly StreamSpec[] = Array.isArray(s.streams) ? s.streams : [];
  const streams = resolveStreams(streamSpecs, partial, problems);
  problems.throwIfAny();
  return { ...partial, streams };
}

function buildClusters(names: Required<ClusterNamesSpec>, dataHosts: Host[], tiers: IngestionTier[]): Cluster[] {
  const byShard = new Map<number, Host[]>();
  for (const h of dataHosts) byShard.set(h.shard, [...(byShard.get(h.shard) ?? []), h]);
  const storageShards: ClusterShard[] = [...byShard.values()].map((replicaHosts) => ({
    weight: 1, internalReplication: true, replicas: replicaHosts,
  }));
  const secretEnv = INTERSERVER_SECRET_ENV;
  const clusters: Cluster[] = [
    { name: names.sharded, kind: 'sharded', shards: storageShards, secretEnv },
    // Non-sharded tables live on shard 1 of the storage hosts, replicated across its replicas.
    { name: names.singleShard, kind: 'single-shard', shards: storageShards.slice(0, 1), secretEnv },
    // DDL fan-out: one shard per host, as ON CLUSTER needs (each host finds itself once), and only
    // the storage hosts, whose names are in the region's private zone and so resolve from every
    // member. Ingestion pods' names (chi-…, Kubernetes Services) resolve only inside the EKS cluster;
    // a pod gets its schema from its startup scripts and its tier's own cluster instead.
    {
      name: names.migrations, kind: 'migrations', secretEnv,
      shards: dataHosts.map((h) => ({ weight: 1, internalReplication: false, replicas: [h] })),
    },
  ];
  for (const t of tiers) {
    clusters.push({
      name: t.clusterName, kind: 'ingestion', secretEnv,
      shards: t.hosts.map((h) => ({ weight: 1, internalReplication: false, replicas: [h] })),
    });
  }
  return clusters;
}

/** Deep copy so later changes to the caller's object cannot change a built topology. */
function structuredCloneSpec(spec: TopologySpec): TopologySpec {
  if (spec === null || typeof spec !== 'object') return {} as TopologySpec;
  return cloneWithClasses(spec) as TopologySpec;
}

/** Copies plain objects and arrays; keeps class instances (NodeRole, DataEngine) as they are: they are immutable. */
function cloneWithClasses(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneWithClasses);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneWithClasses(v)]));
  }
  return value;
}

/** Hosts of a role, in topology order. */
export function hostsOfRole(topology: Topology, role: NodeRole | string): Host[] {
  const value = typeof role === 'string' ? role : role.value;
  return topology.hosts.filter((h) => h.role.value === value);
}

/** The tier of a role, if any. */
export function tierOfRole(topology: Pick<Topology, 'ingestionTiers'>, role: NodeRole | string): IngestionTier | undefined {
  const value = typeof role === 'string' ? role : role.value;
  return topology.ingestionTiers.find((t) => t.role.value === value);
}
