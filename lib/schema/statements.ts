/**
 * The objects of a stream, following PostHog's conventions (research/posthog.md §6–9):
 * `<t>`/`sharded_<t>` on DATA, and on the leg's ingestion roles `writable_<t>` (Distributed),
 * `kafka_<t>` (Kafka engine) and `<t>_mv` (TO writable_<t>). A second leg repeats the last three
 * with its suffix (`_ws`). A ShuffleHog stream writes into a Kafka producer table instead.
 */
import { NodeRole } from '../model/node-role';
import { Stream, StreamLeg } from '../model/streams';
import { Topology } from '../model/topology';
import {
  call, ColumnDefinition, createDatabase, createMaterializedView, createTable, fragment, identifier, SelectItem, Sql,
  SqlValue, stringLiteral,
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
}

/**
 * PostHog's Kafka engine baseline (posthog.md §7): skip broken messages instead of stopping the
 * consumer for good, a 10 s poll because WarpStream ignores fetch.min.bytes, big blocks, and one
 * thread per consumer so consumers flush in parallel instead of squashing onto one thread.
 */
export const KAFKA_BASELINE_SETTINGS = {
  kafka_skip_broken_messages: 100,
  kafka_poll_timeout_ms: 10000,
  kafka_max_block_size: 100000,
  kafka_thread_per_consumer: 1,
} as const;

/** The `_timestamp`/`_offset` columns the data and writable tables carry from the Kafka virtual columns. */
const KAFKA_COLUMNS: readonly ColumnDefinition[] = [
  { name: '_timestamp', type: fragment('DateTime') },
  { name: '_offset', type: fragment('UInt64') },
];

/** The producer table's message key column: the Kafka engine uses a String `_key` column as the key. */
const KEY_COLUMN: ColumnDefinition = { name: '_key', type: fragment('String') };

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
      settings: [
        ['kafka_num_consumers', consumers],
        ...Object.entries(KAFKA_BASELINE_SETTINGS),
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
    select.push({ expression: call('toString', [fragment(stream.shuffle.keyExpression)]), alias: '_key' });
  } else {
    to = leg.writableTable;
    select.push({ expression: identifier('_timestamp') }, { expression: identifier('_offset') });
  }
  return {
    kind: SchemaObjectKind.MATERIALIZED_VIEW, name: leg.materializedView, database: topology.database, id: leg.materializedView,
    stream: stream.name, legSuffix: leg.suffix,
    sql: createMaterializedView({ database: topology.database, name: leg.materializedView, to, select, from: leg.kafkaTable }),
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
      columns: [...definitions(stream.columns), KEY_COLUMN],
      engine: call('Kafka', [identifier(sink.backend)], [
        ['kafka_topic_list', stringLiteral(sink.topic)],
        ['kafka_group_name', stringLiteral(sink.producerGroup)],
        ['kafka_format', stringLiteral(sink.format)],
      ]),
    }),
  };
}
