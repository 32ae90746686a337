/**
 * A cluster's own server settings and profiles (`extraConfig` of the storage cluster and of each
 * ingestion tier): rendered into files of their own, shipped the way the library's files are (an
 * S3 object the storage hosts sync; a file of the tier's ClickHouseInstallation), loaded by a real
 * ClickHouse (chdb) beside the library's config, and refused where they collide with what the
 * library manages.
 */
import { buildTopology, NodeRole } from '../../lib/model';
import { EXTRA_PROFILES_FILE, EXTRA_SETTINGS_FILE, nodeGroups, renderExtraConfig, renderNodeGroupConfig } from '../../lib/clickhouse';
import { Problems } from '../../lib/model/validation';
import { RegionStackProps } from '../../lib/constructs/region-stack';
import { smallRegion } from '../safety/specs';
import { TestEngine } from '../support/engine';
import { roleConfig } from '../schema/support/role-config';
import { cleanUp, resources, SynthesizedStack, synthStacks } from '../region/support/synth';

afterAll(cleanUp);

const withExtras = (): RegionStackProps => {
  const small = smallRegion();
  return {
    ...small,
    storageClusterOptions: {
      extraConfig: { serverSettings: { max_concurrent_queries: 150, merge_tree: { max_parts_in_total: 200000 } } },
    },
    ingestionTierOptions: {
      small: { extraConfig: { serverSettings: { max_table_size_to_drop: 12345, merge_tree: { max_parts_in_total: 200000 } }, profiles: { reporting: { max_memory_usage: 10000000000, readonly: 1 } } } },
    },
  };
};

describe('extra server settings and profiles per cluster', () => {
  let stack: SynthesizedStack;
  beforeAll(() => {
    stack = synthStacks({ extra: withExtras() }).extra;
  });

  test('the storage hosts get their file as an S3 object beside the library\'s (synced and reloaded, no host replaced)', () => {
    const objects = Object.values(resources(stack.config, 'aws_s3_object')).filter((o) => String(o.key).endsWith('zz_extra_settings.xml'));
    expect(objects.map((o) => o.key)).toEqual([`config/data/${EXTRA_SETTINGS_FILE}`]);
    expect(String(objects[0].content)).toContain('<max_concurrent_queries>150</max_concurrent_queries>');
    expect(stack.artifacts.get(`clickhouse/data/${EXTRA_SETTINGS_FILE}`)).toBe(objects[0].content);
    // The instances ignore user-data changes: config reaches them through the sync, never a replacement.
    for (const i of Object.values(resources(stack.config, 'aws_instance'))) expect((i.lifecycle as { ignore_changes: string[] }).ignore_changes).toContain('user_data');
  });

  test('each tier\'s files are in its ClickHouseInstallation (a change rolls the pods); other tiers get none', () => {
    const small = [...stack.artifacts.keys()].filter((p) => /^clickhouse\/ingestion-[^/]*small[^/]*\/(config|users)\.d\/zz_extra/.test(p));
    expect(small.map((p) => p.replace(/^clickhouse\/[^/]+\//, ''))).toEqual([EXTRA_SETTINGS_FILE, EXTRA_PROFILES_FILE]);
    const events = [...stack.artifacts.keys()].filter((p) => /^clickhouse\/ingestion-[^/]*events/.test(p) && p.includes('zz_extra'));
    expect(events).toEqual([]);
    expect(stack.policy.violations).toEqual([]);
  });

  test('ClickHouse loads them beside the library\'s config: the setting and the profile take effect', async () => {
    const topology = buildTopology(withExtras());
    const config = roleConfig(topology, NodeRole.SMALL);
    const extras = [EXTRA_SETTINGS_FILE, EXTRA_PROFILES_FILE].map((p) => {
      const [path] = [...stack.artifacts.keys()].filter((k) => /^clickhouse\/ingestion-[^/]*small/.test(k) && k.endsWith(p));
      return { path: p, content: stack.artifacts.get(path)! };
    });
    const engine = await TestEngine.open([...config.files, ...extras], config.env);
    try {
      expect(await engine.value("SELECT value FROM system.server_settings WHERE name = 'max_table_size_to_drop'")).toBe('12345');
      expect(await engine.value("SELECT value FROM system.merge_tree_settings WHERE name = 'max_parts_in_total'")).toBe('200000');
      expect(await engine.rows("SELECT setting_name, value FROM system.settings_profile_elements WHERE profile_name = 'reporting' ORDER BY setting_name"))
        .toEqual([{ setting_name: 'max_memory_usage', value: '10000000000' }, { setting_name: 'readonly', value: '1' }]);
      // The library's own profile is untouched.
      expect(await engine.value("SELECT getSetting('distributed_foreground_insert')")).toBe('true');
    } finally {
      await engine.kill();
      config.cleanup();
    }
  }, 120_000);

  test('names the library manages are refused with the file that has them, all in one error', () => {
    const spec: RegionStackProps = {
      ...withExtras(),
      storageClusterOptions: { extraConfig: { serverSettings: { remote_servers: {}, zookeeper: 'x', 'bad-name': 1 } } },
      ingestionTierOptions: { small: { extraConfig: { serverSettings: { macros: { shard: 1 } }, profiles: { default: { readonly: 1 }, ok: { nested: { no: 1 } as never } } } } },
    };
    let message = '';
    try {
      synthStacks({ bad: spec });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/storageClusterOptions\.extraConfig\.serverSettings\.remote_servers: got "remote_servers"; expected a setting the library does not manage: remote_servers is rendered in config\.d\/remote_servers/);
    expect(message).toMatch(/storageClusterOptions\.extraConfig\.serverSettings\.zookeeper: .*rendered in config\.d\/zookeeper/);
    expect(message).toContain('storageClusterOptions.extraConfig.serverSettings.bad-name');
    expect(message).toMatch(/ingestionTierOptions\.small\.extraConfig\.serverSettings\.macros: .*rendered in config\.d\//);
    expect(message).toMatch(/ingestionTierOptions\.small\.extraConfig\.profiles\.default: .*a profile the library does not define/);
    expect(message).toContain('ingestionTierOptions.small.extraConfig.profiles.ok.nested');
  });

  test('a value with a character XML does not allow is refused by field (ClickHouse would refuse the whole file)', () => {
    const problems = new Problems();
    const files = renderExtraConfig(problems, 'extraConfig', { serverSettings: { max_x: 'a\u0001b', ok_setting: 'fine & <plain>' }, profiles: { p: { s: 'lone \ud800' } } }, []);
    expect(files).toEqual([]);
    expect(problems.all.map((p) => p.field)).toEqual(['extraConfig.serverSettings.max_x', 'extraConfig.profiles.p.s']);
    expect(problems.all[0].expected).toMatch(/control character XML does not allow/);
  });

  test('the collision check reads the library\'s rendered files, so a profile the library adds is protected without a list', () => {
    const topology = buildTopology(smallRegion());
    const group = nodeGroups(topology).find((g) => g.kind === 'ingestion')!;
    const files = renderNodeGroupConfig(topology, group);
    const libraryProfiles = files.filter((f) => f.path.startsWith('users.d/')).flatMap((f) => [...f.content.matchAll(/<profiles>\s*<(\w+)/g)].map((m) => m[1]));
    expect(libraryProfiles.length).toBeGreaterThan(0);
    const problems = new Problems();
    renderExtraConfig(problems, 'extraConfig', { profiles: Object.fromEntries(libraryProfiles.map((p) => [p, { readonly: 1 }])) }, files);
    expect(problems.all.map((p) => p.field).sort()).toEqual(libraryProfiles.map((p) => `extraConfig.profiles.${p}`).sort());
  });
});
