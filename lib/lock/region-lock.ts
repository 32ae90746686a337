/**
 * The region lock: a reviewable JSON file, committed beside the stack (`stacks/<region>.lock.json`),
 * that records what a region runs once its recorded migrations are applied. Synth writes it; the
 * next synth compares the spec with it. It holds:
 * - the schema of every object on every role (columns, engine, keys, TTL, settings, view query),
 *   read from the statements the schema renders;
 * - the stateful inventory: shards, replicas, hosts, ZooKeeper members, backends with their topics,
 *   consumer groups, and the stream data tables kept after a stream was decommissioned;
 * - identity: the region name, stack id and Terraform state key, so a rename never moves state silently;
 * - every migration generated so far, numbered once and never renumbered.
 * Pure: no cdktf, no file system.
 */
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { parseJsonFile, Problems } from '../model/validation';
import { schemaRoles, statementsForRole } from '../schema/placement';
import { SchemaObjectKind } from '../schema/statements';
import { readShape, ObjectShape } from './shape';

export const REGION_LOCK_VERSION = 1;

/** One object of a role's schema. */
export interface LockedObject extends ObjectShape {
  readonly kind: SchemaObjectKind;
  /** The stream it belongs to (none for the database). */
  readonly stream?: string;
  /** The leg's suffix, for a leg's writable table, Kafka table and view. */
  readonly leg?: string;
}

/** A role's objects by name, in the order the role creates them. */
export type RoleSchema = Readonly<Record<string, LockedObject>>;

/** A consumer group: one leg's Kafka table reading a topic. */
export interface LockedConsumerGroup {
  readonly group: string;
  readonly backend: string;
  readonly topic: string;
  readonly stream: string;
  readonly kafkaTable: string;
  readonly roles: readonly string[];
}

/** A Kafka backend of the region. */
export interface LockedBackend {
  readonly kind: string;
  /** Topics with their partitions. */
  readonly topics: Readonly<Record<string, number>>;
  /**
   * An MSK cluster the stack creates: the security groups of its own attached to the brokers
   * besides the library's, sorted. Fixed when the cluster is created (MSK cannot change them).
   * Absent: none.
   */
  readonly brokerSecurityGroups?: readonly string[];
}

/** The stateful parts of a region: what removing from the spec would destroy. */
export interface LockedInventory {
  readonly storage: {
    readonly shards: number;
    readonly replicas: number;
    readonly hosts: readonly string[];
  };
  readonly zookeeper: readonly string[];
  /** Backends by name: kind and topics with partitions. */
  readonly backends: Readonly<Record<string, LockedBackend>>;
  /** Ingestion tiers by role: nodes (stateless, listed so the runner knows which pods ran before). */
  readonly ingestionTiers: Readonly<Record<string, { readonly nodes: number; readonly hosts: readonly string[] }>>;
  readonly consumerGroups: readonly LockedConsumerGroup[];
  /** Data tables of decommissioned streams that were kept (their data is still on the storage hosts). */
  readonly retainedTables: readonly string[];
}

/** One statement of a migration, placed by role and phase. */
export interface MigrationStep {
  /** `0002.03`: the migration's number and the step's position in it. */
  readonly id: string;
  readonly role: string;
  readonly phase: MigrationPhase;
  /** The object it changes. */
  readonly object: string;
  /** What it does, in words (for the PR and the runner's log). */
  readonly does: string;
  readonly sql: string;
}

/**
 * The runner applies a migration's phases in this order. Retired consumers stop first. Additions flow down the write path
 * (storage first, then the writable Distributed tables, then the consumers), removals flow up
 * (consumers first, storage last), so no insert ever names a column its target lacks.
 */
export enum MigrationPhase {
  /**
   * Ingestion: views and Kafka tables of retired legs dropped, while pods still run the config
   * that names their backend (a pod whose disk holds a Kafka table of a backend its config no
   * longer names cannot start). Stopping a consumer first is always safe: its group keeps its offsets.
   */
  RETIRE = 'retire',
  /** DATA: new data tables, added or changed columns, TTL and settings. */
  STORAGE = 'storage',
  /** Ingestion: new writable Distributed tables, added or changed columns. */
  WRITABLE = 'writable',
  /** Ingestion: Kafka tables and views dropped and re-created (the group keeps its committed offsets), added or retired. */
  CONSUMERS = 'consumers',
  /** Ingestion: dropped columns, writable tables of retired legs. */
  WRITABLE_CONTRACT = 'writable-contract',
  /** DATA: dropped columns, data tables of streams decommissioned with their data. */
  STORAGE_CONTRACT = 'storage-contract',
}

export const PHASE_ORDER: readonly MigrationPhase[] = [
  MigrationPhase.RETIRE, MigrationPhase.STORAGE, MigrationPhase.WRITABLE, MigrationPhase.CONSUMERS, MigrationPhase.WRITABLE_CONTRACT, MigrationPhase.STORAGE_CONTRACT,
];

export interface LockedMigration {
  /** Stable: given once, when the migration is generated, and never changed. */
  readonly number: number;
  /** What it does: `events_add_column_referrer`. */
  readonly name: string;
  readonly steps: readonly MigrationStep[];
}

/** The contents of `stacks/<region>.lock.json`. */
export interface RegionLock {
  readonly version: typeof REGION_LOCK_VERSION;
  readonly region: string;
  readonly stack: string;
  /** `s3://bucket/key` of the Terraform state. */
  readonly stateKey: string;
  readonly database: string;
  readonly schema: Readonly<Record<string, RoleSchema>>;
  readonly inventory: LockedInventory;
  readonly migrations: readonly LockedMigration[];
}

/** What a region runs, described from its topology (the lock without identity and migrations). */
export interface RegionDescription {
  readonly database: string;
  readonly schema: Readonly<Record<string, RoleSchema>>;
  readonly inventory: LockedInventory;
}

/** Every role's objects, read from the statements the role runs. */
export function describeSchema(topology: Topology): Record<string, RoleSchema> {
  const schema: Record<string, RoleSchema> = {};
  for (const role of schemaRoles(topology)) {
    const objects: Record<string, LockedObject> = {};
    for (const s of statementsForRole(topology, role)) {
      objects[s.name] = {
        kind: s.kind,
        ...(s.stream !== undefined ? { stream: s.stream } : {}),
        ...(s.legSuffix !== undefined && s.kind !== SchemaObjectKind.PRODUCER_TABLE ? { leg: s.legSuffix } : {}),
        ...readShape(s.sql),
      };
    }
    if (Object.keys(objects).length > 0) schema[role.value] = objects;
  }
  return schema;
}

/** The stateful inventory of a topology. */
export function describeInventory(topology: Topology, retainedTables: readonly string[] = []): LockedInventory {
  const groups: LockedConsumerGroup[] = [];
  for (const s of topology.streams) {
    for (const l of s.legs) {
      groups.push({ group: l.consumerGroup, backend: l.backend.name, topic: l.topic.name, stream: s.name, kafkaTable: l.kafkaTable, roles: l.roles.map((r) => r.value) });
    }
  }
  return {
    storage: { shards: topology.storage.shards, replicas: topology.storage.replicas, hosts: topology.storage.hosts.map((h) => h.name) },
    zookeeper: topology.zookeeper.map((z) => z.name),
    backends: Object.fromEntries(topology.kafkaBackends.map((b) => [b.name, {
      kind: b.kind, topics: Object.fromEntries(b.topics.map((t) => [t.name, t.partitions])),
    }])),
    ingestionTiers: Object.fromEntries(topology.ingestionTiers.map((t) => [t.role.value, { nodes: t.nodes, hosts: t.hosts.map((h) => h.fqdn) }])),
    consumerGroups: groups,
    retainedTables: [...retainedTables].sort(),
  };
}

export function describeRegion(topology: Topology, retainedTables: readonly string[] = []): RegionDescription {
  return { database: topology.database, schema: describeSchema(topology), inventory: describeInventory(topology, retainedTables) };
}

/** The storage role's value (`data`). */
export const STORAGE_ROLE: string = NodeRole.DATA.value;

/**
 * JSON with two-space indentation where every small leaf (a column, a consumer group, a step's
 * header) stays on one line, so a PR diff shows one line per change.
 */
export function renderRegionLock(lock: RegionLock): string {
  return format(lock, '') + '\n';
}

function format(value: unknown, indent: string): string {
  const flat = JSON.stringify(value);
  const isLeaf = (v: unknown): boolean => v === null || typeof v !== 'object'
    || (Array.isArray(v) ? v.every((x) => x === null || typeof x !== 'object') : Object.values(v as object).every((x) => x === null || typeof x !== 'object'));
  if (value === null || typeof value !== 'object') return flat;
  if (isLeaf(value) && flat.length <= 120 && !/"sql"/.test(flat)) {
    if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const pairs = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return pairs.length === 0 ? '{}' : `{ ${pairs.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + format(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** Parses a lock file's text; one clear error for anything else. */
export function parseRegionLock(text: string, source: string): RegionLock {
  const parsed = parseJsonFile(text, source, 'region lock');
  const problems = new Problems();
  const lock = parsed as RegionLock;
  const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!problems.check(isObject(lock), source, parsed, 'a region lock object written by synth')) problems.throwIfAny('region lock');
  problems.check(lock.version === REGION_LOCK_VERSION, `${source}: version`, lock.version, `${REGION_LOCK_VERSION}`);
  for (const key of ['region', 'stack', 'stateKey', 'database'] as const) {
    problems.check(typeof lock[key] === 'string', `${source}: ${key}`, lock[key], 'a string');
  }
  problems.check(isObject(lock.schema), `${source}: schema`, lock.schema, 'the schema by role');
  const inv = lock.inventory;
  problems.check(isObject(inv) && isObject(inv.storage) && Array.isArray(inv.zookeeper) && isObject(inv.backends)
    && Array.isArray(inv.consumerGroups) && Array.isArray(inv.retainedTables) && isObject(inv.ingestionTiers),
  `${source}: inventory`, inv, 'storage, zookeeper, backends, ingestionTiers, consumerGroups and retainedTables');
  for (const [name, b] of Object.entries(isObject(inv) && isObject(inv.backends) ? inv.backends : {})) {
    const groups = (b as LockedBackend | null)?.brokerSecurityGroups;
    problems.check(groups === undefined || (Array.isArray(groups) && groups.every((g) => typeof g === 'string')),
      `${source}: inventory.backends.${name}.brokerSecurityGroups`, groups, 'a list of security group ids');
  }
  problems.check(Array.isArray(lock.migrations), `${source}: migrations`, lock.migrations, 'a list of migrations');
  let last = 0;
  for (const [i, m] of (Array.isArray(lock.migrations) ? lock.migrations : []).entries()) {
    const ok = isObject(m) && Number.isInteger(m.number) && m.number > last && typeof m.name === 'string' && Array.isArray(m.steps);
    problems.check(ok, `${source}: migrations[${i}]`, isObject(m) ? { number: m.number, name: m.name } : m,
      `a migration with a number above ${last}, a name and steps`);
    if (ok) last = m.number;
  }
  problems.throwIfAny('region lock');
  return lock;
}
