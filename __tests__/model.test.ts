import {
  buildTopology, KafkaBackendKind, NodeRole, TopologySpec, TopologyValidationError,
} from '../lib/model';
import { US_TOPOLOGY } from '../stacks/us';

const base: TopologySpec = {
  name: 'test',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  storage: { shards: 10, replicas: 3 },
  ingestionTiers: [
    { role: NodeRole.SMALL, nodes: 2 },
    { role: NodeRole.MEDIUM, nodes: 4 },
    { role: NodeRole.EVENTS, nodes: 8 },
  ],
};

function problemsOf(spec: unknown): { field: string; value: unknown; expected: string }[] {
  try {
    buildTopology(spec as TopologySpec);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected the description to be rejected');
}

describe('topology', () => {
  const topo = buildTopology(base);

  test('storage hosts: shards × replicas with deterministic names, replica i in zone i', () => {
    expect(topo.storage.hosts).toHaveLength(30);
    expect(topo.storage.hosts[0]).toMatchObject({ name: 'ch-data-s01-r1', shard: 1, replica: 1, availabilityZone: 'us-east-1a' });
    expect(topo.storage.hosts.filter((h) => h.replica === 2).every((h) => h.availabilityZone === 'us-east-1b')).toBe(true);
    expect(topo.storage.hosts[29].fqdn).toBe('ch-data-s10-r3.test.clickhouse.internal');
  });

  test('clusters with PostHog names: sharded, single shard, migrations over the storage hosts, one per tier', () => {
    const byName = Object.fromEntries(topo.clusters.map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(['posthog', 'posthog_single_shard', 'posthog_migrations', 'ingestion_small', 'ingestion_medium', 'ingestion_events']);
    expect(byName.posthog.shards).toHaveLength(10);
    expect(byName.posthog.shards.every((s) => s.replicas.length === 3 && s.internalReplication)).toBe(true);
    expect(byName.posthog_single_shard.shards).toHaveLength(1);
    // One shard per storage host, each a name in the region's private zone: it resolves from every member.
    expect(byName.posthog_migrations.shards).toHaveLength(30);
    expect(byName.posthog_migrations.shards.every((s) => s.replicas.length === 1 && !s.internalReplication && s.replicas[0].fqdn.endsWith(`.${topo.dnsZone}`))).toBe(true);
    expect(byName.ingestion_medium.shards.map((s) => s.replicas.length)).toEqual([1, 1, 1, 1]);
  });

  test('tier defaults: small 1 consumer, medium 4', () => {
    expect(topo.ingestionTiers.map((t) => [t.role.value, t.consumersPerNode])).toEqual([['small', 1], ['medium', 4], ['events', 4]]);
  });

  test('user-defined roles are accepted and keep their value', () => {
    const t = buildTopology({ ...base, ingestionTiers: [{ role: 'ai_events', nodes: 1 }] });
    expect(t.ingestionTiers[0].role.value).toBe('ai_events');
    expect(t.ingestionTiers[0].hosts[0].name).toBe('chi-ingestion-ai-events-ai-events-0-0');
    expect(NodeRole.of('small')).toBe(NodeRole.SMALL);
  });

  test('the spec is copied: changing it afterwards changes nothing', () => {
    const spec = JSON.parse(JSON.stringify(base)) as { storage: { shards: number } };
    const t = buildTopology(spec as unknown as TopologySpec);
    spec.storage.shards = 1;
    expect(t.storage.shards).toBe(10);
  });

  test('the us stack has 30 data and 38 ingestion nodes', () => {
    const us = buildTopology(US_TOPOLOGY);
    expect(us.storage.hosts).toHaveLength(30);
    expect(us.ingestionTiers.reduce((n, t) => n + t.nodes, 0)).toBe(38);
  });
});

describe('validation collects every problem with field, value and expectation', () => {
  test('zero and negative counts', () => {
    const p = problemsOf({ ...base, storage: { shards: 0, replicas: -1 }, ingestionTiers: [{ role: 'small', nodes: -3 }] });
    expect(p.map((x) => x.field)).toEqual(expect.arrayContaining(['storage.shards', 'storage.replicas', 'ingestionTiers[0].nodes']));
    expect(p.find((x) => x.field === 'storage.shards')).toMatchObject({ value: 0, expected: expect.stringContaining('whole number from 1') });
  });

  test('replicas greater than the availability zones', () => {
    const p = problemsOf({ ...base, storage: { shards: 2, replicas: 3 }, availabilityZones: ['us-east-1a', 'us-east-1b'] });
    expect(p).toEqual([expect.objectContaining({ field: 'storage.replicas', value: 3, expected: expect.stringContaining('availability zones (2)') })]);
  });

  test('duplicate cluster names and duplicate tier roles', () => {
    const p = problemsOf({
      ...base,
      clusterNames: { singleShard: 'posthog' },
      ingestionTiers: [{ role: 'small', nodes: 1 }, { role: 'small', nodes: 2 }],
    });
    expect(p.map((x) => x.field)).toEqual(expect.arrayContaining(['cluster names', 'ingestionTiers[].role']));
  });

  test('duplicate host names', () => {
    // Two roles whose Kubernetes names coincide would give the operator's pods the same names.
    const p = problemsOf({ ...base, ingestionTiers: [{ role: 'ab', nodes: 1 }, { role: 'ab_', nodes: 1 }] });
    expect(p).toEqual([expect.objectContaining({ field: 'host names', value: 'chi-ingestion-ab-ab-0-0' })]);
  });

  test('unknown role in a stream leg and data as an ingestion role', () => {
    const p = problemsOf({
      ...base,
      ingestionTiers: [{ role: 'data', nodes: 1 }],
      kafkaBackends: [{ name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 't', partitions: 4 }] }],
      streams: [{ name: 's', columns: [{ name: 'a', type: 'String' }], orderBy: ['a'], legs: [{ backend: 'msk_cluster', topic: 't', roles: ['nobody'] }] }],
    });
    expect(p).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'ingestionTiers[0].role', value: 'data' }),
      expect.objectContaining({ field: 'streams[0].legs[0].roles[0]', value: 'nobody', expected: expect.stringContaining('ingestion role that has nodes') }),
    ]));
  });

  test.each([
    ['quote', "po'sthog"],
    ['angle bracket', 'a<b>'],
    ['space', 'my cluster'],
    ['sql', 'x; DROP TABLE y'],
    ['unicode', 'clústér'],
    ['upper case', 'Posthog'],
  ])('names that are not identifiers or DNS labels are rejected: %s', (_, bad) => {
    const p = problemsOf({ ...base, name: bad, database: bad, clusterNames: { sharded: bad }, storage: { shards: 1, hostPrefix: bad } });
    expect(p.map((x) => x.field)).toEqual(expect.arrayContaining(['name', 'database', 'clusterNames.sharded', 'storage.hostPrefix']));
    expect(p.every((x) => x.value === bad || typeof x.value !== 'string' || x.field.startsWith('dnsZone'))).toBe(true);
  });

  test('one error lists every problem, one per line', () => {
    try {
      buildTopology({ ...base, name: 'Bad Name', storage: { shards: 0 }, zookeeper: { nodes: 4 } });
      throw new Error('not rejected');
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/^Invalid region description: \d+ problems/);
      expect(msg).toContain('- name: got "Bad Name"; expected a DNS label');
      expect(msg).toContain('- storage.shards: got 0; expected a whole number from 1 to 500');
      expect(msg).toContain('- zookeeper.nodes: got 4; expected an odd ensemble');
    }
  });

  test('absurdly large counts', () => {
    const p = problemsOf({ ...base, storage: { shards: 1e9 }, ingestionTiers: [{ role: 'small', nodes: 1e7, cores: 10000 }] });
    expect(p.map((x) => x.field)).toEqual(expect.arrayContaining(['storage.shards', 'ingestionTiers[0].nodes', 'ingestionTiers[0].cores']));
  });
});
