import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { format } from 'pretty-format';
import { NodeRole } from '../../lib/model';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { snapshotStack, snapshotSynthOutput, StackSnapshot } from '../../lib/testing/snapshot';
import { cleanUp, readStack, tempOutdir } from '../region/support/synth';
import { smallRegion } from '../safety/specs';
import { testApp } from '../support/temp';

afterAll(cleanUp);

/** The small region with one more stream on a new topic, declared first so that any position-based name would shift. */
function withAppsStream(base: RegionStackProps): RegionStackProps {
  return {
    ...base,
    kafkaBackends: base.kafkaBackends!.map((b, i) => (i === 0 ? { ...b, topics: [{ name: 'clickhouse_apps', partitions: 16 }, ...b.topics] } : b)),
    streams: [{
      name: 'apps', columns: [{ name: 'app_id', type: 'String' }, { name: 'team_id', type: 'Int64' }], orderBy: ['team_id', 'app_id'],
      legs: [{ backend: 'msk_cluster', topic: 'clickhouse_apps', roles: [NodeRole.SMALL] }],
    }, ...base.streams!],
  };
}

/** What a reviewer sees of an entry in a .snap file: text as is, objects as jest prints them. */
function snapLines(value: unknown): string[] {
  return (typeof value === 'string' ? value : format(value, { indent: 2 })).split('\n');
}

/** Whether `before` survives in `after` with lines only inserted (a diff without a single `-` line). */
function onlyInsertions(before: readonly string[], after: readonly string[]): boolean {
  let j = 0;
  for (const line of before) {
    while (j < after.length && after[j] !== line) j++;
    if (j === after.length) return false;
    j++;
  }
  return true;
}

describe('snapshotStack / snapshotSynthOutput', () => {
  const outdir = tempOutdir();
  const app = new App({ outdir, stackTraces: false });
  new RegionStack(app, 'region', smallRegion());
  app.synth();
  const { config, artifacts } = readStack(path.join(outdir, 'stacks', 'region'));
  const snapshot = snapshotSynthOutput(outdir).region;

  test('one entry per Terraform block, keyed by its address, and one per artifact file, keyed by its path', () => {
    const resources = Object.entries(config.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
    const data = Object.entries(config.data ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `data.${type}.${n}`));
    expect(resources.length).toBeGreaterThan(20);
    for (const address of [...resources, ...data]) expect(Object.keys(snapshot)).toContain(address);
    expect(Object.keys(snapshot)).toEqual(expect.arrayContaining(['terraform', 'provider.aws', 'output.hosted_zone_id']));
    const files = Object.keys(snapshot).filter((k) => k.startsWith('artifacts/')).map((k) => k.slice('artifacts/'.length));
    expect(files).toEqual([...artifacts.keys()].sort());
    expect(Object.keys(snapshot)).toEqual([...Object.keys(snapshot)].sort());
  });

  test('YAML, XML and SQL are the files\' text; JSON files and JSON attributes are parsed; cdktf metadata is gone', () => {
    const sql = Object.keys(snapshot).find((k) => /^artifacts\/sql\/small\/3_groups_mv\.sql$/.test(k))!;
    expect(snapshot[sql]).toBe(artifacts.get('sql/small/3_groups_mv.sql'));
    const xml = Object.keys(snapshot).find((k) => k.startsWith('artifacts/clickhouse/') && k.endsWith('.xml'))!;
    expect(snapshot[xml]).toBe(artifacts.get(xml.slice('artifacts/'.length)));
    expect(snapshot['artifacts/topology.json']).toEqual(JSON.parse(artifacts.get('topology.json')!));
    expect(JSON.stringify(snapshot)).not.toContain('"//"');
    const roles = Object.entries(config.resource!.aws_iam_role ?? {}).map(([name, r]) => [name, r.assume_role_policy as string]);
    const literal = roles.filter(([, policy]) => policy.trim().startsWith('{'));
    const referenced = roles.filter(([, policy]) => policy.startsWith('${'));
    expect(literal.length).toBeGreaterThan(0);
    for (const [name, policy] of literal) expect((snapshot[`aws_iam_role.${name}`] as { assume_role_policy: unknown }).assume_role_policy).toEqual(JSON.parse(policy));
    for (const [name, policy] of referenced) expect((snapshot[`aws_iam_role.${name}`] as { assume_role_policy: unknown }).assume_role_policy).toBe(policy);
    const keep = snapshotSynthOutput(outdir, { keepMetadata: true, parseJsonAttributes: false }).region;
    expect(JSON.stringify(keep)).toContain('"//"');
  });

  test('snapshotStack synthesizes one stack fully (policy pack included) and leaves no folder behind', () => {
    const stack = new RegionStack(testApp(), 'region', smallRegion());
    const left = (): string[] => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('cdktf-snapshot-'));
    const before = left();
    const own = snapshotStack(stack);
    expect(own).toEqual(snapshot);
    const open = new RegionStack(testApp(), 'region', smallRegion());
    open.storageCluster.node.addValidation({ validate: () => ['a platform team\'s own check'] });
    expect(() => snapshotStack(open)).toThrow(/a platform team's own check/);
    // Neither the synth that worked nor the one that threw leaves its folder behind.
    expect(left().filter((d) => !before.includes(d))).toEqual([]);
  });

  test('adding a stream only adds entries and lines: no existing line of any entry changes or moves', () => {
    const grown = snapshotStack(new RegionStack(testApp(), 'region', withAppsStream(smallRegion())));
    const added = Object.keys(grown).filter((k) => !(k in snapshot));
    expect(added).toEqual(expect.arrayContaining(['artifacts/sql/data/1_apps.sql', 'artifacts/sql/small/3_apps_mv.sql']));
    const changed: string[] = [];
    for (const [key, value] of Object.entries(snapshot) as [string, StackSnapshot[string]][]) {
      expect(Object.keys(grown)).toContain(key);
      if (!onlyInsertions(snapLines(value), snapLines(grown[key]))) changed.push(key);
    }
    // Known exceptions, each a whole-region figure rather than a position: a tier's partition and
    // consumer totals (ClickHouse's Kafka metrics are per server, so the tier's alert thresholds sum
    // every leg it consumes) and the Grafana dashboard's layout (panel ids and rows are positions).
    const REGION_WIDE = ['artifacts/observability/alerts.rules.yaml', 'artifacts/observability/alerts.test.yaml', 'artifacts/observability/dashboard.json'];
    // The access Job and its ConfigMap are named after the hash of their script (a new stream's
    // grants make it run again): apart from that name, their lines only grow too.
    const ACCESS = /clickhouse-access_/;
    expect(changed.filter((k) => !REGION_WIDE.includes(k) && !ACCESS.test(k))).toEqual([]);
    expect(changed.filter((k) => ACCESS.test(k))).toHaveLength(3);
    const unhashed = (v: unknown): string[] => snapLines(v).map((l) => l.replace(/clickhouse-access-[0-9a-f]{10}/g, 'clickhouse-access-<hash>'));
    for (const k of changed.filter((x) => ACCESS.test(x))) expect(onlyInsertions(unhashed(snapshot[k]), unhashed(grown[k]))).toBe(true);
    for (const k of REGION_WIDE) expect(JSON.stringify(grown[k])).toContain('apps');
    const tierRules = (v: unknown): string[] => snapLines(v).filter((l) => !/KafkaAssignedPartitions|KafkaConsumersWithAssignment|of ingestion-[a-z]+ holds? |values: \d+x30/.test(l));
    expect(onlyInsertions(tierRules(snapshot[REGION_WIDE[0]]), tierRules(grown[REGION_WIDE[0]]))).toBe(true);
    // ...and the entries that describe the whole region did grow.
    expect(snapLines(grown['artifacts/topology.md']).length).toBeGreaterThan(snapLines(snapshot['artifacts/topology.md']).length);
  });

  test('fails clearly on a folder that was never synthesized', () => {
    expect(() => snapshotSynthOutput(path.join(outdir, 'nowhere'))).toThrow(/nowhere\/stacks does not exist; synthesize the app/);
  });
});
