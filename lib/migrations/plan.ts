/**
 * From the region lock and a new topology to ordered, idempotent migrations placed by role, or a
 * refusal that names the object and the supported path. Generic over what the schema renders:
 * objects are compared by their shape (columns, engine, keys, TTL, settings, view query), read
 * from the statements of `lib/schema`. Pure.
 */
import { Topology } from '../model/topology';
import { Problems } from '../model/validation';
import { schemaRoles, statementsForRole } from '../schema/placement';
import { SchemaObjectKind, Statement } from '../schema/statements';
import {
  STORAGE_ROLE, LockedMigration, LockedObject, MigrationPhase, MigrationStep, PHASE_ORDER, RegionLock, RoleSchema,
} from '../lock/region-lock';
import { ColumnShape, mentions, splitColumnDefinition } from '../lock/shape';
import * as ddl from '../schema/sql';

/** What the spec marks for removal, with what happens to it. */
export interface DecommissionSpec {
  /**
   * Streams removed from the spec on purpose: `keep-data` stops and drops their consumers and
   * writable tables and keeps their tables on the storage hosts (data, dead letters, the read-side
   * table; listed in the lock's `retainedTables`); `drop-data` also drops those on every storage host.
   * @default none
   */
  readonly streams?: Readonly<Record<string, 'keep-data' | 'drop-data'>>;
  /** Storage shards (1-based) removed on purpose, after their data was moved (see docs/schema.md). @default none */
  readonly shards?: readonly number[];
  /** Storage replica numbers (1-based) removed from every shard on purpose. @default none */
  readonly replicas?: readonly number[];
  /** Kafka backends removed on purpose, after their topics were drained. @default none */
  readonly backends?: readonly string[];
  /** Topics (`backend/topic`) removed on purpose. @default none */
  readonly topics?: readonly string[];
}

/** What the operator confirms having done by hand before the synth that records it. */
export interface AcknowledgedChanges {
  /**
   * The ZooKeeper ensemble was reconfigured by the procedure in docs/schema.md (one member at a
   * time) and now has this many members: the new member list is recorded.
   * @default none: an ensemble change is refused
   */
  readonly zookeeperEnsembleSize?: number;
  /**
   * The Terraform state was moved by hand from this key (`s3://bucket/key`, the lock's
   * `stateKey`): a renamed region, stack or state key is recorded instead of refused.
   * @default none: a rename is refused
   */
  readonly stateMovedFrom?: string;
}

/** The refusal's path for a change ClickHouse cannot make in place. */
export const NEW_TABLE_PATH = 'ClickHouse cannot change this in place. Supported path: add a new stream (a new data table with the new '
  + 'definition) fed by the same topic with its own consumer group, backfill it with INSERT INTO <new> SELECT ... FROM <old> up to '
  + 'the new stream\'s first offsets, switch readers to the new table (swap, e.g. EXCHANGE TABLES), then decommission the old '
  + 'stream with keep-data or drop-data';

interface Change {
  readonly stream: string;
  readonly label: string;
}

interface DraftStep extends Omit<MigrationStep, 'id'> {
  readonly stream: string;
}

const INGESTION_KINDS = new Set([SchemaObjectKind.KAFKA_TABLE, SchemaObjectKind.MATERIALIZED_VIEW, SchemaObjectKind.DEAD_LETTER_VIEW, SchemaObjectKind.PRODUCER_TABLE]);
/** Both views that read a Kafka table: its rows and its dead letters. */
const VIEW_KINDS = [SchemaObjectKind.MATERIALIZED_VIEW, SchemaObjectKind.DEAD_LETTER_VIEW];
/** Settings MergeTree fixes at creation. */
const FIXED_SETTINGS = new Set(['index_granularity', 'index_granularity_bytes']);

/** A step's checksum: the runner refuses a recorded step whose SQL changed. */
export function stepChecksum(sql: string): string {
  // FNV-1a 64 bit: dependency-free and stable; this detects edits, it is no security boundary.
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(sql, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

function statementsByRole(topology: Topology): Map<string, Map<string, Statement>> {
  const out = new Map<string, Map<string, Statement>>();
  for (const role of schemaRoles(topology)) out.set(role.value, new Map(statementsForRole(topology, role).map((s) => [s.name, s])));
  return out;
}

/**
 * The migrations that take a region from `lock.schema` to `next` (the description of the new
 * topology), numbered after the lock's last; problems for every change that is refused.
 */
export function planMigrations(lock: RegionLock, topology: Topology, next: Readonly<Record<string, RoleSchema>>,
  decommissioned: DecommissionSpec, problems: Problems): LockedMigration[] {
  const db = topology.database;
  const created = statementsByRole(topology);
  const drafts: DraftStep[] = [];
  const changes: Change[] = [];
  const note = (stream: string, label: string): void => {
    if (!changes.some((c) => c.stream === stream && c.label === label)) changes.push({ stream, label });
  };
  const streamsNow = new Set(topology.streams.map((s) => s.name));
  const previousRoles = new Set([...Object.keys(lock.schema), ...Object.keys(lock.inventory.ingestionTiers)]);

  // Removed streams with a data table are stateful: refused unless decommissioned.
  const removedStreams = new Set<string>();
  for (const [name, object] of Object.entries(lock.schema[STORAGE_ROLE] ?? {})) {
    if (!holdsData(object) || object.stream === undefined || streamsNow.has(object.stream)) continue;
    const marked = decommissioned.streams?.[object.stream];
    if (!problems.check(marked === 'keep-data' || marked === 'drop-data', `streams.${object.stream}`, 'removed',
      `stream ${object.stream} kept, or marked decommissioned: its data table ${db}.${name} holds data. Mark it `
      + `{ decommissioned: { streams: { ${object.stream}: 'keep-data' } } } (consumers and writable tables dropped, ${name} kept) `
      + 'or \'drop-data\' (the data table dropped too) in the region lock options')) continue;
    removedStreams.add(object.stream);
    note(object.stream, `decommission_stream_${object.stream}`);
    if (marked === 'drop-data') {
      drafts.push({ stream: object.stream, role: STORAGE_ROLE, phase: MigrationPhase.STORAGE_CONTRACT, object: name,
        does: `drop the data table of decommissioned stream ${object.stream}`, sql: ddl.dropObject(db, name, false) });
    }
  }
  for (const [stream, marked] of Object.entries(decommissioned.streams ?? {})) {
    problems.check(!streamsNow.has(stream), `decommissioned.streams.${stream}`, marked,
      `a stream that is no longer in the spec (${stream} still is: remove it from streams, or drop the marker)`);
  }

  for (const role of schemaRoles(topology).map((r) => r.value)) {
    // A role that never ran before has only fresh nodes: they create the current schema at boot.
    if (!previousRoles.has(role)) continue;
    const before = lock.schema[role] ?? {};
    const after = next[role] ?? {};
    const consumersChanged = new Set<string>();
    const legKey = (o: LockedObject): string => `${o.stream}|${o.leg ?? ''}`;
    for (const [name, now] of Object.entries(after)) {
      const was = before[name];
      const stream = now.stream ?? '';
      const statement = created.get(role)!.get(name)!;
      if (was === undefined) {
        if (INGESTION_KINDS.has(now.kind)) {
          consumersChanged.add(legKey(now));
          continue;
        }
        const phase = role === STORAGE_ROLE ? MigrationPhase.STORAGE : MigrationPhase.WRITABLE;
        drafts.push({ stream, role, phase, object: name, does: `create ${now.kind} ${name}`, sql: statement.sql });
        if (now.kind === SchemaObjectKind.DATA_TABLE) note(stream, `add_stream_${stream}`);
        else if (now.kind === SchemaObjectKind.WRITABLE_TABLE) note(stream, isNewStream(lock, stream) ? `add_stream_${stream}` : `add_leg_${stream}${now.leg ?? ''}`);
        continue;
      }
      if (now.kind === SchemaObjectKind.ACCESS_ROLE) {
        // CREATE ROLE IF NOT EXISTS and GRANT are idempotent: a changed one simply runs again.
        if (JSON.stringify(was) !== JSON.stringify(now)) {
          drafts.push({ stream, role, phase: role === STORAGE_ROLE ? MigrationPhase.STORAGE : MigrationPhase.WRITABLE, object: name, does: `re-run ${name}`, sql: statement.sql });
        }
        continue;
      }
      if (!INGESTION_KINDS.has(now.kind) && now.kind !== SchemaObjectKind.DATABASE) {
        // Data and writable tables, and any table kind the schema adds later (read tables, dead letters): compared by shape.
        compareTable(db, role, name, was, now, stream, drafts, note, problems);
        if (now.kind === SchemaObjectKind.WRITABLE_TABLE && JSON.stringify(was.columns) !== JSON.stringify(now.columns)) consumersChanged.add(legKey(now));
      } else if (INGESTION_KINDS.has(now.kind) && JSON.stringify(was) !== JSON.stringify(now)) {
        if (now.kind === SchemaObjectKind.KAFKA_TABLE && was.engine !== now.engine) {
          problems.add(`streams.${stream}.legs (${name})`, now.engine,
            `the same backend, topic and consumer group as deployed (${was.engine}): a leg's group holds its committed offsets. `
            + 'Supported path: add a new leg (its own suffix and group), let it catch up, then retire this one');
          continue;
        }
        if (now.kind === SchemaObjectKind.PRODUCER_TABLE) {
          for (const o of Object.values(after)) if (o.stream === stream && o.kind === SchemaObjectKind.MATERIALIZED_VIEW) consumersChanged.add(legKey(o));
        }
        consumersChanged.add(legKey(now));
      }
    }
    // Retired legs, removed streams and tiers that stopped consuming: their objects are gone from the spec.
    const retired: [string, LockedObject][] = Object.entries(before).filter(([name]) => after[name] === undefined);
    for (const [, was] of retired) if (INGESTION_KINDS.has(was.kind)) consumersChanged.add(legKey(was));

    // Consumers: views dropped first (nothing more is read), then Kafka tables, producer tables re-made, Kafka tables, views.
    const ordered = (kind: SchemaObjectKind, from: RoleSchema): [string, LockedObject][] =>
      Object.entries(from).filter(([, o]) => o.kind === kind && consumersChanged.has(legKey(o)));
    const drop = (name: string, o: LockedObject, why: string): void => {
      const phase = after[name] === undefined ? MigrationPhase.RETIRE : MigrationPhase.CONSUMERS;
      drafts.push({ stream: o.stream ?? '', role, phase, object: name, does: why,
        sql: ddl.dropObject(db, name, VIEW_KINDS.includes(o.kind)) });
    };
    const create = (name: string, o: LockedObject): void => {
      drafts.push({ stream: o.stream ?? '', role, phase: MigrationPhase.CONSUMERS, object: name, does: `create ${o.kind} ${name}`,
        sql: created.get(role)!.get(name)!.sql });
    };
    const producerChanged = (name: string): boolean => JSON.stringify(before[name]) !== JSON.stringify(after[name]);
    // The dead-letter view stops first and starts last: a Kafka table consumes (and commits) while
    // any view reads it, so its main view must read whenever it does, or good rows are lost.
    for (const kind of [...VIEW_KINDS].reverse()) {
      for (const [name, o] of ordered(kind, before)) drop(name, o, after[name] ? `stop view ${name} (re-created below)` : `stop and drop view ${name}`);
    }
    for (const [name, o] of ordered(SchemaObjectKind.KAFKA_TABLE, before)) {
      drop(name, o, after[name] ? `drop Kafka table ${name}; its group keeps the committed offsets` : `drop Kafka table ${name} of a retired leg`);
    }
    for (const [name, o] of ordered(SchemaObjectKind.PRODUCER_TABLE, before)) if (producerChanged(name)) drop(name, o, `drop producer table ${name}`);
    for (const [name, o] of ordered(SchemaObjectKind.PRODUCER_TABLE, after)) if (producerChanged(name)) create(name, o);
    for (const [name, o] of ordered(SchemaObjectKind.KAFKA_TABLE, after)) create(name, o);
    for (const kind of VIEW_KINDS) for (const [name, o] of ordered(kind, after)) create(name, o);
    for (const key of consumersChanged) {
      const [stream, leg] = key.split('|');
      const hadIt = Object.values(before).some((o) => legKey(o) === key);
      const hasIt = Object.values(after).some((o) => legKey(o) === key);
      if (!hadIt && hasIt) note(stream, isNewStream(lock, stream) ? `add_stream_${stream}` : `add_leg_${stream}${leg}`);
      else if (hadIt && !hasIt) note(stream, removedStreams.has(stream) ? `decommission_stream_${stream}` : `retire_leg_${stream}${leg}`);
      else note(stream, `recreate_consumers_${stream}`);
    }
    for (const [name, was] of retired) {
      // A removed grant or role is left in place (revoke by hand): its table is gone or it is unused.
      if (INGESTION_KINDS.has(was.kind) || was.kind === SchemaObjectKind.DATABASE || was.kind === SchemaObjectKind.ACCESS_ROLE) continue;
      // keep-data keeps the stream's tables on DATA, its read-side Distributed table too: the retained rows stay readable.
      if (role === STORAGE_ROLE && was.stream !== undefined && removedStreams.has(was.stream) && decommissioned.streams?.[was.stream] === 'keep-data') continue;
      if (holdsData(was)) {
        // A table that stores rows, gone while its stream stays (or on another role): never dropped silently.
        if (was.stream !== undefined && removedStreams.has(was.stream)) continue;
        problems.add(`streams.${was.stream ?? '(none)'} (${db}.${name})`, 'removed',
          `${db}.${name} kept on role ${role}: it stores rows (${was.engine}). To remove it, decommission its stream `
          + `({ decommissioned: { streams: { ${was.stream ?? '<stream>'}: 'keep-data' | 'drop-data' } } })`);
        continue;
      }
      drafts.push({ stream: was.stream ?? '', role, phase: role === STORAGE_ROLE ? MigrationPhase.STORAGE_CONTRACT : MigrationPhase.WRITABLE_CONTRACT,
        object: name, does: `drop ${was.kind} ${name} (it stores no rows)`, sql: ddl.dropObject(db, name, false) });
    }
  }
  return numberMigrations(lock, topology, drafts, changes);
}

/** Whether an object stores rows (a MergeTree family engine): removing it loses data. */
function holdsData(o: LockedObject): boolean {
  return o.kind === SchemaObjectKind.DATA_TABLE || /MergeTree\(/.test(o.engine ?? '');
}

function isNewStream(lock: RegionLock, stream: string): boolean {
  return !Object.values(lock.schema).some((objects) => Object.values(objects).some((o) => o.stream === stream));
}

function compareTable(db: string, role: string, name: string, was: LockedObject, now: LockedObject, stream: string,
  drafts: DraftStep[], note: (stream: string, label: string) => void, problems: Problems): void {
  // A table that stores rows on DATA (data, dead-letter) changes on the storage phases, before the
  // pods roll and after nothing writes a dropped column; a Distributed one (writable, read) follows.
  const storage = now.kind === SchemaObjectKind.DATA_TABLE || (role === STORAGE_ROLE && holdsData(now));
  const expand = storage ? MigrationPhase.STORAGE : MigrationPhase.WRITABLE;
  const contract = storage ? MigrationPhase.STORAGE_CONTRACT : MigrationPhase.WRITABLE_CONTRACT;
  const push = (phase: MigrationPhase, does: string, sql: string): void => {
    drafts.push({ stream, role, phase, object: name, does, sql });
  };
  const field = `streams.${stream}`;
  for (const [key, what] of [['orderBy', 'ORDER BY'], ['partitionBy', 'PARTITION BY'], ['primaryKey', 'PRIMARY KEY'], ['sampleBy', 'SAMPLE BY']] as const) {
    if (was[key] !== now[key]) {
      problems.add(`${field} (${db}.${name} ${what})`, now[key] ?? '(none)', `${what} ${was[key] ?? '(none)'} as deployed. ${NEW_TABLE_PATH}`);
    }
  }
  if (was.engine !== now.engine) {
    const sharding = now.kind === SchemaObjectKind.WRITABLE_TABLE ? ' (a new sharding key or target cluster)' : '';
    problems.add(`${field} (${db}.${name} engine${sharding})`, now.engine, `${was.engine} as deployed. ${NEW_TABLE_PATH}`);
  }
  const keys = [now.orderBy, now.partitionBy, now.primaryKey, now.sampleBy, now.ttl, now.engine];
  const oldColumns = new Map((was.columns ?? []).map((c) => [c.name, c]));
  const newColumns = new Map((now.columns ?? []).map((c) => [c.name, c]));
  let previous: string | undefined;
  for (const c of now.columns ?? []) {
    const old = oldColumns.get(c.name);
    if (old === undefined) {
      push(expand, `add column ${c.name}`, ddl.addColumn(db, name, c.name, c.definition, previous));
      note(stream, `add_column_${stream}_${c.name}`);
    } else if (old.definition !== c.definition) {
      modifyColumn(db, name, old, c, field, problems, (does, sql) => push(expand, does, sql));
      note(stream, `modify_column_${stream}_${c.name}`);
    }
    previous = c.name;
  }
  for (const c of was.columns ?? []) {
    if (newColumns.has(c.name)) continue;
    const usedBy = keys.filter((k) => mentions(k, c.name));
    if (!problems.check(usedBy.length === 0, `${field}.columns (${db}.${name}.${c.name})`, 'dropped',
      `a column no key, engine argument or TTL uses (${c.name} is in ${usedBy.join('; ')}). ${NEW_TABLE_PATH}`)) continue;
    push(contract, `drop column ${c.name}`, ddl.dropColumn(db, name, c.name));
    note(stream, `drop_column_${stream}_${c.name}`);
  }
  if (was.ttl !== now.ttl) {
    push(expand, now.ttl === undefined ? 'remove the table TTL' : 'set the table TTL', now.ttl === undefined ? ddl.removeTtl(db, name) : ddl.modifyTtl(db, name, now.ttl));
    note(stream, `ttl_${stream}`);
  }
  const oldSettings = was.settings ?? {};
  const newSettings = now.settings ?? {};
  for (const key of [...new Set([...Object.keys(oldSettings), ...Object.keys(newSettings)])].sort()) {
    if (oldSettings[key] === newSettings[key]) continue;
    if (!problems.check(!FIXED_SETTINGS.has(key), `${field} (${db}.${name} SETTINGS ${key})`, newSettings[key] ?? '(default)',
      `${oldSettings[key] ?? '(default)'} as deployed: ${key} is fixed when a table is created. ${NEW_TABLE_PATH}`)) continue;
    push(expand, `setting ${key}`, newSettings[key] === undefined ? ddl.resetSetting(db, name, key) : ddl.modifySetting(db, name, key, newSettings[key]));
    note(stream, `settings_${stream}`);
  }
}

function modifyColumn(db: string, table: string, old: ColumnShape, now: ColumnShape, field: string, problems: Problems,
  push: (does: string, sql: string) => void): void {
  const a = splitColumnDefinition(old.definition);
  const b = splitColumnDefinition(now.definition);
  if (!problems.check(a.type === b.type, `${field}.columns (${db}.${table}.${now.name} type)`, b.type,
    `${a.type} as deployed: a new type rewrites every part and can fail half-way. Supported path: add a column with the new type `
    + '(a new name), backfill it with ALTER TABLE ... UPDATE or a new stream, switch readers, then drop the old column')) return;
  for (const property of ['DEFAULT', 'MATERIALIZED', 'ALIAS', 'CODEC', 'TTL', 'COMMENT', 'SETTINGS']) {
    const had = new RegExp(`(^|\\s)${property}\\b`).test(a.modifiers);
    const has = new RegExp(`(^|\\s)${property}\\b`).test(b.modifiers);
    if (had && !has) push(`remove ${property} of ${now.name}`, ddl.removeColumnProperty(db, table, now.name, property));
  }
  if (b.modifiers !== '') push(`change default or codec of ${now.name}`, ddl.modifyColumn(db, table, now.name, now.definition));
}

/** One migration per stream that changed, in the spec's stream order, numbered after the lock's last. */
function numberMigrations(lock: RegionLock, topology: Topology, drafts: readonly DraftStep[], changes: readonly Change[]): LockedMigration[] {
  const order = [...topology.streams.map((s) => s.name)];
  for (const objects of Object.values(lock.schema)) for (const o of Object.values(objects)) if (o.stream && !order.includes(o.stream)) order.push(o.stream);
  const byStream = new Map<string, DraftStep[]>();
  for (const d of drafts) {
    const key = d.stream === '' ? order[0] ?? '' : d.stream;
    byStream.set(key, [...(byStream.get(key) ?? []), d]);
  }
  let number = lock.migrations.reduce((n, m) => Math.max(n, m.number), 0);
  const out: LockedMigration[] = [];
  for (const stream of order) {
    const steps = byStream.get(stream);
    if (steps === undefined || steps.length === 0) continue;
    number++;
    // Phase order, then the order the steps were found in (roles in tier order).
    const sorted = PHASE_ORDER.flatMap((p) => steps.filter((s) => s.phase === p));
    const all = changes.filter((c) => c.stream === stream).map((c) => c.label);
    // Re-created consumers follow from a column change; name them only when nothing else changed.
    const labels = all.some((l) => !l.startsWith('recreate_consumers_')) ? all.filter((l) => !l.startsWith('recreate_consumers_')) : all;
    out.push({
      number,
      name: migrationName(labels.length > 0 ? labels : [`change_${stream}`]),
      steps: sorted.map((s, i) => ({
        id: `${String(number).padStart(4, '0')}.${String(i + 1).padStart(2, '0')}`,
        role: s.role, phase: s.phase, object: s.object, does: s.does, sql: s.sql,
      })),
    });
  }
  return out;
}

/** `events_add_column_referrer`, or the first labels and how many more. */
export function migrationName(labels: readonly string[]): string {
  const unique = [...new Set(labels)];
  let name = unique[0];
  let used = 1;
  for (; used < unique.length && `${name}__${unique[used]}`.length <= 80; used++) name = `${name}__${unique[used]}`;
  return used < unique.length ? `${name}__and_${unique.length - used}_more` : name;
}

/** `0002_events_add_column_referrer`: a migration's folder and ledger name. */
export function migrationSlug(m: Pick<LockedMigration, 'number' | 'name'>): string {
  return `${String(m.number).padStart(4, '0')}_${m.name}`;
}
