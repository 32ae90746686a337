/**
 * Every ClickHouse metric a rule or a dashboard panel queries exists in the pinned server, under
 * the name its Prometheus endpoint gives it. chdb has no listening port, so the endpoint itself
 * cannot be scraped here: the names are checked in the tables the endpoint reads. system.metrics
 * and system.events are queried (all events, zero ones included); chdb has no
 * system.asynchronous_metrics table, so asynchronous metrics are looked up among the name strings
 * compiled into the same ClickHouse library (`DiskAvailable_{}` is the per-disk template).
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { renderDashboard, dashboardExpressions } from '../../lib/observability/dashboard';
import { ClickHouseMetricRef, ClickHouseMetricSource, clickhouseMetricsIn } from '../../lib/observability/metrics';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { runEngineJob } from '../support/engine';
import { alertsOf } from './support';

function chdbLibrary(): Buffer {
  const root = join(dirname(require.resolve('chdb/package.json')), '..', '@chdb');
  for (const dir of existsSync(root) ? readdirSync(root) : []) {
    const file = join(root, dir, 'libchdb.so');
    if (existsSync(file)) return readFileSync(file);
  }
  throw new Error(`libchdb.so not found under ${root}`);
}

interface ServerNames {
  readonly metrics: ReadonlySet<string>;
  readonly events: ReadonlySet<string>;
  readonly library: Buffer;
}

/** The references the pinned server lacks. */
function missing(refs: readonly ClickHouseMetricRef[], server: ServerNames): ClickHouseMetricRef[] {
  const inLibrary = (name: string): boolean => {
    if (server.library.includes(Buffer.from(`${name}\0`))) return true;
    // Per-disk (per-device...) names are formatted from a template such as `DiskAvailable_{}`.
    return [...name.matchAll(/_/g)].some((m) => server.library.includes(Buffer.from(`${name.slice(0, m.index! + 1)}{}\0`)));
  };
  return refs.filter((r) => (r.source === ClickHouseMetricSource.METRICS ? !server.metrics.has(r.name)
    : r.source === ClickHouseMetricSource.EVENTS ? !server.events.has(r.name) : !inLibrary(r.name)));
}

let server: ServerNames;

beforeAll(async () => {
  const { results } = await runEngineJob({
    files: [],
    env: {},
    statements: [],
    queries: {
      metrics: 'SELECT name FROM system.metrics',
      events: 'SELECT name FROM system.events SETTINGS system_events_show_zero_values = 1',
    },
  });
  const names = (rows: unknown): Set<string> => new Set((rows as { name: string }[]).map((r) => r.name));
  server = { metrics: names(results.metrics), events: names(results.events), library: chdbLibrary() };
}, 60_000);

describe.each([['us', US_REGION], ['eu', EU_REGION]] as const)('ClickHouse metrics of %s', (_name, spec) => {
  const { topology, alerts } = alertsOf(spec);
  const ruleRefs = alerts.flatMap((a) => clickhouseMetricsIn(a.rule.expr));
  const panelRefs = dashboardExpressions(renderDashboard(topology) as never).flatMap(clickhouseMetricsIn);

  test('every metric the rules and panels name exists in the pinned ClickHouse', () => {
    expect(ruleRefs.length).toBeGreaterThan(10);
    expect(new Set(ruleRefs.map((r) => r.source)).size).toBe(3);
    expect(missing([...ruleRefs, ...panelRefs], server)).toEqual([]);
  });
});

test('a rule naming a metric the pinned version lacks is caught, for each source', () => {
  const refs = clickhouseMetricsIn([
    'ClickHouseMetrics_KafkaAssignedPartitions', 'ClickHouseMetrics_KafkaAssignedPartition',
    'ClickHouseProfileEvents_KafkaConsumerErrors', 'ClickHouseProfileEvents_KafkaConsumerError',
    'ClickHouseAsyncMetrics_ReplicasMaxQueueSize', 'ClickHouseAsyncMetrics_ReplicasMaxQueueLength',
    'ClickHouseAsyncMetrics_DiskAvailable_nvme', 'ClickHouseAsyncMetrics_DiskFree_nvme',
  ].join(' + '));
  expect(missing(refs, server).map((r) => r.prometheusName)).toEqual([
    'ClickHouseMetrics_KafkaAssignedPartition', 'ClickHouseProfileEvents_KafkaConsumerError',
    'ClickHouseAsyncMetrics_ReplicasMaxQueueLength', 'ClickHouseAsyncMetrics_DiskFree_nvme',
  ]);
});
