import { RenderedFile } from '../render/file';
import { NodeGroup } from './node-groups';
import { ClickHouseConfigOptions, resolveOptions } from './options';
import { clickhouseXml, replacing, XmlTree } from './xml';

export const SYSTEM_LOGS_FILE = 'config.d/system_logs.xml';

/**
 * System log tables ClickHouse 26.x writes by default, all with an `event_date` column. Each
 * section replaces what came before: the operator's own files declare query_log, part_log and
 * trace_log with a full `<engine>`, and ClickHouse refuses to start when a `<ttl>` is merged into
 * a section that has one. query_thread_log stays off (the operator removes it; it is per-thread
 * debugging), text_log and the opt-in logs are left as the package has them.
 */
export const SYSTEM_LOG_TABLES = [
  'asynchronous_metric_log',
  'error_log',
  'metric_log',
  'part_log',
  'processors_profile_log',
  'query_log',
  'query_views_log',
  'trace_log',
] as const;

/** How long the group's nodes keep system log rows. */
export function systemLogRetentionDays(group: NodeGroup, options: ClickHouseConfigOptions = {}): number {
  const o = resolveOptions(options);
  return group.kind === 'ingestion' ? o.ingestionLogRetentionDays : o.storageLogRetentionDays;
}

/**
 * System logs with a TTL. Ingestion nodes keep days, not the 30 of the operator's defaults: their
 * whole volume is a 10Gi cache (altinity.md §1.11). Daily partitions let the TTL drop whole parts.
 */
export function renderSystemLogs(group: NodeGroup, options: ClickHouseConfigOptions = {}): RenderedFile {
  const days = systemLogRetentionDays(group, options);
  const sections: Record<string, XmlTree> = {};
  for (const table of SYSTEM_LOG_TABLES) {
    sections[table] = replacing({
      database: 'system',
      table,
      partition_by: 'event_date',
      ttl: `event_date + INTERVAL ${days} DAY DELETE`,
      flush_interval_milliseconds: 7500,
    });
  }
  return { path: SYSTEM_LOGS_FILE, content: clickhouseXml(sections) };
}
