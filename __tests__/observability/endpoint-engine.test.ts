/**
 * The Prometheus endpoint config and the dead-letter query in a real ClickHouse (chdb). chdb opens
 * no port, so the `<prometheus>` section is checked as ClickHouse reads it (the config loads, and
 * its keys are the documented ones); the dead-letter exporter's query runs for real, and its
 * output passes `promtool check metrics`. The exporter's HTTP side runs against a stand-in that
 * serves what chdb produced and checks the request it gets.
 */
import { execFile } from 'child_process';
import { createServer } from 'http';
import { createServer as createNetServer } from 'net';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { create } from 'xmlbuilder2';
import { nodeGroups, renderNodeGroupConfig } from '../../lib/clickhouse';
import { CLICKHOUSE_METRICS_PORT, PROMETHEUS_FILE } from '../../lib/clickhouse/prometheus';
import { buildTopology } from '../../lib/model';
import { DEAD_LETTER_QUERY, renderTableExporter } from '../../lib/observability/exporter';
import { US_TOPOLOGY } from '../../stacks/us';
import { TestEngine } from '../support/engine';
import { checkMetrics, hasPromtool } from './support';

const topology = buildTopology(US_TOPOLOGY);
let exposition: string;

describe('the Prometheus endpoint of every node group', () => {
  test.each(nodeGroups(topology).map((g) => [g.name, g] as const))('%s renders config.d/prometheus.xml with metrics, events and asynchronous metrics on 9363', (_n, group) => {
    const file = renderNodeGroupConfig(topology, group).find((f) => f.path === PROMETHEUS_FILE)!;
    const tree = create(file.content).end({ format: 'object' }) as { clickhouse: { prometheus: Record<string, string> } };
    expect(tree.clickhouse.prometheus).toEqual({
      endpoint: '/metrics', port: String(CLICKHOUSE_METRICS_PORT), metrics: 'true', events: 'true', asynchronous_metrics: 'true', errors: 'true',
    });
  });

  test('ClickHouse loads the endpoint config; the dead-letter query reports each dead-letter table in Prometheus format', async () => {
    const file = renderNodeGroupConfig(topology, nodeGroups(topology)[0]).find((f) => f.path === PROMETHEUS_FILE)!;
    const engine = await TestEngine.open([file]);
    try {
      await engine.exec('CREATE DATABASE posthog');
      await engine.exec('CREATE TABLE posthog.events_dead_letters (raw String, error String) ENGINE = MergeTree ORDER BY tuple()');
      await engine.exec('CREATE TABLE posthog.groups_dead_letters (raw String, error String) ENGINE = MergeTree ORDER BY tuple()');
      await engine.exec('CREATE TABLE posthog.events (raw String) ENGINE = MergeTree ORDER BY tuple()');
      await engine.exec("INSERT INTO posthog.events_dead_letters VALUES ('{', 'Cannot parse'), ('x', 'Cannot parse'), ('y', 'Cannot parse')");
      await engine.exec("INSERT INTO posthog.events VALUES ('ok')");
      await engine.exec("SET param_db = 'posthog'");
      exposition = await engine.value(DEAD_LETTER_QUERY);
    } finally {
      await engine.kill();
    }
    expect(exposition).toContain('# TYPE clickhouse_ingest_dead_letter_rows gauge');
    expect(exposition).toContain('clickhouse_ingest_dead_letter_rows{database="posthog",table="events_dead_letters"} 3');
    expect(exposition).toContain('clickhouse_ingest_dead_letter_rows{database="posthog",table="groups_dead_letters"} 0');
    expect(exposition).not.toContain('table="events"');
  }, 60_000);

  (hasPromtool ? test : test.skip)('promtool check metrics accepts the output', async () => {
    expect(exposition).toBeDefined();
    expect(await checkMetrics(exposition + '\n')).toEqual([]);
  });

  test('the exporter asks the local ClickHouse that query, read-only, and serves its answer with an up gauge', async () => {
    let asked: URLSearchParams | undefined;
    const clickhouse = createServer((req, res) => {
      asked = new URL(req.url!, 'http://localhost').searchParams;
      res.end(exposition + '\n');
    });
    await new Promise<void>((resolve, reject) => { clickhouse.once('error', reject); clickhouse.listen(0, '127.0.0.1', resolve); });
    const clickhouseUrl = `http://127.0.0.1:${(clickhouse.address() as { port: number }).port}/`;
    const dir = mkdtempSync(join(tmpdir(), 'table-exporter-'));
    const script = join(dir, 'exporter.py');
    writeFileSync(script, renderTableExporter());
    const port = await freePort();
    // The third argument points it at the stand-in; on a host it defaults to http://localhost:8123/.
    const child = execFile('/usr/bin/python3', [script, String(port), 'posthog', clickhouseUrl]);
    try {
      const body = await until(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        return r?.ok ? r.text() : undefined;
      }, 10_000);
      expect(asked?.get('query')).toBe(DEAD_LETTER_QUERY);
      expect(asked?.get('param_db')).toBe('posthog');
      expect(asked?.get('readonly')).toBe('1');
      expect(body).toContain('clickhouse_ingest_exporter_up 1');
      expect(body).toContain('clickhouse_ingest_dead_letter_rows{database="posthog",table="events_dead_letters"} 3');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      if (hasPromtool) expect(await checkMetrics(body)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      clickhouse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
