/**
 * The objects of a stream, following PostHog's conventions (research/posthog.md §6–9):
 * `<t>`/`sharded_<t>` on DATA, and on the leg's ingestion roles `writable_<t>` (Distributed),
 * `kafka_<t>` (Kafka engine) and `<t>_mv` (TO writable_<t>). A second leg repeats the last three
 * with its suffix (`_ws`). A ShuffleHog stream writes into a Kafka producer table instead.
 */
import { NodeRole } from '../model/node-role';
import { STORED_KAFKA_COLUMNS, Stream, StreamLeg } from '../model/streams';
import { Topology } from '../model/topology';
import { STORAGE_VOLUMES, TIERED_STORAGE_POLICY } from '../clickhouse/storage';
import {
  call, ColumnDefinition, createDatabase, createMaterializedView, createTable, fragment, identifier, SelectItem, Sql,
  SqlValue, stringLiteral, ttlAfterDays,
} from './sql';

/** What a statement creates. */
export enum SchemaObjectKind {
  DATABASE = 'database',
  /** `<t>` or `sharded_<t>`: the only table that stores rows (DATA nodes). */
  DATA_TABLE = 'data-table',
  /** `writable_<t><suffix>`: Distributed table that forwards INSERTs to the data nodes. */
  WRITABLE_TABLE = 'writable-table',
  /** `kafka_<t><suffix>`: Kafka engine table that consumes the leg's topic. */
  KAFKA_TABLE = 'kafka-table',
  /** `<t><suffix>_mv`: materialized view from the Kafka table to the writable (or producer) table. */
  MATERIALIZED_VIEW = 'materialized-view',
  /** `kafka_<t>_shuffled`: Kafka engine table used only as a producer (ShuffleHog). */
  PRODUCER_TABLE = 'producer-table',
  /** `<t>` on DATA for a sharded stream: Distributed over `sharded_<t>`, the table queries read. */
  READ_TABLE = 'read-table',
  /** `<t>_dead_letters` on DATA: the messages the Kafka table could not parse. */
  DEAD_LETTER_TABLE = 'dead-letter-table',
  /** `writable_<t><suffix>_dead_letters`: Distributed table that forwards a leg's dead letters to the storage cluster. */
  DEAD_LETTER_WRITABLE_TABLE = 'dead-letter-writable-table',
  /** `<t><suffix>_dead_letters_mv`: the view from the Kafka table's failed rows to the dead-letter writable table. */
  DEAD_LETTER_VIEW = 'dead-letter-view',
  /** A role (RBAC) and its grants, for ingestion writes, reads or migrations. */
  ACCESS_ROLE = 'access-role',
}

/** One idempotent DDL statement (IF NOT EXISTS, never ON CLUSTER) and what it creates. */
export interface Statement {
  readonly kind: SchemaObjectKind;
  /** The object's name in `database`. */
  readonly name: string;
  readonly database: string;
  /** Unique within a role's statements; migration file names are built from it. */
  readonly id: string;
  /** The stream it belongs to (none for the database). */
  readonly stream?: string;
  /** The leg's suffix, for the objects of one leg. */
  readonly legSuffix?: string;
  /** The statement without a trailing semicolon. */
  readonly sql: string;
}

export interface SchemaOptions {
  /**
   * Create data tables with their Replicated engine (needs ZooKeeper). `false` renders the
   * non-replicated twin (`ReplacingMergeTree(_timestamp)` for `ReplicatedReplacingMergeTree(...)`),
   * for engines without ZooKeeper in tests and rehearsals.
   * @default true
   */
  readonly replicated?: boolean;
  /**
   * Give the data and dead-letter tables `storage_policy = 'tiered'` and the TTL moves between its
   * volumes. `false` (only for engines that have no such policy) keeps the TTL deletes alone.
   * @default true
   */
  readonly tieredStorage?: boolean;
}

/**
 * PostHog's Kafka engine baseline (posthog.md §7), with one change: a message that does not parse
 * is not skipped silently (`kafka_skip_broken_messages`) but kept, with its error, in the stream's
 * dead-letter table (`kafka_handle_error_mode = 'stream'`: the row reaches the views with `_error`
 * and `_raw_message` set). A 10 s poll because WarpStream ignores fetch.min.bytes, big blocks,
 * and one thread per consumer so consumers flush in parallel instead of squashing onto one thread.
 */
export const KAFKA_BASELINE_SETTINGS = {
  kafka_handle_error_mode: 'stream',
  kafka_poll_timeout_ms: 10000,
  kafka_max_block_size: 100000,
  kafka_thread_per_consumer: 1,
} as const;

/** The `_timestamp`/`_offset`/`_partition` columns the data and writable tables carry from the Kafka virtual columns. */
const KAFKA_COLUMNS: readonly ColumnDefinition[] = STORED_KAFKA_COLUMNS.map((c) => ({ name: c.name, type: fragment(c.type) }));

/**
 * The message's Kafka timestamp, defined when Kafka has none: `_timestamp` is Nullable(DateTime)
 * (a producer may send no timestamp), and a NULL inserted into the stored DateTime would fail the
 * view's INSERT on every retry, stalling the partition. Such a message is stamped with the time it
 * was consumed.
 */
export const DEFINED_TIMESTAMP: SelectItem = { expression: fragment('coalesce(_timestamp, now())'), alias: '_timestamp' };

/** The dead-letter table's columns: where the message was, when, why it failed, and the message itself. */
const DEAD_LETTER_COLUMNS: readonly ColumnDefinition[] = [
  { name: '_topic', type: fragment('LowCardinality(String)') },
  { name: '_partition', type: fragment('UInt64') },
  { name: '_offset', type: fragment('UInt64') },
  { name: '_timestamp', type: fragment('DateTime') },
  { name: '_error', type: fragment('String') },
  { name: '_raw_message', type: fragment('String') },
];

/**
 * The producer table's message key and timestamp: the Kafka engine takes a String `_key` column as
 * the message key and a `_timestamp` column as the message timestamp, so a re-keyed event keeps
 * the time Kafka first received it.
 */
const PRODUCER_COLUMNS: readonly ColumnDefinition[] = [
  { name: '_key', type: fragment('String') },
  { name: '_timestamp', type: fragment('DateTime') },
];

function tableSettings(): (readonly [string, SqlValue])[] {
  return [['storage_policy', stringLiteral(TIERED_STORAGE_POLICY)]];
}

function storageSettings(options: SchemaOptions): (readonly [string, SqlValue])[] | undefined {
  return (options.tieredStorage ?? true) ? tableSettings() : undefined;
}

/** The data table's TTL: to the warm volume after the hot days, to the cold one after the warm days, then the optional delete. */
export function retentionTtl(stream: Pick<Stream, 'retention'>, options: SchemaOptions = {}): Sql[] {
  const r = stream.retention;
  const ttl = (options.tieredStorage ?? true) ? [
    ttlAfterDays('_timestamp', r.hotDays, STORAGE_VOLUMES[1]),
    ttlAfterDays('_timestamp', r.hotDays + r.warmDays, STORAGE_VOLUMES[2]),
  ] : [];
  if (r.deleteAfterDays !== undefined) ttl.push(ttlAfterDays('_timestamp', r.deleteAfterDays));
  return ttl;
}

function definitions(columns: Stream['columns']): ColumnDefinition[] {
  return columns.map((c) => ({ name: c.name, type: fragment(c.type) }));
}

export function createDatabaseStatement(topology: Pick<Topology, 'database'>): Statement {
  return {
    kind: SchemaObjectKind.DATABASE, name: topology.database, database: topology.database,
    id: `database_${topology.database}`, sql: createDatabase(topology.database),
  };
}

/**
 * ZooKeeper path and replica name, as PostHog's table_engines.py builds them: a sharded table
 * replicates within its shard; a single-shard table replicates to every data node (`noshard`,
 * replica `{replica}-{shard}`), so each node can read it locally, while writes go through
 * posthog_single_shard.
 */
export function replicationPath(topology: Pick<Topology, 'database'>, stream: Stream): { path: string; replica: string } {
  return stream.sharded
    ? { path: `/clickhouse/tables/{shard}/${topology.database}.${stream.dataTable}`, replica: '{replica}' }
    : { path: `/clickhouse/tables/noshard/${topology.database}.${stream.dataTable}`, replica: '{replica}-{shard}' };
}

/** `<t>` / `sharded_<t>` on DATA nodes. */
export function dataTableStatement(topology: Pick<Topology, 'database'>, stream: Stream, options: SchemaOptions = {}): Statement {
  if (stream.shuffle !== undefined) throw new Error(`Stream ${stream.name} is a ShuffleHog stream: it has no data table`);
  const columnArgs: SqlValue[] = stream.engine.columnArgs.map((c) => identifier(c));
  let engine: Sql;
  if (options.replicated ?? true) {
    const { path, replica } = replicationPath(topology, stream);
    engine = call(stream.engine.replicatedName, [stringLiteral(path), stringLiteral(replica), ...columnArgs]);
  } else {
    engine = call(stream.engine.family, columnArgs);
  }
  return {
    kind: SchemaObjectKind.DATA_TABLE, name: stream.dataTable, database: topology.database, id: stream.dataTable, stream: stream.name,
    sql: createTable({
      database: topology.database, name: stream.dataTable,
      columns: [...definitions(stream.columns), ...KAFKA_COLUMNS],
      engine,
      partitionBy: stream.partitionBy === undefined ? undefined : fragment(stream.partitionBy),
      orderBy: stream.orderBy.map(fragment),
      ttl: retentionTtl(stream, options),
      settings: storageSettings(options),
    }),
  };
}

function replicatedEngine(topology: Pick<Topology, 'database'>, family: string, table: string, args: readonly SqlValue[], options: SchemaOptions): Sql {
  if (!(options.replicated ?? true)) return call(family, args);
  // Single-shard, as PostHog's non-sharded tables: one replica on every data node, written through posthog_single_shard.
  return call(`Replicated${family}`, [stringLiteral(`/clickhouse/tables/noshard/${topology.database}.${table}`), stringLiteral('{replica}-{shard}'), ...args]);
}

/**
 * `<t>_dead_letters` on DATA: one row per message the stream's Kafka tables could not parse, kept
 * `deadLetterDays`. Replacing on (topic, partition, offset), so a replayed message is kept once.
 */
export function deadLetterTableStatement(topology: Pick<Topology, 'database'>, stream: Stream, options: SchemaOptions = {}): Statement {
  return {
    kind: SchemaObjectKind.DEAD_LETTER_TABLE, name: stream.deadLetterTable, database: topology.database, id: stream.deadLetterTable, stream: stream.name,
    sql: createTable({
      database: topology.database, name: stream.deadLetterTable,
      columns: DEAD_LETTER_COLUMNS,
      engine: replicatedEngine(topology, 'ReplacingMergeTree', stream.deadLetterTable, [], options),
      orderBy: [identifier('_topic'), identifier('_partition'), identifier('_offset')],
      ttl: [ttlAfterDays('_timestamp', stream.retention.deadLetterDays)],
      settings: storageSettings(options),
    }),
  };
}

/** `<t>` on DATA for a sharded stream: Distributed over every shard's `sharded_<t>`, for queries (PostHog's read table). */
export function readTableStatement(topology: Pick<Topology, 'database'>, stream: Stream): Statement {
  if (stream.readTable === undefined) throw new Error(`Stream ${stream.name} is not sharded: its data table is the read table`);
  const args: SqlValue[] = [stringLiteral(stream.targetCluster), stringLiteral(topology.database), stringLiteral(stream.dataTable)];
  if (stream.shardingKey !== undefined) args.push(fragment(stream.shardingKey));
  return {
    kind: SchemaObjectKind.READ_TABLE, name: stream.readTable, database: topology.database, id: stream.readTable, stream: stream.name,
    sql: createTable({
      database: topology.database, name: stream.readTable,
      columns: [...definitions(stream.columns), ...KAFKA_COLUMNS],
      engine: call('Distributed', args),
    }),
  };
}

/** `writable_<t><suffix>_dead_letters`: Distributed to the single-shard storage cluster's dead-letter table. */
export function deadLetterWritableStatement(topology: Pick<Topology, 'database'>, stream: Stream, leg: StreamLeg): Statement {
  return {
    kind: SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE, name: leg.deadLetterWritableTable, database: topology.database, id: leg.deadLetterWritableTable,
    stream: stream.name, legSuffix: leg.suffix,
    sql: createTable({
      database: topology.database, name: leg.deadLetterWritableTable,
      columns: DEAD_LETTER_COLUMNS,
      engine: call('Distributed', [stringLiteral(stream.deadLetterCluster), stringLiteral(topology.database), stringLiteral(stream.deadLetterTable)]),
    }),
  };
}

/** `<t><suffix>_dead_letters_mv`: the Kafka table's rows that failed to parse, with their error, into the dead-letter writable table. */
export function deadLetterViewStatement(topology: Pick<Topology, 'database'>, stream: Stream, leg: StreamLeg): Statement {
  return {
    kind: SchemaObjectKind.DEAD_LETTER_VIEW, name: leg.deadLetterView, database: topology.database, id: leg.deadLetterView,
    stream: stream.name, legSuffix: leg.suffix,
    sql: createMaterializedView({
      database: topology.database, name: leg.deadLetterView, to: leg.deadLetterWritableTable, from: leg.kafkaTable,
      select: [
        { expression: identifier('_topic') }, { expression: identifier('_partition') }, { expression: identifier('_offset') },
        DEFINED_TIMESTAMP, { expression: identifier('_error') }, { expression: identifier('_raw_message') },
      ],
      where: fragment('notEmpty(_error)'),
    }),
  };
}

/** `writable_<t><suffix>`: Distributed to posthog_single_shard, or to posthog with the sharding key. */
export function writableTableStatement(topology: Pick<Topology, 'database'>, stream: Stream, leg: StreamLeg): Statement {
  const args: SqlValue[] = [stringLiteral(stream.targetCluster), stringLiteral(topology.database), stringLiteral(stream.dataTable)];
  if (stream.shardingKey !== undefined) args.push(fragment(stream.shardingKey));
  return {
    kind: SchemaObjectKind.WRITABLE_TABLE, name: leg.writableTable, database: topology.database, id: leg.writableTable,
    stream: stream.name, legSuffix: leg.suffix,
    sql: createTable({
      database: topology.database, name: leg.writableTable,
      columns: [...definitions(stream.columns), ...KAFKA_COLUMNS],
      engine: call('Distributed', args),
    }),
  };
}

/** kafka_num_consumers of a leg on one role's nodes. */
export function consumersOn(leg: StreamLeg, role: NodeRole | string): number {
  const value = typeof role === 'string' ? role : role.value;
  const n = leg.consumersPerNode[value];
  if (n === undefined) throw new Error(`Leg ${leg.kafkaTable} is not consumed by role ${value}`);
  return n;
}

/** `kafka_<t><suffix>` on one of the leg's roles: the backend's named collection and the consumer settings. */
export function kafkaTableStatement(topology: Pick<Topology, 'database'>, stream: Stream, leg: StreamLeg, role: NodeRole | string): Statement {
  const consumers = consumersOn(leg, role);
  return {
    kind: SchemaObjectKind.KAFKA_TABLE, name: leg.kafkaTable, database: topology.database, id: leg.kafkaTable,
    stream: stream.name, legSuffix: leg.suffix,
    sql: createTable({
      database: topology.database, name: leg.kafkaTable,
      columns: definitions(stream.sourceColumns),
      engine: call('Kafka', [identifier(leg.backend.name)], [
        ['kafka_topic_list', stringLiteral(leg.topic.name)],
        ['kafka_group_name', stringLiteral(leg.consumerGroup)],
        ['kafka_format', stringLiteral(leg.format)],
      ]),
      // The baseline, then the leg's own settings (which override the baseline's of the same name).
      settings: [
        ['kafka_num_consumers', consumers],
        ...Object.entries({ ...KAFKA_BASELINE_SETTINGS, ...leg.kafkaSettings }).map(([k, v]) => [k, typeof v === 'string' ? stringLiteral(v) : v] as const),
      ],
    }),
  };
}

/** The view's SELECT: every writable column by name (transformed or passed through). */
function selectColumns(stream: Stream): SelectItem[] {
  return stream.columns.map((c) => {
    const transform = stream.transforms[c.name];
    return transform === undefined ? { expression: identifier(c.name) } : { expression: fragment(transform), alias: c.name };
  });
}

/** `<t><suffix>_mv TO writable_<t><suffix>`, carrying `_timestamp` and `_offset`; or, for ShuffleHog, TO the producer table with `_key`. */
export function materializedViewStatement(topology: Pick<Topology, 'database'>, stream: Stream, leg: StreamLeg): Statement {
  const select = selectColumns(stream);
  let to: string;
  if (stream.shuffle !== undefined) {
    to = stream.shuffle.producerTable;
    select.push({ expression: call('toString', [fragment(stream.shuffle.keyExpression)]), alias: '_key' }, DEFINED_TIMESTAMP);
  } else {
    to = leg.writableTable;
    select.push(DEFINED_TIMESTAMP, { expression: identifier('_offset') }, { expression: identifier('_partition') });
  }
  return {
    kind: SchemaObjectKind.MATERIALIZED_VIEW, name: leg.materializedView, database: topology.database, id: leg.materializedView,
    stream: stream.name, legSuffix: leg.suffix,
    // Failed rows go to the dead-letter view only (kafka_handle_error_mode = 'stream').
    sql: createMaterializedView({ database: topology.database, name: leg.materializedView, to, select, from: leg.kafkaTable, where: fragment('empty(_error)') }),
  };
}

/** `kafka_<t>_shuffled`: the stream's columns plus `_key`, produced to the re-partitioned topic. */
export function producerTableStatement(topology: Pick<Topology, 'database'>, stream: Stream): Statement {
  const sink = stream.shuffle;
  if (sink === undefined) throw new Error(`Stream ${stream.name} has no shuffle sink`);
  return {
    kind: SchemaObjectKind.PRODUCER_TABLE, name: sink.producerTable, database: topology.database, id: sink.producerTable, stream: stream.name,
    sql: createTable({
      database: topology.database, name: sink.producerTable,
      columns: [...definitions(stream.columns), ...PRODUCER_COLUMNS],
      engine: call('Kafka', [identifier(sink.backend)], [
        ['kafka_topic_list', stringLiteral(sink.topic)],
        ['kafka_group_name', stringLiteral(sink.producerGroup)],
        ['kafka_format', stringLiteral(sink.format)],
      ]),
    }),
  };
}
