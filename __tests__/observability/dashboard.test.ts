import { dashboardExpressions, renderDashboard } from '../../lib/observability/dashboard';
import { metricNamesIn } from '../../lib/observability/metrics';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { alertsOf } from './support';

test('metricNamesIn finds selected metrics, not functions, labels, keywords or durations', () => {
  expect(metricNamesIn('sum by (host) (increase(a_total{x="y z"}[15m])) + on() b > 0 and max(c:rate5m) or vector(0)')).toEqual(['a_total', 'b', 'c:rate5m']);
});

describe.each([['us', US_REGION], ['eu', EU_REGION]] as const)('the %s dashboard', (_name, spec) => {
  const { topology, alerts } = alertsOf(spec);
  const dashboard = renderDashboard(topology) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
  const ruleMetrics = new Set(alerts.flatMap((a) => metricNamesIn(a.rule.expr)));

  test('every panel queries only metrics the alert rules use', () => {
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThan(10);
    const used = new Set(exprs.flatMap(metricNamesIn));
    expect([...used].filter((m) => !ruleMetrics.has(m))).toEqual([]);
  });

  test('per stream and leg: ingest rate, lag and dead letters; inserts per shard, replica and ZooKeeper health', () => {
    const titles = dashboard.panels.filter((p) => p.type === 'timeseries').map((p) => p.title);
    for (const stream of topology.streams) {
      expect(titles.filter((t) => t.startsWith(`${stream.name} / `) && t.includes('ingest rate')).length).toBe(stream.legs.length);
      expect(titles.filter((t) => t.startsWith(`${stream.name} / `) && t.includes('lag')).length).toBe(stream.legs.length);
      expect(titles).toContain(`${stream.name}: dead-letter rows`);
    }
    for (const t of ['Rows inserted per shard /s', 'Read-only replicas', 'Replication queue', 'Leader', 'Snapshot files']) expect(titles).toContain(t);
  });

  test('is valid Grafana JSON with unique panel ids and a Prometheus datasource variable', () => {
    const ids = dashboard.panels.map((p) => (p as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(dashboard)).not.toContain('${');
  });
});
