import { create } from 'xmlbuilder2';
import { NodeRole, Topology } from '../../../lib/model';
import { RenderedFile } from '../../../lib/render/file';

/**
 * A minimal node config for a role (remote_servers, named collections, macros), used only until
 * lib/clickhouse's renderNodeGroupConfig lands; then the tests load the real rendered config.
 */
export function fixtureRoleConfig(topology: Topology, role: NodeRole | string): { files: RenderedFile[]; env: Record<string, string> } {
  const value = typeof role === 'string' ? role : role.value;
  const root = create({ version: '1.0' }).ele('clickhouse');
  const remote = root.ele('remote_servers');
  for (const c of topology.clusters) {
    const cluster = remote.ele(c.name);
    for (const s of c.shards) {
      const shard = cluster.ele('shard');
      shard.ele('internal_replication').txt(String(s.internalReplication));
      for (const h of s.replicas) shard.ele('replica').ele('host').txt(h.fqdn).up().ele('port').txt(String(h.tcpPort));
    }
  }
  const named = root.ele('named_collections');
  const env: Record<string, string> = {};
  for (const b of topology.kafkaBackends) {
    named.ele(b.name).ele('kafka_broker_list', { from_env: b.brokerListEnv });
    env[b.brokerListEnv] = '127.0.0.1:9';
  }
  const macros = root.ele('macros');
  macros.ele('shard').txt('01').up().ele('replica').txt('r1').up().ele('hostClusterRole').txt(value);
  return { files: [{ path: 'config.d/fixture.xml', content: root.end({ prettyPrint: true }) }], env };
}

/**
 * Points every `<host>` at its own loopback address. The rendered names only resolve inside the
 * VPC, and ClickHouse resolves every cluster host when it first builds its clusters: with dozens
 * of unresolvable names the sandbox's DNS throttles and a CREATE takes seconds. The clusters keep
 * their names, shards and replicas, which is what the schema tests check.
 */
export function withLoopbackHosts(files: readonly RenderedFile[]): RenderedFile[] {
  const addresses = new Map<string, string>();
  const loopback = (name: string): string => {
    if (!addresses.has(name)) {
      const n = addresses.size + 1;
      addresses.set(name, `127.0.${Math.floor(n / 250)}.${(n % 250) + 1}`);
    }
    return addresses.get(name)!;
  };
  return files.map((f) => {
    if (!f.path.endsWith('.xml') || !f.content.includes('<remote_servers')) return f;
    const doc = create(f.content);
    for (const host of doc.root().filter((n) => n.node.nodeName === 'host', false, true)) {
      host.node.textContent = loopback((host.node.textContent ?? '').trim());
    }
    return { path: f.path, content: doc.end({ prettyPrint: true }) };
  });
}
