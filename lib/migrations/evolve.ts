/**
 * A region's evolution at synth: the spec compared with its lock. Refuses (one error listing every
 * problem) whatever would destroy state nobody marked for removal, a change ClickHouse cannot make
 * in place, and a rename that would move the Terraform state; otherwise returns the migrations to
 * apply and the next lock to commit. Pure.
 */
import { Topology } from '../model/topology';
import { Problems } from '../model/validation';
import {
  describeRegion, LockedBackend, LockedInventory, LockedMigration, REGION_LOCK_VERSION, RegionLock,
} from '../lock/region-lock';
import { AcknowledgedChanges, DecommissionSpec, planMigrations } from './plan';
import { SchemaObjectKind } from '../schema/statements';

export interface EvolveInput {
  readonly topology: Topology;
  /** The stack's id (`us`). */
  readonly stack: string;
  /** `s3://bucket/key` of the stack's Terraform state. */
  readonly stateKey: string;
  /** The committed lock; none for a region never synthesized with one (then everything is new). */
  readonly lock?: RegionLock;
  /** @default none */
  readonly decommissioned?: DecommissionSpec;
  /** @default none */
  readonly acknowledged?: AcknowledgedChanges;
  /**
   * The MSK clusters the stack creates, by backend name, with the security groups of the user's
   * own attached to their brokers (`additionalSecurityGroupIds`): recorded in the lock, and a
   * change on a cluster the lock already has is refused (MSK cannot change them in place).
   * @default none
   */
  readonly mskBrokerSecurityGroups?: Readonly<Record<string, readonly string[]>>;
}

export interface RegionEvolution {
  /** The lock to commit: the new schema and inventory, every migration so far. */
  readonly lock: RegionLock;
  /** Every migration, old and new, in number order (the runner skips what a node already applied). */
  readonly migrations: readonly LockedMigration[];
  /** Migrations this synth generated (the lock did not have them). */
  readonly generated: readonly LockedMigration[];
}

/** Compares the spec with the lock; throws one `TopologyValidationError` listing every refused change. */
export function evolveRegion(input: EvolveInput): RegionEvolution {
  const { topology, lock } = input;
  const decommissioned = input.decommissioned ?? {};
  const acknowledged = input.acknowledged ?? {};
  const problems = new Problems();
  const description = describeRegion(topology);
  let generated: LockedMigration[] = [];
  let retained: string[] = [];
  checkOptions(problems, topology, decommissioned, acknowledged);
  if (lock !== undefined) {
    checkIdentity(problems, lock, input, acknowledged);
    checkInventory(problems, lock, topology, decommissioned, acknowledged);
    checkBrokerSecurityGroups(problems, lock, input.mskBrokerSecurityGroups ?? {});
    if (lock.database !== topology.database) {
      problems.add('database', topology.database, `${lock.database} as deployed: every table lives there. Moving a region to a new database is a new region`);
    }
    generated = planMigrations(lock, topology, description.schema, decommissioned, problems);
    const kept = Object.entries(decommissioned.streams ?? {}).filter(([, how]) => how === 'keep-data').map(([s]) => s);
    // The kept stream's tables (data, dead letters, read side); its grants stay too, but they are no tables.
    const keptTables = Object.entries(lock.schema.data ?? {})
      .filter(([, o]) => o.stream !== undefined && kept.includes(o.stream) && o.kind !== SchemaObjectKind.ACCESS_ROLE).map(([n]) => n);
    const live = new Set(Object.keys(description.schema.data ?? {}));
    retained = [...new Set([...lock.inventory.retainedTables, ...keptTables])].filter((t) => !live.has(t));
  }
  problems.throwIfAny(`region ${topology.name} compared with its lock`);
  const migrations = [...(lock?.migrations ?? []), ...generated];
  const next: RegionLock = {
    version: REGION_LOCK_VERSION,
    region: topology.name,
    stack: input.stack,
    stateKey: input.stateKey,
    database: topology.database,
    schema: description.schema,
    inventory: { ...description.inventory, backends: withBrokerSecurityGroups(description.inventory.backends, input.mskBrokerSecurityGroups ?? {}), retainedTables: retained.sort() },
    migrations,
  };
  return { lock: next, migrations, generated };
}

function checkIdentity(problems: Problems, lock: RegionLock, input: EvolveInput, acknowledged: AcknowledgedChanges): void {
  const moved = acknowledged.stateMovedFrom;
  if (moved !== undefined) {
    problems.check(moved === lock.stateKey, 'acknowledged.stateMovedFrom', moved, `the state key in the lock (${lock.stateKey})`);
    return;
  }
  const procedure = 'the state of a region never moves silently: a new name or key would plan every resource anew and orphan the old ones. '
    + 'To rename on purpose: copy the state to the new key (terraform state pull > old.tfstate; then, with the new backend, '
    + `terraform state push old.tfstate), and set acknowledged: { stateMovedFrom: '${lock.stateKey}' } for that synth`;
  problems.check(input.topology.name === lock.region, 'name', input.topology.name, `${lock.region} as recorded in the lock: ${procedure}`);
  problems.check(input.stack === lock.stack, 'stack id', input.stack, `${lock.stack} as recorded in the lock: ${procedure}`);
  problems.check(input.stateKey === lock.stateKey, 'stateBackend', input.stateKey, `${lock.stateKey} as recorded in the lock: ${procedure}`);
}

/** The backends with the broker security groups of the MSK clusters the stack creates (only where there are some: absent means none). */
function withBrokerSecurityGroups(backends: LockedInventory['backends'], groups: Readonly<Record<string, readonly string[]>>): LockedInventory['backends'] {
  return Object.fromEntries(Object.entries(backends).map(([name, b]): [string, LockedBackend] => {
    const sorted = [...(groups[name] ?? [])].sort();
    return [name, sorted.length > 0 ? { ...b, brokerSecurityGroups: sorted } : b];
  }));
}

/**
 * An MSK cluster's broker security groups are set when the cluster is created: AWS has no API to
 * change them, so Terraform would replace the cluster (and lose its topics). Refused on a cluster
 * the lock already has; a lock entry without the list was created without any.
 */
function checkBrokerSecurityGroups(problems: Problems, lock: RegionLock, groups: Readonly<Record<string, readonly string[]>>): void {
  for (const [name, wanted] of Object.entries(groups)) {
    const locked = lock.inventory.backends[name];
    if (locked === undefined || locked.kind !== 'msk') continue;
    const before = [...(locked.brokerSecurityGroups ?? [])].sort();
    const after = [...wanted].sort();
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    problems.add(`kafkaBackendOptions.${name}.additionalSecurityGroupIds`, after,
      `${before.length === 0 ? 'none' : JSON.stringify(before)} as the MSK cluster of backend ${name} was created: AWS cannot change a cluster's `
      + 'security groups, so Terraform would replace the cluster and lose its topics. Supported path: let new clients reach the brokers '
      + `with KafkaBackendOptions.msk({ allowedSources: { securityGroupIds, cidrs } }) (ingress rules on the brokers' security group, added `
      + 'and removed in place); to really change the brokers\' groups, declare a new backend with them, move the legs to it, and decommission this one');
  }
}

/** Removing a shard, replica, ZooKeeper member, backend or topic is refused unless marked. */
function checkInventory(problems: Problems, lock: RegionLock, topology: Topology, d: DecommissionSpec, acknowledged: AcknowledgedChanges): void {
  const inv = lock.inventory;
  const hosts = new Set(topology.storage.hosts.map((h) => h.name));
  const gone = inv.storage.hosts.filter((h) => !hosts.has(h));
  for (let shard = topology.storage.shards + 1; shard <= inv.storage.shards; shard++) {
    const names = gone.filter((h) => new RegExp(`-s${String(shard).padStart(2, '0')}-r\\d+$`).test(h));
    problems.check(d.shards?.includes(shard) === true, `storage.shards (shard ${shard})`, topology.storage.shards,
      `at least ${inv.storage.shards} as deployed: storage shard ${shard} (${names.join(', ')}) holds data. Move its data first `
      + `(docs/schema.md, "Removing a shard"), then mark it { decommissioned: { shards: [${shard}] } }`);
  }
  for (let replica = topology.storage.replicas + 1; replica <= inv.storage.replicas; replica++) {
    problems.check(d.replicas?.includes(replica) === true, `storage.replicas (replica ${replica})`, topology.storage.replicas,
      `at least ${inv.storage.replicas} as deployed: replica ${replica} of every shard holds a copy. Mark it { decommissioned: { replicas: [${replica}] } } `
      + 'once the remaining replicas are healthy (SYSTEM DROP REPLICA afterwards, docs/schema.md)');
  }
  const members = topology.zookeeper.map((z) => z.name);
  if (JSON.stringify(members) !== JSON.stringify(inv.zookeeper)) {
    problems.check(acknowledged.zookeeperEnsembleSize === members.length, 'zookeeper.nodes', members.length,
      `${inv.zookeeper.length} members as deployed (${inv.zookeeper.join(', ')}): a running ensemble ignores a new zoo.cfg, and replacing `
      + 'members all at once loses quorum. Procedure (docs/schema.md, "Changing the ZooKeeper ensemble"): add or remove one member at a time '
      + 'with `reconfig -add`/`reconfig -remove`, waiting for every follower to sync, then set '
      + `acknowledged: { zookeeperEnsembleSize: ${members.length} }`);
  }
  for (const [name, backend] of Object.entries(inv.backends)) {
    const now = topology.kafkaBackends.find((b) => b.name === name);
    if (now === undefined) {
      problems.check(d.backends?.includes(name) === true, `kafkaBackends (${name})`, 'removed',
        `backend ${name} kept, or marked { decommissioned: { backends: ['${name}'] } } once its topics (${Object.keys(backend.topics).join(', ')}) `
        + 'are drained and no leg reads them');
      continue;
    }
    for (const [topic, partitions] of Object.entries(backend.topics)) {
      const t = now.topics.find((x) => x.name === topic);
      if (t === undefined) {
        problems.check(d.topics?.includes(`${name}/${topic}`) === true, `kafkaBackends.${name}.topics (${topic})`, 'removed',
          `topic ${topic} kept, or marked { decommissioned: { topics: ['${name}/${topic}'] } } once it is drained`);
      } else {
        problems.check(t.partitions >= partitions, `kafkaBackends.${name}.topics.${topic}.partitions`, t.partitions,
          `at least ${partitions} as deployed: Kafka cannot remove partitions (a new topic and a new leg can)`);
      }
    }
  }
  for (const b of d.backends ?? []) {
    problems.check(!topology.kafkaBackends.some((x) => x.name === b), `decommissioned.backends (${b})`, b, 'a backend no longer in kafkaBackends');
  }
}

/** The decommission and acknowledgement markers themselves: well-formed, and not contradicting the spec. */
function checkOptions(problems: Problems, topology: Topology, d: DecommissionSpec, a: AcknowledgedChanges): void {
  const list = (field: string, value: unknown, ok: (x: unknown) => boolean, expected: string): unknown[] => {
    if (value === undefined) return [];
    if (!problems.check(Array.isArray(value) && value.every(ok), `decommissioned.${field}`, value, expected)) return [];
    return value as unknown[];
  };
  const whole = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 1;
  for (const shard of list('shards', d.shards, whole, 'shard numbers (1-based), e.g. [3]')) {
    problems.check((shard as number) > topology.storage.shards, 'decommissioned.shards', shard,
      `a shard no longer in the spec (the spec has ${topology.storage.shards}: lower storage.shards, or drop the marker)`);
  }
  for (const replica of list('replicas', d.replicas, whole, 'replica numbers (1-based), e.g. [3]')) {
    problems.check((replica as number) > topology.storage.replicas, 'decommissioned.replicas', replica,
      `a replica no longer in the spec (the spec has ${topology.storage.replicas} per shard)`);
  }
  list('backends', d.backends, (x) => typeof x === 'string', 'backend names');
  for (const topic of list('topics', d.topics, (x) => typeof x === 'string' && /^[^/]+\/[^/]+$/.test(x), "'backend/topic' names")) {
    const [backend, name] = (topic as string).split('/');
    problems.check(!topology.kafkaBackends.some((b) => b.name === backend && b.topics.some((t) => t.name === name)), 'decommissioned.topics', topic,
      'a topic no longer in the spec');
  }
  for (const [stream, how] of Object.entries(d.streams ?? {})) {
    problems.check(how === 'keep-data' || how === 'drop-data', `decommissioned.streams.${stream}`, how, "'keep-data' or 'drop-data'");
  }
  if (a.zookeeperEnsembleSize !== undefined) {
    problems.check(a.zookeeperEnsembleSize === topology.zookeeper.length, 'acknowledged.zookeeperEnsembleSize', a.zookeeperEnsembleSize,
      `the ensemble size of the spec (${topology.zookeeper.length})`);
  }
}
