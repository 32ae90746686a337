import { Topology } from '../model';
import { RenderedFile } from './file';
import { consumerGroups } from './topology-json';

/**
 * `topology.md`: what a reviewer reads first in a pull request. Summary tables (clusters, shards,
 * replicas, nodes per tier, consumers per topic against partitions) and a Mermaid diagram of the
 * data path, Kafka → ingestion tiers → Distributed → storage.
 */
export function renderTopologyMarkdown(topology: Topology): RenderedFile {
  const dataNodes = topology.storage.hosts.length;
  const ingestionNodes = topology.ingestionTiers.reduce((n, t) => n + t.nodes, 0);
  const lines: string[] = [
    `# Region \`${topology.name}\``,
    '',
    `${dataNodes} data nodes (${topology.storage.shards} shards × ${topology.storage.replicas} replicas), ` +
      `${ingestionNodes} stateless ingestion nodes in ${topology.ingestionTiers.length} tiers, ` +
      `a ZooKeeper ensemble of ${topology.zookeeper.length}. Database \`${topology.database}\`, ` +
      `DNS zone \`${topology.dnsZone}\`, ZooKeeper root \`${topology.zookeeperRoot}\`.`,
    '',
    '## Clusters',
    '',
    ...table(['cluster', 'kind', 'shards', 'replicas per shard', 'hosts'], topology.clusters.map((c) => {
      const replicaCounts = [...new Set(c.shards.map((s) => s.replicas.length))].join('/');
      return [code(c.name), c.kind, String(c.shards.length), replicaCounts || '0', String(c.shards.reduce((n, s) => n + s.replicas.length, 0))];
    })),
    '',
    '## Availability zones',
    '',
    ...table(['zone', 'data hosts', 'ZooKeeper nodes'], topology.availabilityZones.map((az) => [
      az,
      String(topology.storage.hosts.filter((h) => h.availabilityZone === az).length),
      String(topology.zookeeper.filter((z) => z.availabilityZone === az).length),
    ])),
    '',
    '## Ingestion tiers',
    '',
    ...table(['role', 'cluster', 'nodes', 'cores per node', 'consumers per node'], topology.ingestionTiers.map((t) => [
      code(t.role.value), code(t.clusterName), String(t.nodes), String(t.cores), String(t.consumersPerNode),
    ])),
    `| **total** | | **${ingestionNodes}** | | |`,
    '',
    '## Kafka consumers per topic',
    '',
    'Each consumer group may run at most as many consumers as its topic has partitions; extra ones sit idle.',
    '',
    ...table(['backend', 'topic', 'group', 'stream', 'roles', 'consumers', 'partitions', 'idle partitions'], consumerGroups(topology).map((g) => [
      code(g.backend), code(g.topic), code(g.consumerGroup), code(g.stream), g.roles.map(code).join(', '),
      String(g.consumers), String(g.partitions), String(Math.max(0, g.partitions - g.consumers)),
    ])),
    '',
    '## Streams',
    '',
    ...table(['stream', 'data table', 'engine', 'target', 'legs'], topology.streams.map((s) => (s.shuffle
      // A ShuffleHog stream stores nothing: each leg's view writes into the producer table.
      ? [
        code(s.name), '—', '—', `topic ${code(s.shuffle.topic)} (${code(s.shuffle.backend)}), keyed by ${code(s.shuffle.keyExpression)}`,
        s.legs.map((l) => `${code(l.kafkaTable)} → ${code(l.materializedView)} → ${code(s.shuffle!.producerTable)}`).join('<br>'),
      ]
      : [
        code(s.name), code(s.dataTable), s.engine.replicatedName, code(s.targetCluster),
        s.legs.map((l) => `${code(l.kafkaTable)} → ${code(l.materializedView)} → ${code(l.writableTable)}`).join('<br>'),
      ]))),
    '',
    '## Data path',
    '',
    '```mermaid',
    ...mermaid(topology),
    '```',
    '',
  ];
  return { path: 'topology.md', content: lines.join('\n') };
}

/** Inline code in a table cell; `|` (e.g. SQL's `||`) would end the cell. */
function code(text: string): string {
  return '`' + text.replace(/\|/g, '\\|') + '`';
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [row(headers), row(headers.map(() => '---')), ...rows.map(row)];
}

/** Mermaid ids are generated; every name appears only inside quoted labels. */
function mermaid(topology: Topology): string[] {
  const out = ['flowchart LR'];
  const topicIds = new Map<string, string>();
  topology.kafkaBackends.forEach((b, i) => {
    out.push(`  subgraph backend_${i}["${b.name} (${b.kind})"]`);
    b.topics.forEach((t, j) => {
      const id = `topic_${i}_${j}`;
      topicIds.set(`${b.name}/${t.name}`, id);
      out.push(`    ${id}["${t.name}<br>${t.partitions} partitions"]`);
    });
    out.push('  end');
  });
  const tierIds = new Map<string, string>();
  out.push('  subgraph ingestion["stateless ingestion (Kubernetes)"]');
  topology.ingestionTiers.forEach((t, i) => {
    const id = `tier_${i}`;
    tierIds.set(t.role.value, id);
    out.push(`    ${id}["${t.role.value}<br>${t.nodes} nodes × ${t.consumersPerNode} consumers"]`);
  });
  out.push('  end');
  out.push(`  subgraph storage["storage: ${topology.clusterNames.sharded} (EC2 NVMe)<br>` +
    `${topology.storage.shards} shards × ${topology.storage.replicas} replicas"]`);
  topology.streams.forEach((s, i) => {
    if (!s.shuffle) out.push(`    data_${i}["${s.dataTable}<br>${s.engine.replicatedName}"]`);
  });
  out.push('  end');
  out.push(`  zookeeper[("ZooKeeper × ${topology.zookeeper.length}")]`);
  topology.streams.forEach((s, i) => {
    s.legs.forEach((l, j) => {
      const topic = topicIds.get(`${l.backend.name}/${l.topic.name}`);
      for (const role of l.roles) {
        out.push(`  ${topic} -->|"${l.consumerGroup}"| ${tierIds.get(role.value)}`);
      }
      if (s.shuffle) return;
      const writable = `writable_${i}_${j}`;
      out.push(`  ${writable}[/"${l.writableTable}<br>Distributed → ${s.targetCluster}"/]`);
      for (const role of l.roles) out.push(`  ${tierIds.get(role.value)} -->|"${l.materializedView}"| ${writable}`);
      out.push(`  ${writable} --> data_${i}`);
    });
    if (s.shuffle) {
      const target = topicIds.get(`${s.shuffle.backend}/${s.shuffle.topic}`);
      const roles = [...new Set(s.legs.flatMap((l) => l.roles.map((r) => r.value)))];
      for (const role of roles) out.push(`  ${tierIds.get(role)} -->|"${s.shuffle.producerTable}"| ${target}`);
    }
  });
  out.push('  storage -.- zookeeper');
  return out;
}
