import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { buildTopology } from '../../lib/model';
import { consumerGroups, renderTopologyJson } from '../../lib/render/topology-json';
import { mermaidId, renderTopologyMarkdown } from '../../lib/render/topology-md';
import { EU_TOPOLOGY } from '../../stacks/eu';
import { US_TOPOLOGY } from '../../stacks/us';

/** The rows of the markdown table under a `## heading`, as cells (header and separator dropped). */
function tableUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    if (line.startsWith('|')) rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows.slice(2);
}

describe('topology.md', () => {
  const us = renderTopologyMarkdown(buildTopology(US_TOPOLOGY)).content;

  test('summary: 30 data nodes and 38 ingestion nodes for us, 24 and 22 for eu', () => {
    expect(us).toContain('30 data nodes (10 shards × 3 replicas), 38 stateless ingestion nodes in 3 tiers');
    expect(renderTopologyMarkdown(buildTopology(EU_TOPOLOGY)).content).toContain('24 data nodes (8 shards × 3 replicas), 22 stateless ingestion nodes');
  });

  test('clusters table: shards and replicas per shard as ClickHouse sees them', () => {
    const rows = Object.fromEntries(tableUnder(us, 'Clusters').map(([name, kind, shards, replicas]) => [name, [kind, shards, replicas]]));
    expect(rows['`posthog`']).toEqual(['sharded', '10', '3']);
    expect(rows['`posthog_single_shard`']).toEqual(['single-shard', '1', '3']);
    // DDL fan-out over the storage hosts: one shard per host, names in the private zone.
    expect(rows['`posthog_migrations`']).toEqual(['migrations', '30', '1']);
    expect(rows['`ingestion_events`']).toEqual(['ingestion', '20', '1']);
  });

  test('zones table: 10 data hosts and one ZooKeeper node per zone', () => {
    expect(tableUnder(us, 'Availability zones')).toEqual([
      ['us-east-1a', '10', '1'], ['us-east-1b', '10', '1'], ['us-east-1c', '10', '1'],
    ]);
  });

  test('consumers per topic: nodes × consumers against partitions', () => {
    const events = tableUnder(us, 'Kafka consumers per topic').find((r) => r[1] === '`clickhouse_events_json`')!;
    expect(events.slice(5)).toEqual(['160', '256', '96']);
  });

  test('Mermaid: every topic feeds its tiers, every tier writes through a Distributed table into storage', () => {
    const mermaid = us.slice(us.indexOf('```mermaid'));
    expect(mermaid).toContain('topic_warpstream_ingestionXclickhouse_events_json -->|"clickhouse_events_ws"| tier_events');
    expect(mermaid).toContain('tier_events -->|"events_ws_mv"| writable_writable_events_ws');
    expect(mermaid).toContain('writable_writable_events_ws --> data_events');
    expect(mermaid).toContain('data_events["sharded_events<br>ReplicatedReplacingMergeTree"]');
    // Names appear as written only inside quoted labels; ids are derived from them.
    for (const line of mermaid.split('\n').filter((l) => l.includes('-->'))) {
      expect(line.replace(/"[^"]*"/g, '')).toMatch(/^\s*[A-Za-z_0-9]+ -->(\|\|)? [A-Za-z_0-9]+$/);
    }
  });

  test('Mermaid ids come from names: adding a stream, topic and tier only adds lines', () => {
    const base = buildTopology(US_TOPOLOGY);
    const before = renderTopologyMarkdown(base).content;
    const grown = { ...US_TOPOLOGY,
      // A new stream on a new topic, declared first so that every position would shift.
      kafkaBackends: US_TOPOLOGY.kafkaBackends!.map((b, i) => (i === 0 ? { ...b, topics: [{ name: 'clickhouse_app-metrics.v1', partitions: 16 }, ...b.topics] } : b)),
      streams: [{ ...US_TOPOLOGY.streams![0], name: 'app_metrics', legs: US_TOPOLOGY.streams![0].legs.map((l) => ({ ...l, topic: 'clickhouse_app-metrics.v1' })) }, ...US_TOPOLOGY.streams!],
    };
    const after = renderTopologyMarkdown(buildTopology(grown)).content;
    const diagram = (md: string): string[] => md.slice(md.indexOf('```mermaid')).split('\n');
    const added = diagram(after).filter((l) => !diagram(before).includes(l));
    const removed = diagram(before).filter((l) => !diagram(after).includes(l));
    expect(removed).toEqual([]);
    expect(added.length).toBeGreaterThanOrEqual(4);
    expect(added.join('\n')).toContain('topic_msk_clusterXclickhouse_appY2dmetricsY2ev1["clickhouse_app-metrics.v1<br>16 partitions"]');
    expect(added.every((l) => /app_metrics|app-metrics/.test(l))).toBe(true);
    expect(base.streams.length + 1).toBe(buildTopology(grown).streams.length);
  });

  test('mermaidId is injective over name lists, including the separator and escape letters', () => {
    const ids = [
      mermaidId('topic', 'a', 'b_c'), mermaidId('topic', 'a_b', 'c'), mermaidId('topic', 'a', 'b-c'), mermaidId('topic', 'a', 'b.c'),
      mermaidId('topic', 'aX', 'b'), mermaidId('topic', 'a', 'Xb'), mermaidId('topic', 'aY2d'), mermaidId('topic', 'a-'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[A-Za-z0-9_]+$/.test(id))).toBe(true);
  });

  test('ShuffleHog: no data table, the re-keyed topic is the target, `|` in a key expression stays in its cell', () => {
    const topology = buildTopology({
      ...SHUFFLEHOG_REGION,
      streams: SHUFFLEHOG_REGION.streams!.map((s) => (s.shuffle ? { ...s, shuffle: { ...s.shuffle, keyExpression: "toString(team_id) || ':' || event" } } : s)),
    });
    const md = renderTopologyMarkdown(topology).content;
    const row = tableUnder(md, 'Streams').find((r) => r[0] === '`events_shufflehog`')!;
    expect(row).toHaveLength(5);
    expect(row.slice(1, 3)).toEqual(['—', '—']);
    expect(row[3]).toContain('topic `events_json_by_team_event`');
    expect(md).toContain('tier_shufflehog -->|"kafka_events_shufflehog_shuffled"| topic_warpstream_ingestionXevents_json_by_team_event');
  });
});

describe('topology.json', () => {
  test('round-trips the streams, tiers and backends tools need, byte-identical across renders', () => {
    const topology = buildTopology(US_TOPOLOGY);
    const file = renderTopologyJson(topology, { sql: { data: ['0001_database_posthog.sql'] } });
    expect(renderTopologyJson(buildTopology(US_TOPOLOGY), { sql: { data: ['0001_database_posthog.sql'] } }).content).toBe(file.content);
    const doc = JSON.parse(file.content);
    expect(doc.version).toBe(1);
    expect(doc.ingestionTiers.map((t: { installation: string; nodes: number }) => [t.installation, t.nodes]))
      .toEqual([['ingestion-small', 6], ['ingestion-medium', 12], ['ingestion-events', 20]]);
    const events = doc.streams.find((s: { name: string }) => s.name === 'events');
    expect(events).toMatchObject({ dataTable: 'sharded_events', targetCluster: 'posthog', sharded: true, engine: { replicated: 'ReplicatedReplacingMergeTree', folds: true } });
    expect(events.legs[0]).toMatchObject({ backend: 'warpstream_ingestion', backendKind: 'warpstream', consumerGroup: 'clickhouse_events_ws', roles: ['events'] });
    expect(doc.kafkaBackends.map((b: { brokerListEnv: string }) => b.brokerListEnv)).toEqual(['KAFKA_HOSTS_MSK_CLUSTER', 'KAFKA_HOSTS_WARPSTREAM_INGESTION']);
    expect(doc.artifacts.sql).toEqual({ data: ['0001_database_posthog.sql'] });
  });

  test('consumer groups sum nodes × consumers over every role of a leg', () => {
    const topology = buildTopology(US_TOPOLOGY);
    expect(consumerGroups(topology).map((g) => [g.consumerGroup, g.consumers, g.partitions])).toEqual([
      ['clickhouse_groups', 6, 16], ['clickhouse_heatmaps', 48, 64], ['clickhouse_events_ws', 160, 256],
    ]);
  });

  test('a ShuffleHog stream has no data table, target cluster or writable tables', () => {
    const doc = JSON.parse(renderTopologyJson(buildTopology(SHUFFLEHOG_REGION)).content);
    const shuffler = doc.streams.find((s: { name: string }) => s.name === 'events_shufflehog');
    expect(shuffler).toMatchObject({ dataTable: null, targetCluster: null, engine: null, shuffle: { producerTable: 'kafka_events_shufflehog_shuffled' } });
    expect(shuffler.legs[0].writableTable).toBeNull();
  });
});
