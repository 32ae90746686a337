import { parse } from 'yaml';
import { buildTopology } from '../../lib/model';
import { instanceStoreDevices, renderAnsibleInventory } from '../../lib/render/ansible-inventory';
import { US_TOPOLOGY } from '../../stacks/us';

describe('Ansible inventory', () => {
  const topology = buildTopology(US_TOPOLOGY);
  const file = renderAnsibleInventory(topology);
  const inventory = parse(file.content) as {
    all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>> }> };
  };
  const groups = inventory.all.children;

  test('every host appears once, in a group per role, with ZooKeeper beside them', () => {
    expect(file.path).toBe('ansible/inventory.yaml');
    expect(Object.keys(groups)).toEqual(['clickhouse_data', 'clickhouse_small', 'clickhouse_medium', 'clickhouse_events', 'zookeeper']);
    const clickhouseHosts = Object.entries(groups).filter(([g]) => g !== 'zookeeper').flatMap(([, g]) => Object.keys(g.hosts));
    expect(clickhouseHosts).toHaveLength(topology.hosts.length);
    expect(new Set(clickhouseHosts).size).toBe(clickhouseHosts.length);
    expect(Object.values(groups.zookeeper.hosts).map((h) => h.myid)).toEqual([1, 2, 3]);
    expect(inventory.all.vars).toMatchObject({ region: 'us', clickhouse_database: 'posthog' });
  });

  test('storage hosts: role, shard, replica, the 16 NVMe devices of i8ge.metal-48xl and the tables to back up', () => {
    const s01 = groups.clickhouse_data.hosts['ch-data-s01-r2.us.clickhouse.internal'];
    expect(s01).toMatchObject({ hostClusterRole: 'data', shard: 1, replica: 2, availability_zone: 'us-east-1b' });
    expect(s01.raid_volumes).toEqual(instanceStoreDevices(16));
    expect((s01.raid_volumes as string[])[15]).toBe('/dev/nvme16n1');
    // Single-shard tables live on shard 1 only; the sharded heatmaps and events tables on every shard.
    expect(s01.backup_tables).toEqual(['groups', 'sharded_heatmaps', 'sharded_events']);
    expect(groups.clickhouse_data.hosts['ch-data-s07-r1.us.clickhouse.internal'].backup_tables).toEqual(['sharded_heatmaps', 'sharded_events']);
  });

  test('ingestion hosts store nothing: no RAID, nothing to back up', () => {
    const pod = Object.values(groups.clickhouse_events.hosts)[0];
    expect(pod).toMatchObject({ hostClusterRole: 'events', raid_volumes: [], backup_tables: [] });
  });

  test('raid volumes follow the instance type', () => {
    const inv = parse(renderAnsibleInventory(topology, { raidVolumes: instanceStoreDevices(8) }).content);
    expect(inv.all.children.clickhouse_data.hosts['ch-data-s01-r1.us.clickhouse.internal'].raid_volumes).toHaveLength(8);
  });
});
