/**
 * Region rules that need the built topology and the AWS/Kubernetes options together: one pinned
 * server version with every feature in use, generated names within the limits of the services
 * that hold them, ports the hosts really listen on, and (across the stacks of one app) no shared
 * state key, consumer group or broker variable. They create nothing: `RegionStack` runs them before
 * any resource exists.
 */
import { resolveOptions } from '../clickhouse';
import { checkServerVersion, CLICKHOUSE_SERVER_IMAGE, CLICKHOUSE_SERVER_VERSION, featuresInUse } from '../clickhouse/versions';
import {
  buildTopology, ingestionInstallationName, kebab, KafkaBackendKind, Problems, SHAPE_PREFIX, Topology, TopologySpec, TopologyValidationError,
} from '../model';
import { KafkaBackendOptions } from './kafka-backend-options';
import { checkObservabilitySpec } from './observability';
import { RegionStackProps } from './region-stack-props';
import { StateBackend } from './state-backend';

/** The limits of the names the stacks generate. */
export const NAME_LIMITS = {
  /** S3 `bucket_prefix`: Terraform appends 26 characters to reach the 63 of a bucket name. */
  bucketPrefix: 37,
  /** IAM role and instance profile `name_prefix`: Terraform appends 26 characters to reach 64. */
  iamNamePrefix: 38,
  /** A host name or Kubernetes Service: one DNS label. */
  dnsLabel: 63,
  /** Helm release names. */
  helmRelease: 53,
  /** The Altinity operator's cluster name inside a ClickHouseInstallation (it builds pod and Service names from it). */
  operatorClusterName: 15,
} as const;

/** The region options these rules read (a subset of `RegionStackProps`, which lives with the stack). */
export interface RegionOptionsView {
  readonly storageClusterOptions?: { readonly clickhouseVersion?: string; readonly backups?: unknown };
  readonly ingestionTierOptions?: Readonly<Record<string, { readonly image?: string } | undefined>>;
  readonly operatorOptions?: { readonly releaseName?: string };
  readonly kafkaBackendOptions?: Readonly<Record<string, {
    readonly warpStreamOptions?: { readonly releaseName?: string; readonly virtualClusterId?: string };
    readonly mskOptions?: { readonly additionalSecurityGroupIds?: readonly string[] };
    readonly existingMskOptions?: { readonly clusterArn?: string };
    readonly externalOptions?: { readonly bootstrapBrokers?: string };
  } | undefined>>;
  readonly stateBackend?: { readonly bucket?: string; readonly key?: string };
  readonly region?: string;
  readonly eksClusterName?: string;
}

/** Ports a storage host already uses for something else: a native port there could never be bound. */
const RESERVED_STORAGE_PORTS: Readonly<Record<number, string>> = {
  8123: 'the HTTP interface', 9009: 'interserver replication (part fetches)', 9181: 'ClickHouse Keeper', 9363: 'the Prometheus endpoint',
  2181: 'ZooKeeper', 22: 'SSH',
};

/**
 * One server version for the region: the storage hosts' package version and every tier's image
 * tag must be the same full version, and have every feature the rendered config uses.
 */
export function checkServerVersions(problems: Problems, topology: Topology, options: RegionOptionsView): void {
  const features = featuresInUse(topology);
  const storageVersion = options.storageClusterOptions?.clickhouseVersion ?? CLICKHOUSE_SERVER_VERSION;
  const storage = checkServerVersion(problems, 'storageClusterOptions.clickhouseVersion', storageVersion, features, 'version');
  for (const tier of topology.ingestionTiers) {
    const image = options.ingestionTierOptions?.[tier.role.value]?.image ?? CLICKHOUSE_SERVER_IMAGE;
    const field = `ingestionTierOptions.${tier.role.value}.image`;
    const version = checkServerVersion(problems, field, image, features, 'image');
    if (version !== undefined && storage !== undefined) {
      problems.check(version === storage, field, image,
        `the storage hosts' server version (${storage}): one server version per region, or replicas and inserters disagree on protocol and settings`);
    }
  }
}

/** Every generated name within the limit of the service that holds it. */
export function checkGeneratedNames(problems: Problems, topology: Topology, options: RegionOptionsView): void {
  const name = topology.name;
  const limit = (field: string, value: string, max: number, what: string): void => {
    problems.check(value.length <= max, field, name === value ? value : `${value} (from ${field})`,
      `a shorter ${field}: ${what} ${JSON.stringify(value)} is ${value.length} characters, at most ${max}`);
  };
  limit('name', `${name}-clickhouse-cold-`, NAME_LIMITS.bucketPrefix, 'the cold-tier bucket prefix');
  if (options.storageClusterOptions?.backups !== undefined) limit('name', `${name}-clickhouse-backups-`, NAME_LIMITS.bucketPrefix, 'the backup bucket prefix');
  limit('name', `${name}-ch-storage-`, NAME_LIMITS.iamNamePrefix, 'the storage hosts\' IAM role name prefix');
  for (const h of [...topology.storage.hosts, ...topology.zookeeper]) limit('storage.hostPrefix', h.name, NAME_LIMITS.dnsLabel, 'the host name');
  limit('operatorOptions.releaseName', options.operatorOptions?.releaseName ?? 'clickhouse-operator', NAME_LIMITS.helmRelease, 'the operator\'s Helm release');
  topology.ingestionTiers.forEach((t, i) => {
    limit(`ingestionTiers[${i}].role`, t.kubernetesName, NAME_LIMITS.operatorClusterName, 'the operator cluster name');
    limit(`ingestionTiers[${i}].role`, ingestionInstallationName(t), NAME_LIMITS.helmRelease, 'the installation\'s Helm release');
    limit(`ingestionTiers[${i}].role`, `${ingestionInstallationName(t)}-`, NAME_LIMITS.iamNamePrefix, 'the pod role\'s IAM name prefix');
  });
  topology.kafkaBackends.forEach((b, i) => {
    if (b.kind !== KafkaBackendKind.WARPSTREAM) return;
    const release = options.kafkaBackendOptions?.[b.name]?.warpStreamOptions?.releaseName
      ?? (kebab(b.name).startsWith('warpstream') ? kebab(b.name) : `warpstream-${kebab(b.name)}`);
    limit(`kafkaBackends[${i}].name`, release, NAME_LIMITS.helmRelease, 'the WarpStream agents\' Helm release');
    limit(`kafkaBackends[${i}].name`, `${release}-`, NAME_LIMITS.iamNamePrefix, 'the WarpStream agents\' IAM role name prefix');
    limit('name', `warpstream-${kebab(name)}-`, NAME_LIMITS.bucketPrefix, 'the WarpStream bucket prefix');
  });
}

/**
 * The native port `remote_servers` dials is the one the storage hosts listen on (network.xml
 * renders it as `tcp_port`), so it must be free there.
 */
export function checkPorts(problems: Problems, spec: Pick<TopologySpec, 'storage' | 'zookeeper'>): void {
  const port = spec.storage?.tcpPort;
  if (typeof port === 'number' && RESERVED_STORAGE_PORTS[port] !== undefined) {
    problems.add('storage.tcpPort', port, `a port the storage hosts do not already use: ${port} is ${RESERVED_STORAGE_PORTS[port]}`);
  }
}

/**
 * The MSK clusters a region creates, by backend name, with the security groups of the user's own
 * attached to their brokers: what the region lock records (a cluster cannot change them later).
 */
export function mskBrokerSecurityGroups(topology: Topology, options: RegionOptionsView): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const b of topology.kafkaBackends) {
    const o = options.kafkaBackendOptions?.[b.name];
    if (b.kind !== KafkaBackendKind.MSK || o?.existingMskOptions !== undefined) continue;
    const extra = o?.mskOptions?.additionalSecurityGroupIds;
    // A malformed list is the cluster's to report; the lock records only what it can hold.
    groups[b.name] = (Array.isArray(extra) ? extra.filter((sg): sg is string => typeof sg === 'string') : []).sort();
  }
  return groups;
}

/** What two stacks of one app must never share. */
export interface SharedIdentity {
  readonly stack: string;
  readonly stateKey: string;
  /** `<kafka>/<topic>/<group>`, where `<kafka>` names the cluster (MSK: AWS region and name; WarpStream: virtual cluster). */
  readonly consumerGroups: readonly string[];
  /** `<eks cluster>/<variable>`: the broker variables the pods of one EKS cluster read. */
  readonly brokerListEnvs: readonly string[];
}

/** The identity of a region: its state object (`stateKey`, from its state backend), its consumer groups and its broker variables. */
export function regionIdentity(stack: string, topology: Topology, options: RegionOptionsView, stateKey?: string): SharedIdentity {
  // A cluster the stack only points at is named by what points at it: two stacks reading one existing cluster share it.
  const kafkaOf = (backend: string, kind: KafkaBackendKind): string => {
    const o = options.kafkaBackendOptions?.[backend];
    if (o?.existingMskOptions?.clusterArn !== undefined) return `msk:${o.existingMskOptions.clusterArn}`;
    if (o?.externalOptions?.bootstrapBrokers !== undefined) return `kafka:${o.externalOptions.bootstrapBrokers}`;
    return kind === KafkaBackendKind.WARPSTREAM ? `warpstream:${o?.warpStreamOptions?.virtualClusterId ?? backend}` : `msk:${options.region ?? ''}:${backend}`;
  };
  const eks = `${options.region ?? ''}:${options.eksClusterName ?? ''}`;
  return {
    stack,
    stateKey: stateKey ?? `s3://${options.stateBackend?.bucket ?? ''}/${options.stateBackend?.key ?? `clickhouse-ingest/${topology.name}.tfstate`}`,
    consumerGroups: [...new Set(topology.streams.flatMap((s) => s.legs.map((l) => `${kafkaOf(l.backend.name, l.backend.kind)}/${l.topic.name}/${l.consumerGroup}`)))],
    brokerListEnvs: topology.ingestionTiers.length === 0 ? [] : topology.kafkaBackends.map((b) => `${eks}/${b.brokerListEnv}`),
  };
}

/**
 * Refuses a stack that shares with a stack already in the app its state object, a consumer group
 * on the same Kafka cluster and topic, or a broker variable in the same EKS cluster: two stacks on
 * one state overwrite each other's resources; one group consumed by two regions splits the topic
 * between them (disaster recovery: one region consumes at a time); one variable name would carry
 * two regions' broker lists in one cluster.
 */
export function checkApart(problems: Problems, identity: SharedIdentity, others: readonly SharedIdentity[]): void {
  for (const other of others) {
    problems.check(identity.stateKey !== other.stateKey, 'stateBackend.key', identity.stateKey,
      `a state object of its own: stack ${other.stack} already keeps its state at ${other.stateKey}`);
    for (const g of identity.consumerGroups) {
      problems.check(!other.consumerGroups.includes(g), 'streams[].legs[].consumerGroup', g,
        `a consumer group of its own: stack ${other.stack} already consumes ${g}`);
    }
    for (const env of identity.brokerListEnvs) {
      problems.check(!other.brokerListEnvs.includes(env), 'kafkaBackends[].brokerListEnv', env,
        `a broker variable of its own: stack ${other.stack} already uses ${env.split('/').pop()} in EKS cluster ${env.split('/')[0]}`);
    }
  }
}

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const VPC_ID = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Checks the AWS parts of a region description; the ClickHouse parts are checked by `buildTopology`. */
function checkRegionParts(spec: RegionStackProps, problems: Problems): void {
  problems.check(typeof spec.region === 'string' && AWS_REGION.test(spec.region), 'region', spec.region, 'an AWS region such as us-east-1');
  problems.check(typeof spec.vpcId === 'string' && VPC_ID.test(spec.vpcId), 'vpcId', spec.vpcId, 'a VPC id such as vpc-0a1b2c3d4e5f60718');
  const subnets = spec.subnetIds !== null && typeof spec.subnetIds === 'object' ? spec.subnetIds : {};
  problems.check(spec.subnetIds !== null && typeof spec.subnetIds === 'object', 'subnetIds', spec.subnetIds, 'subnet ids keyed by availability zone');
  const zones = Array.isArray(spec.availabilityZones) ? spec.availabilityZones : [];
  for (const az of zones) {
    problems.check(typeof subnets[az] === 'string' && SUBNET_ID.test(subnets[az]), `subnetIds.${az}`, subnets[az],
      `a subnet id such as subnet-0a1b2c3d4e5f60718 for zone ${az} (one subnet per availability zone)`);
  }
  for (const az of Object.keys(subnets)) {
    problems.check(zones.includes(az), `subnetIds.${az}`, subnets[az], `a zone listed in availabilityZones (${zones.join(', ')})`);
  }
  const zonesInRegion = typeof spec.region === 'string' ? zones.every((az) => typeof az !== 'string' || az.startsWith(spec.region)) : true;
  problems.check(zonesInRegion, 'availabilityZones', spec.availabilityZones, `zones of region ${spec.region}`);
  problems.check(typeof spec.eksClusterName === 'string' && EKS_NAME.test(spec.eksClusterName), 'eksClusterName', spec.eksClusterName,
    'an EKS cluster name: letters, digits, - and _ (at most 100)');
  if (problems.check(spec.stateBackend !== null && typeof spec.stateBackend === 'object', 'stateBackend', spec.stateBackend,
    'an S3 bucket for Terraform state ({ bucket }) or StateBackend.s3/local/cloud/custom(...)')) {
    StateBackend.of(spec.stateBackend).validate(problems, 'stateBackend');
  }
  for (const [key, value] of Object.entries(spec.defaultTags ?? {})) {
    problems.check(TAG_KEY.test(key) && !key.startsWith('aws:'), `defaultTags.${key}`, key, 'a tag key (at most 128 characters, not starting with aws:)');
    problems.check(typeof value === 'string' && TAG_VALUE.test(value), `defaultTags.${key}`, value, 'a tag value (at most 256 characters)');
  }
  if (spec.development !== undefined) problems.check(typeof spec.development === 'boolean', 'development', spec.development, 'true or false');
  // Checked once here, under the RegionStackProps field, rather than by the storage cluster and every tier that render with it.
  try {
    resolveOptions(spec.clickhouse);
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    e.problems.forEach((p) => problems.add(`clickhouse.${p.field}`, p.value, p.expected));
  }
  if (spec.hostedZoneId !== undefined) {
    problems.check(typeof spec.hostedZoneId === 'string' && /^Z[A-Z0-9]{1,31}$/.test(spec.hostedZoneId), 'hostedZoneId', spec.hostedZoneId,
      'a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ');
  }
  const backends = Array.isArray(spec.kafkaBackends) ? spec.kafkaBackends : [];
  const backendOptions = spec.kafkaBackendOptions ?? {};
  for (const [name, options] of Object.entries(backendOptions)) {
    const backend = backends.find((b) => b?.name === name);
    if (!problems.check(backend !== undefined, `kafkaBackendOptions.${name}`, name,
      `a backend declared in kafkaBackends (${backends.map((b) => b?.name).join(', ') || 'none'})`)) continue;
    if (!problems.check(options instanceof KafkaBackendOptions, `kafkaBackendOptions.${name}`, options,
      'KafkaBackendOptions.msk(...), .existingMsk(...), .warpStream(...) or .external(...)')) continue;
    const factories: Record<string, string> = {
      [KafkaBackendKind.MSK]: 'msk(...) or .existingMsk(...)', [KafkaBackendKind.WARPSTREAM]: 'warpStream(...)', [KafkaBackendKind.EXTERNAL]: 'external(...)',
    };
    problems.check(options.kind === backend!.kind, `kafkaBackendOptions.${name}`, options.kind,
      `options for a ${backend!.kind} backend (KafkaBackendOptions.${factories[backend!.kind] ?? 'msk(...)'})`);
    // The lock records them, so they must be known at synth: a reference resolves only at apply.
    const extra = options.mskOptions?.additionalSecurityGroupIds;
    if (Array.isArray(extra)) {
      // The format is the cluster's to check, with its other options; here only what the lock cannot hold.
      extra.forEach((sg, i) => problems.check(typeof sg !== 'string' || !sg.includes('${'), `kafkaBackendOptions.${name}.additionalSecurityGroupIds[${i}]`, sg,
        'a literal security group id such as sg-0123456789abcdef0 (the region lock records it; a reference is known only at apply)'));
    }
  }
  for (const b of backends) {
    if (b?.kind === KafkaBackendKind.WARPSTREAM) {
      problems.check(backendOptions[b.name] !== undefined, `kafkaBackendOptions.${b.name}`, undefined,
        'KafkaBackendOptions.warpStream({ virtualClusterId: \'vci_...\' }): a WarpStream backend needs its virtual cluster id');
    } else if (b?.kind === KafkaBackendKind.EXTERNAL) {
      problems.check(backendOptions[b.name] !== undefined, `kafkaBackendOptions.${b.name}`, undefined,
        'KafkaBackendOptions.external({ bootstrapBrokers: \'host:9094,...\' }): an external backend needs its bootstrap brokers');
    }
  }
  const zooCfg = spec.zooKeeperOptions?.zooCfg;
  checkObservabilitySpec(spec.observability, problems, { snapRetainCount: zooCfg?.autopurge?.snapRetainCount ?? 3, tickTime: zooCfg?.tickTime ?? 2000 });
  const roles = (Array.isArray(spec.ingestionTiers) ? spec.ingestionTiers : [])
    .map((t) => (typeof t?.role === 'string' ? t.role : t?.role?.value));
  for (const role of Object.keys(spec.ingestionTierOptions ?? {})) {
    problems.check(roles.includes(role), `ingestionTierOptions.${role}`, role, `a role of ingestionTiers (${roles.join(', ') || 'none'})`);
  }
}

/**
 * Validates a whole region description, the AWS parts and the topology, and throws one
 * `TopologyValidationError` listing every problem; returns the topology otherwise.
 */
export function buildRegionTopology(spec: RegionStackProps): Topology {
  const problems = new Problems();
  if (spec === null || typeof spec !== 'object') {
    problems.add('(region)', spec, 'a region description');
    problems.throwIfAny();
  }
  let topology: Topology | undefined;
  try {
    topology = buildTopology(spec);
  } catch (e) {
    if (!(e instanceof TopologyValidationError)) throw e;
    e.problems.forEach((p) => problems.add(p.field, p.value, p.expected));
  }
  // The AWS parts read fields the topology's shape check has vetted; a malformed shape is reported alone.
  if (topology !== undefined || !problems.all.some((p) => p.expected.startsWith(SHAPE_PREFIX))) checkRegionParts(spec, problems);
  if (topology !== undefined) {
    checkServerVersions(problems, topology, spec);
    checkGeneratedNames(problems, topology, spec);
    checkPorts(problems, spec);
  }
  problems.throwIfAny();
  return topology!;
}
