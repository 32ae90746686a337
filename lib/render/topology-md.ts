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

/**
 * A Mermaid node id built from names, never from positions, so adding a stream, topic or tier only
 * adds lines to the diagram. Names of backends, tiers, streams and tables are lower-case
 * identifiers and stay as written; any other character (a topic's `.`, `-` or capitals) becomes `Y`
 * and two hex digits, and the names are joined with `X`: `topic_msk_clusterXclickhouse_groups`.
 * Neither capital occurs otherwise, so two different name lists never share an id.
 */
export function mermaidId(kind: string, ...names: readonly string[]): string {
  const encode = (text: string): string => text.replace(/[^a-z0-9_]/g, (c) => 'Y' + c.charCodeAt(0).toString(16).padStart(2, '0'));
  return `${kind}_${names.map(encode).join('X')}`;
}

/** Ids come from mermaidId; every name appears only inside quoted labels. */
function mermaid(topology: Topology): string[] {
  const out = ['flowchart LR'];
  const topicId = (backend: string, topic: string): string => mermaidId('topic', backend, topic);
  const tierId = (role: string): string => mermaidId('tier', role);
  for (const b of topology.kafkaBackends) {
    out.push(`  subgraph ${mermaidId('backend', b.name)}["${b.name} (${b.kind})"]`);
    for (const t of b.topics) out.push(`    ${topicId(b.name, t.name)}["${t.name}<br>${t.partitions} partitions"]`);
    out.push('  end');
  }
  out.push('  subgraph ingestion["stateless ingestion (Kubernetes)"]');
  for (const t of topology.ingestionTiers) {
    out.push(`    ${tierId(t.role.value)}["${t.role.value}<br>${t.nodes} nodes × ${t.consumersPerNode} consumers"]`);
  }
  out.push('  end');
  out.push(`  subgraph storage["storage: ${topology.clusterNames.sharded} (EC2 NVMe)<br>` +
    `${topology.storage.shards} shards × ${topology.storage.replicas} replicas"]`);
  for (const s of topology.streams) {
    if (!s.shuffle) out.push(`    ${mermaidId('data', s.name)}["${s.dataTable}<br>${s.engine.replicatedName}"]`);
  }
  out.push('  end');
  out.push(`  zookeeper[("ZooKeeper × ${topology.zookeeper.length}")]`);
  for (const s of topology.streams) {
    for (const l of s.legs) {
      const topic = topicId(l.backend.name, l.topic.name);
      for (const role of l.roles) {
        out.push(`  ${topic} -->|"${l.consumerGroup}"| ${tierId(role.value)}`);
      }
      if (s.shuffle) continue;
      const writable = mermaidId('writable', l.writableTable);
      out.push(`  ${writable}[/"${l.writableTable}<br>Distributed → ${s.targetCluster}"/]`);
      for (const role of l.roles) out.push(`  ${tierId(role.value)} -->|"${l.materializedView}"| ${writable}`);
      out.push(`  ${writable} --> ${mermaidId('data', s.name)}`);
    }
    if (s.shuffle) {
      const target = topicId(s.shuffle.backend, s.shuffle.topic);
      const roles = [...new Set(s.legs.flatMap((l) => l.roles.map((r) => r.value)))];
      for (const role of roles) out.push(`  ${tierId(role)} -->|"${s.shuffle.producerTable}"| ${target}`);
    }
  }
  out.push('  storage -.- zookeeper');
  return out;
}
