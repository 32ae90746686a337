/**
 * `RegionStackProps.clickhouse` reaches both sides of a region: the storage hosts (their cloud-init
 * writes macros.xml) and the ingestion pods (their installation's role_macros.xml). A pod whose
 * `hostClusterType` differs from the storage hosts' would route by the wrong macro.
 */
import { create } from 'xmlbuilder2';
import { parse } from 'yaml';
import { DEV_REGION } from '../../examples/dev-region/region';
import { RegionStackProps } from '../../lib/constructs/region-stack';
import { cleanUp, resources, SynthesizedStack, synthStacks } from './support/synth';

interface CloudConfig { write_files: { path: string; content: string }[] }
interface Installation { installation: { spec: { configuration: { files: Record<string, string> } } } }

const macrosOf = (xml: string): Record<string, string> =>
  (create(xml).end({ format: 'object' }) as { clickhouse: { macros: Record<string, string> } }).clickhouse.macros;

/** The macros each storage instance writes at boot, by instance, read from its user data. */
function storageMacros(stack: SynthesizedStack): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [id, instance] of Object.entries(resources(stack.config, 'aws_instance'))) {
    if ((instance.tags as Record<string, string>)['clickhouse-ingest:component'] !== 'storage') continue;
    const file = (parse(instance.user_data as string) as CloudConfig).write_files.find((f) => f.path === '/etc/clickhouse-server/config.d/macros.xml');
    out[id] = macrosOf(file!.content);
  }
  return out;
}

/** The macros each ingestion installation's pods load, by Helm release, read from its values. */
function podMacros(stack: SynthesizedStack): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const release of Object.values(resources(stack.config, 'helm_release'))) {
    const values = parse((release.values as string[])[0]) as Partial<Installation>;
    if (values.installation === undefined) continue;
    out[release.name as string] = macrosOf(values.installation.spec.configuration.files['config.d/role_macros.xml']);
  }
  return out;
}

describe('RegionStackProps.clickhouse on both sides of a region', () => {
  let stacks: Record<string, SynthesizedStack>;
  beforeAll(() => {
    const offline: RegionStackProps = { ...DEV_REGION, name: 'offline', clickhouse: { hostClusterType: 'offline', ingestionLogRetentionDays: 5 } };
    // Two apps: in one app, two stacks of one region would share its state, groups and broker variables (refused).
    stacks = { ...synthStacks({ dev: DEV_REGION }), ...synthStacks({ offline }) };
  });
  afterAll(cleanUp);

  test('a non-default hostClusterType is in every storage host\'s and every pod\'s macros', () => {
    const storage = storageMacros(stacks.offline);
    const pods = podMacros(stacks.offline);
    expect(Object.keys(storage)).toHaveLength(2);
    expect(Object.keys(pods)).toEqual(['ingestion-small']);
    const types = [...Object.values(storage), ...Object.values(pods)].map((m) => m.hostClusterType);
    expect(new Set(types)).toEqual(new Set(['offline']));
    // The artifacts for review say the same as what is deployed.
    expect(macrosOf(stacks.offline.artifacts.get('clickhouse/ingestion-small/config.d/role_macros.xml')!).hostClusterType).toBe('offline');
  });

  test('without it both sides say online', () => {
    const types = [...Object.values(storageMacros(stacks.dev)), ...Object.values(podMacros(stacks.dev))].map((m) => m.hostClusterType);
    expect(types).toHaveLength(3);
    expect(new Set(types)).toEqual(new Set(['online']));
  });

  test('ingestionLogRetentionDays sets the pods\' system log TTLs', () => {
    const systemLogs = stacks.offline.artifacts.get('clickhouse/ingestion-small/config.d/system_logs.xml')!;
    const ttls = [...systemLogs.matchAll(/<ttl>([^<]*)<\/ttl>/g)].map((m) => m[1]);
    expect(ttls.length).toBeGreaterThan(0);
    expect(new Set(ttls)).toEqual(new Set(['event_date + INTERVAL 5 DAY DELETE']));
  });
});
