import { DEAD_LETTER_TABLE_SUFFIX } from '../model/streams';
/**
 * Names of every metric the alert rules and the dashboard query, by the exporter that serves it.
 * One place, so the checks (chdb's tables, the exporters' tests) and the rules cannot drift apart.
 */

/** Where ClickHouse's Prometheus endpoint takes a metric from, and the prefix it gives it there. */
export enum ClickHouseMetricSource {
  /** system.metrics: a gauge such as `ClickHouseMetrics_ReadonlyReplica`. */
  METRICS = 'ClickHouseMetrics_',
  /** system.events: a counter since start, such as `ClickHouseProfileEvents_KafkaConsumerErrors`. */
  EVENTS = 'ClickHouseProfileEvents_',
  /** system.asynchronous_metrics: a gauge computed every second or so, such as `ClickHouseAsyncMetrics_ReplicasMaxQueueSize`. */
  ASYNCHRONOUS_METRICS = 'ClickHouseAsyncMetrics_',
}

/** The Prometheus name of a ClickHouse metric, as the endpoint names it. */
export function clickhouseMetric(source: ClickHouseMetricSource, name: string): string {
  return `${source}${name}`;
}

export const CH = {
  kafkaAssignedPartitions: clickhouseMetric(ClickHouseMetricSource.METRICS, 'KafkaAssignedPartitions'),
  kafkaConsumersWithAssignment: clickhouseMetric(ClickHouseMetricSource.METRICS, 'KafkaConsumersWithAssignment'),
  kafkaConsumers: clickhouseMetric(ClickHouseMetricSource.METRICS, 'KafkaConsumers'),
  readonlyReplica: clickhouseMetric(ClickHouseMetricSource.METRICS, 'ReadonlyReplica'),
  kafkaConsumerErrors: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'KafkaConsumerErrors'),
  kafkaCommitFailures: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'KafkaCommitFailures'),
  kafkaMessagesRead: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'KafkaMessagesRead'),
  kafkaMessagesFailed: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'KafkaMessagesFailed'),
  kafkaRowsWritten: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'KafkaRowsWritten'),
  distributedConnectionFailAtAll: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'DistributedConnectionFailAtAll'),
  distributedSyncInsertionTimeoutExceeded: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'DistributedSyncInsertionTimeoutExceeded'),
  insertedRows: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'InsertedRows'),
  diskS3ReadRequestsErrors: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'DiskS3ReadRequestsErrors'),
  diskS3WriteRequestsErrors: clickhouseMetric(ClickHouseMetricSource.EVENTS, 'DiskS3WriteRequestsErrors'),
  replicasMaxQueueSize: clickhouseMetric(ClickHouseMetricSource.ASYNCHRONOUS_METRICS, 'ReplicasMaxQueueSize'),
  replicasMaxAbsoluteDelay: clickhouseMetric(ClickHouseMetricSource.ASYNCHRONOUS_METRICS, 'ReplicasMaxAbsoluteDelay'),
  maxPartCountForPartition: clickhouseMetric(ClickHouseMetricSource.ASYNCHRONOUS_METRICS, 'MaxPartCountForPartition'),
} as const;

/** `DiskAvailable_<disk>` and `DiskTotal_<disk>`: ClickHouse computes one per disk of the storage config. */
export function diskAvailableMetric(disk: string): string {
  return clickhouseMetric(ClickHouseMetricSource.ASYNCHRONOUS_METRICS, `DiskAvailable_${disk}`);
}
export function diskTotalMetric(disk: string): string {
  return clickhouseMetric(ClickHouseMetricSource.ASYNCHRONOUS_METRICS, `DiskTotal_${disk}`);
}

/** A ClickHouse metric name found in a PromQL expression: its source and the name in the system table. */
export interface ClickHouseMetricRef {
  readonly source: ClickHouseMetricSource;
  readonly name: string;
  /** As the endpoint names it. */
  readonly prometheusName: string;
}

/** Every ClickHouse metric a PromQL expression names (ClickHouseMetrics_X, ClickHouseProfileEvents_X, ClickHouseAsyncMetrics_X). */
export function clickhouseMetricsIn(expression: string): ClickHouseMetricRef[] {
  const found = new Map<string, ClickHouseMetricRef>();
  for (const m of expression.matchAll(/\b(ClickHouseMetrics_|ClickHouseProfileEvents_|ClickHouseAsyncMetrics_)([A-Za-z0-9_]+)/g)) {
    const source = Object.values(ClickHouseMetricSource).find((s) => s === m[1])!;
    found.set(m[0], { source, name: m[2], prometheusName: m[0] });
  }
  return [...found.values()];
}

/** Served by the host exporter on ZooKeeper nodes (`mntr` plus dataDir files); see exporter.ts. */
export const ZK = {
  up: 'zookeeper_up',
  outstandingRequests: 'zookeeper_outstanding_requests',
  avgLatency: 'zookeeper_avg_latency',
  serverState: 'zookeeper_server_state',
  snapshotFiles: 'zookeeper_snapshot_files',
  snapshotBytes: 'zookeeper_snapshot_bytes',
  txnLogFiles: 'zookeeper_txnlog_files',
  dataDirFreeBytes: 'zookeeper_data_dir_free_bytes',
  dataDirSizeBytes: 'zookeeper_data_dir_size_bytes',
} as const;

/** Served by the host exporter on storage hosts: rows of each dead-letter table (a query on localhost). */
export const DEAD_LETTER_ROWS = 'clickhouse_ingest_dead_letter_rows';

/** The model's naming of a stream's dead-letter table on the storage cluster: the exporter's query, the rules and the docs use it. */
export { DEAD_LETTER_TABLE_SUFFIX };
export function deadLetterTable(stream: string): string {
  return `${stream}${DEAD_LETTER_TABLE_SUFFIX}`;
}

/** Consumer-group lag per backend kind: WarpStream agents export theirs; MSK through kafka_exporter (the AMP-documented exporter). */
export const KAFKA_LAG = {
  warpstream: { lag: 'warpstream_consumer_group_lag', maxOffset: 'warpstream_consumer_group_max_offset', group: 'consumer_group', topic: 'topic' },
  msk: { lag: 'kafka_consumergroup_lag', currentOffset: 'kafka_consumergroup_current_offset', group: 'consumergroup', topic: 'topic' },
} as const;

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** Every metric name a PromQL expression selects (not functions, labels, keywords or durations). */
export function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![0-9.A-Za-z_:])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])(?!\s*\()/g)) {
    if (!PROMQL_KEYWORDS.has(m[1].toLowerCase())) names.add(m[1]);
  }
  return [...names].sort();
}
