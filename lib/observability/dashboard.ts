/**
 * A Grafana dashboard per region (JSON, schemaVersion 39): per stream and leg the ingest rate
 * (committed offsets), lag and dead letters; inserts per shard; replica health; ZooKeeper health.
 * Every panel queries only metrics the region's alert rules use (a test holds it to that). Pure.
 */
import { STORAGE_GROUP_NAME } from '../clickhouse/node-groups';
import { KafkaBackendKind, Topology } from '../model';
import { consumerSets, legId, seriesSelector } from './alerts';
import { CH, DEAD_LETTER_ROWS, deadLetterTable, KAFKA_LAG, ZK } from './metrics';

interface Panel {
  readonly title: string;
  readonly targets: readonly { readonly expr: string; readonly legendFormat: string }[];
  readonly unit?: string;
}

/** Every PromQL expression of a rendered dashboard (for checks). */
export function dashboardExpressions(dashboard: { panels: readonly { targets?: readonly { expr: string }[] }[] }): string[] {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

export function renderDashboard(topology: Topology): Record<string, unknown> {
  const rows: { title: string; panels: Panel[] }[] = [];
  const consuming = new Set(topology.ingestionTiers.filter((t) => t.consuming).map((t) => t.role.value));
  for (const stream of topology.streams) {
    const panels: Panel[] = [];
    for (const leg of stream.legs.filter((l) => l.roles.some((r) => consuming.has(r.value)))) {
      const id = legId(stream, leg);
      if (leg.backend.kind === KafkaBackendKind.WARPSTREAM) {
        const m = KAFKA_LAG.warpstream;
        const match = { [m.group]: leg.consumerGroup, [m.topic]: leg.topic.name };
        const lag = `max by (partition) (${seriesSelector(m.lag, match)})`;
        panels.push(
          { title: `${stream.name} / ${id}: ingest rate (committed offsets/s)`, targets: [{ expr: `sum(deriv((max by (partition) (${seriesSelector(m.maxOffset, match)}) - ${lag})[5m:1m]))`, legendFormat: leg.consumerGroup }] },
          { title: `${stream.name} / ${id}: lag (messages)`, targets: [{ expr: `sum(${lag})`, legendFormat: leg.consumerGroup }] },
        );
      } else {
        const m = KAFKA_LAG.msk;
        const match = { [m.group]: leg.consumerGroup, [m.topic]: leg.topic.name };
        panels.push(
          { title: `${stream.name} / ${id}: ingest rate (committed offsets/s)`, targets: [{ expr: `sum(rate(${seriesSelector(m.currentOffset, match)}[5m]))`, legendFormat: leg.consumerGroup }] },
          { title: `${stream.name} / ${id}: lag (messages)`, targets: [{ expr: `sum(${seriesSelector(m.lag, match)} >= 0)`, legendFormat: leg.consumerGroup }] },
        );
      }
    }
    panels.push({
      title: `${stream.name}: dead-letter rows`,
      targets: [{ expr: `max by (table) (${seriesSelector(DEAD_LETTER_ROWS, { table: deadLetterTable(stream.name) })})`, legendFormat: '{{table}}' }],
    });
    rows.push({ title: `Stream ${stream.name}`, panels });
  }
  const data = { tier: STORAGE_GROUP_NAME };
  rows.push({
    title: 'Ingestion tiers',
    panels: consumerSets(topology).flatMap((set) => set.tiers).flatMap((tier) => {
      const t = { tier: `ingestion-${tier.kubernetesName}` };
      return [
        { title: `${tier.role.value}: partitions held / consumers with an assignment`, targets: [
          { expr: `sum(${seriesSelector(CH.kafkaAssignedPartitions, t)})`, legendFormat: 'partitions' },
          { expr: `sum(${seriesSelector(CH.kafkaConsumersWithAssignment, t)})`, legendFormat: 'consumers' }] },
        { title: `${tier.role.value}: Kafka errors and Distributed insert failures /s`, targets: [
          { expr: `sum(rate(${seriesSelector(CH.kafkaConsumerErrors, t)}[5m]))`, legendFormat: 'consumer errors' },
          { expr: `sum(rate(${seriesSelector(CH.distributedConnectionFailAtAll, t)}[5m]))`, legendFormat: 'distributed failures' }] },
      ];
    }),
  });
  rows.push({
    title: 'Storage',
    panels: [
      { title: 'Rows inserted per shard /s', targets: [{ expr: `sum by (shard) (rate(${seriesSelector(CH.insertedRows, data)}[5m]))`, legendFormat: '{{shard}}' }] },
      { title: 'Read-only replicas', targets: [{ expr: `sum by (host) (${seriesSelector(CH.readonlyReplica, data)}) > 0`, legendFormat: '{{host}}' }] },
      { title: 'Replication queue', targets: [{ expr: `max by (host) (${seriesSelector(CH.replicasMaxQueueSize, data)})`, legendFormat: '{{host}}' }] },
      { title: 'Replica delay (s)', targets: [{ expr: `max by (host) (${seriesSelector(CH.replicasMaxAbsoluteDelay, data)})`, legendFormat: '{{host}}' }] },
      { title: 'Max parts per partition', targets: [{ expr: `max by (host) (${seriesSelector(CH.maxPartCountForPartition, data)})`, legendFormat: '{{host}}' }] },
    ],
  });
  rows.push({
    title: 'ZooKeeper',
    panels: [
      { title: 'Leader', targets: [{ expr: `max by (host) (${seriesSelector(ZK.serverState, { state: 'leader' })})`, legendFormat: '{{host}}' }] },
      { title: 'Outstanding requests', targets: [{ expr: `max by (host) (${ZK.outstandingRequests})`, legendFormat: '{{host}}' }] },
      { title: 'Average latency (ms)', targets: [{ expr: `max by (host) (${ZK.avgLatency})`, legendFormat: '{{host}}' }] },
      { title: 'Snapshot files', targets: [{ expr: `max by (host) (${ZK.snapshotFiles})`, legendFormat: '{{host}}' }] },
      { title: 'dataDir free', unit: 'bytes', targets: [{ expr: `min by (host) (${ZK.dataDirFreeBytes})`, legendFormat: '{{host}}' }] },
    ],
  });

  const datasource = { type: 'prometheus', uid: '$datasource' };
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
    row.panels.forEach((p, i) => {
      panels.push({
        id: id++, type: 'timeseries', title: p.title, datasource,
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] }, options: {},
        targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: t.expr, legendFormat: t.legendFormat })),
      });
    });
    y += Math.ceil(row.panels.length / 2) * 8;
  }
  return {
    title: `ClickHouse ingestion — ${topology.name}`,
    uid: `clickhouse-ingest-${topology.name}`.slice(0, 40),
    tags: ['clickhouse-ingest', topology.name],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    annotations: { list: [] },
    panels,
  };
}
