import { NodeRole } from './node-role';

/** A column of a stream's tables, with its ClickHouse type, e.g. `{ name: 'team_id', type: 'Int64' }`. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
}

/**
 * The engine of a stream's data table on DATA nodes. Replicated engines keep their data in
 * ZooKeeper at `/clickhouse/tables/{shard}/<db>.<table>` with replica `{replica}`.
 */
export class DataEngine {
  /** ReplicatedMergeTree. */
  public static replicatedMergeTree(): DataEngine {
    return new DataEngine('MergeTree', []);
  }

  /** ReplicatedReplacingMergeTree with a version column (PostHog uses `_timestamp`). */
  public static replicatedReplacingMergeTree(versionColumn = '_timestamp'): DataEngine {
    return new DataEngine('ReplacingMergeTree', [versionColumn]);
  }

  /** ReplicatedCollapsingMergeTree with a sign column (Int8). */
  public static replicatedCollapsingMergeTree(signColumn: string): DataEngine {
    return new DataEngine('CollapsingMergeTree', [signColumn]);
  }

  /** ReplicatedVersionedCollapsingMergeTree with sign and version columns. */
  public static replicatedVersionedCollapsingMergeTree(signColumn: string, versionColumn: string): DataEngine {
    return new DataEngine('VersionedCollapsingMergeTree', [signColumn, versionColumn]);
  }

  private constructor(
    /** The MergeTree family member without the `Replicated` prefix. */
    public readonly family: string,
    /** Column arguments after the ZooKeeper path and replica. */
    public readonly columnArgs: readonly string[],
  ) {}

  /** `ReplicatedReplacingMergeTree`, ... */
  public get replicatedName(): string {
    return 'Replicated' + this.family;
  }

  /** Whether equal sorting keys fold together on merge (counts need FINAL). */
  public get folds(): boolean {
    return this.family !== 'MergeTree';
  }
}

/** Where a leg starts reading when its consumer group is new. */
export interface OffsetPolicy {
  /** `earliest`, `latest`, or `timestamp` (then `timestampMs`). */
  readonly startAt: 'earliest' | 'latest' | 'timestamp';
  readonly timestampMs?: number;
}

/** One path from a Kafka backend into a stream's data table: Kafka table → MV → writable table. */
export interface StreamLegSpec {
  /** The backend's named collection, e.g. `msk_cluster`. */
  readonly backend: string;
  /**
   * The topic to consume.
   * @default the stream's name
   */
  readonly topic?: string;
  /**
   * Consumer group.
   * @default `clickhouse_<stream><suffix>`
   */
  readonly consumerGroup?: string;
  /**
   * Suffix of this leg's objects: `kafka_<t><suffix>`, `<t><suffix>_mv`, `writable_<t><suffix>`.
   * Legs of one stream must have distinct suffixes.
   * @default '' for an MSK backend, '_ws' for a WarpStream backend
   */
  readonly suffix?: string;
  /** Ingestion roles whose nodes consume this leg. */
  readonly roles: readonly (NodeRole | string)[];
  /**
   * Kafka consumers per node (kafka_num_consumers).
   * @default the tier's consumersPerNode
   */
  readonly consumersPerNode?: number;
  /**
   * Message format.
   * @default 'JSONEachRow'
   */
  readonly format?: string;
  /**
   * Where a new consumer group starts.
   * @default earliest
   */
  readonly offsets?: OffsetPolicy;
}

/** Re-keys a stream into another topic instead of a data table (PostHog's ShuffleHog). */
export interface ShuffleSinkSpec {
  /** Backend of the destination topic. */
  readonly backend: string;
  /** The re-partitioned topic. */
  readonly topic: string;
  /**
   * Key expression over the stream's columns, e.g. `concat(toString(team_id), ':', event)`.
   * Kafka's partitioner hashes the key, so equal keys land on one partition.
   */
  readonly keyExpression: string;
  /**
   * Message format of the produced topic.
   * @default 'JSONEachRow'
   */
  readonly format?: string;
}

/** A stream declared once and rendered, by role, into every object it needs. */
export interface StreamSpec {
  /** Table name `<t>`. */
  readonly name: string;
  /**
   * Columns of the data and writable tables, without `_timestamp` and `_offset` (added from the
   * Kafka virtual columns). Names of Kafka virtual columns (`_key`, `_topic`, ...) are not allowed.
   */
  readonly columns: readonly ColumnSpec[];
  /**
   * Columns parsed from each Kafka message: the Kafka table's columns. Every stream column must
   * either be one of them (same name) or have a transform.
   * @default the stream's columns
   */
  readonly sourceColumns?: readonly ColumnSpec[];
  /**
   * ORDER BY expressions of the data table. Required unless the stream is a ShuffleHog stream
   * (`shuffle`), which stores nothing.
   * @default none
   */
  readonly orderBy?: readonly string[];
  /**
   * PARTITION BY expression of the data table.
   * @default none
   */
  readonly partitionBy?: string;
  /**
   * Data table engine.
   * @default DataEngine.replicatedReplacingMergeTree('_timestamp')
   */
  readonly engine?: DataEngine;
  /**
   * Whether the data table is sharded (`sharded_<t>` on the sharded cluster) or single-shard (`<t>`).
   * @default false
   */
  readonly sharded?: boolean;
  /** Sharding key expression; required when the target has more than one shard. */
  readonly shardingKey?: string;
  /**
   * Transform expressions in the materialized view, by column name. An expression reads the
   * source columns and the Kafka virtual columns (`_topic`, `_partition`, `_headers.name`, ...).
   * @default none (columns are passed through)
   */
  readonly transforms?: Readonly<Record<string, string>>;
  /** The Kafka legs feeding this stream. */
  readonly legs: readonly StreamLegSpec[];
  /**
   * Produce re-keyed rows into another topic instead of storing them (ShuffleHog). The stream then
   * has no data or writable table: each leg's view writes into a Kafka producer table
   * `kafka_<t>_shuffled`, whose `_key` column becomes the message key.
   * @default none: rows go to the data table
   */
  readonly shuffle?: ShuffleSinkSpec;
}
