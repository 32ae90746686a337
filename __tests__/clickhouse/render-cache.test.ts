/**
 * The per-topology caches behind renderNodeGroupConfig and renderHostMacros (synth speed): a
 * cached answer must be the answer a fresh render gives, for every group, host and option set.
 */
import {
  INGESTION_PROFILE_FILE, nodeGroups, renderHostMacros, renderIngestionProfile, renderNodeGroupConfig, renderSystemLogs, renderZooKeeper,
  SYSTEM_LOGS_FILE, ZOOKEEPER_FILE,
} from '../../lib/clickhouse';
import { buildTopology } from '../../lib/model';
import { TopologyCache } from '../../lib/render/memo';
import { issueTopology, ISSUE_SPEC } from './support/topologies';

describe('render caches', () => {
  test('a second render of each group and host equals the first, and the first equals a fresh topology\'s', () => {
    const topology = issueTopology();
    const fresh = () => buildTopology(ISSUE_SPEC);
    for (const group of nodeGroups(topology)) {
      const first = renderNodeGroupConfig(topology, group);
      expect(renderNodeGroupConfig(topology, nodeGroups(topology).find((g) => g.name === group.name)!)).toEqual(first);
      const other = fresh();
      expect(renderNodeGroupConfig(other, nodeGroups(other).find((g) => g.name === group.name)!)).toEqual(first);
    }
    for (const host of topology.storage.hosts.slice(0, 4)) {
      expect(renderHostMacros(topology, host)).toEqual(renderHostMacros(fresh(), host));
    }
  });

  test('files shared between groups come out as each group\'s own renderer makes them', () => {
    const topology = issueTopology();
    for (const group of nodeGroups(topology)) {
      const files = new Map(renderNodeGroupConfig(topology, group).map((f) => [f.path, f.content]));
      expect(files.get(SYSTEM_LOGS_FILE)).toBe(renderSystemLogs(group).content);
      expect(files.get(ZOOKEEPER_FILE)).toBe(renderZooKeeper(topology).content);
      expect(files.get(INGESTION_PROFILE_FILE)).toBe(group.kind === 'ingestion' ? renderIngestionProfile().content : undefined);
    }
    // Storage keeps its logs 30 days, ingestion 3: a cache keyed too coarsely would hand one to the other.
    const logs = nodeGroups(topology).map((g) => renderNodeGroupConfig(topology, g).find((f) => f.path === SYSTEM_LOGS_FILE)!.content);
    expect(logs[0]).toContain('INTERVAL 30 DAY');
    logs.slice(1).forEach((l) => expect(l).toContain('INTERVAL 3 DAY'));
  });

  test('different options are rendered apart, not served from the cache', () => {
    const topology = issueTopology();
    const storage = nodeGroups(topology)[0];
    const logs = (days: number) => renderNodeGroupConfig(topology, storage, { storageLogRetentionDays: days })
      .find((f) => f.path === SYSTEM_LOGS_FILE)!.content;
    expect(logs(30)).toContain('INTERVAL 30 DAY');
    expect(logs(7)).toContain('INTERVAL 7 DAY');
    expect(logs(30)).toContain('INTERVAL 30 DAY');
    const host = topology.storage.hosts[0];
    expect(renderHostMacros(topology, host, { hostClusterType: 'offline' }).content).toContain('<hostClusterType>offline</hostClusterType>');
    expect(renderHostMacros(topology, host).content).toContain('<hostClusterType>online</hostClusterType>');
  });

  test('callers get their own array: changing it leaves the cache alone', () => {
    const topology = issueTopology();
    const storage = nodeGroups(topology)[0];
    const files = renderNodeGroupConfig(topology, storage);
    const count = files.length;
    files.pop();
    expect(renderNodeGroupConfig(topology, storage)).toHaveLength(count);
  });

  test('a TopologyCache renders once per topology and key', () => {
    const cache = new TopologyCache<number>();
    const a = {};
    const b = {};
    let renders = 0;
    const render = () => ++renders;
    expect(cache.get(a, 'k', render)).toBe(1);
    expect(cache.get(a, 'k', render)).toBe(1);
    expect(cache.get(a, 'other', render)).toBe(2);
    expect(cache.get(b, 'k', render)).toBe(3);
    expect(renders).toBe(3);
  });
});
