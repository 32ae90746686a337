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
  /**
   * Extra Kafka engine settings of this leg's Kafka table (`kafka_max_block_size`,
   * `kafka_poll_timeout_ms`, `kafka_client_id`, ...), added to the library's and overriding its
   * defaults. Settings the library owns (`kafka_topic_list`, `kafka_group_name`,
   * `kafka_num_consumers`, `kafka_handle_error_mode`, ...) are refused. On a running region a
   * change re-creates the leg's Kafka table (its group keeps the committed offsets).
   * @default none: the library's baseline
   */
  readonly kafkaSettings?: Readonly<Record<string, string | number | boolean>>;
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

/**
 * How long a stream's rows stay on each volume of the storage tier's `tiered` policy, counted
 * from `_timestamp` (when Kafka received the message). Rendered as the data table's TTL:
 * `TO VOLUME 'warm'` after the hot days, `TO VOLUME 'cold'` after the warm days, and an optional
 * `DELETE`. Moves also happen earlier when a volume fills (the policy's move_factor).
 */
export interface RetentionSpec {
  /**
   * Days on the hot volume (the NVMe RAID) before parts move to the warm volume (EBS).
   * @default 7
   */
  readonly hotDays?: number;
  /**
   * Days on the warm volume after the hot days, before parts move to the cold volume (S3).
   * @default 30
   */
  readonly warmDays?: number;
  /**
   * Days after which rows are deleted; more than hotDays + warmDays.
   * @default never: rows stay on the cold volume
   */
  readonly deleteAfterDays?: number;
  /**
   * Days the stream's dead-letter table keeps a malformed message.
   * @default 30
   */
  readonly deadLetterDays?: number;
}

/** A stream declared once and rendered, by role, into every object it needs. */
export interface StreamSpec {
  /** Table name `<t>`. */
  readonly name: string;
  /**
   * Columns of the data and writable tables, without `_timestamp`, `_offset` and `_partition`
   * (added from the Kafka virtual columns). Names of Kafka virtual columns (`_key`, `_topic`, ...)
   * and of the MergeTree and Distributed virtual columns (`_part`, `_shard_num`, ...) are refused.
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
   * Hot and warm retention on the tiered storage, and an optional final delete.
   * @default 7 days hot, 30 days warm, then cold forever; dead letters kept 30 days
   */
  readonly retention?: RetentionSpec;
  /**
   * Produce re-keyed rows into another topic instead of storing them (ShuffleHog). The stream then
   * has no data or writable table: each leg's view writes into a Kafka producer table
   * `kafka_<t>_shuffled`, whose `_key` column becomes the message key.
   * @default none: rows go to the data table
   */
  readonly shuffle?: ShuffleSinkSpec;
}
