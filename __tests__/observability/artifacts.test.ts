/** What the default stacks synthesize: the observability artifacts, the alarms and the scraper-only metrics ports. */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderObservabilityArtifacts } from '../../lib/observability';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { cleanUp, resources, synthStacks, SynthesizedStack } from '../region/support/synth';
import { alertsOf, hasPromtool, promtool } from './support';

let stacks: Record<string, SynthesizedStack>;
beforeAll(() => {
  stacks = synthStacks({ us: US_REGION, eu: EU_REGION });
}, 120_000);
afterAll(cleanUp);

describe.each([['us', US_REGION], ['eu', EU_REGION]] as const)('%s', (name, spec) => {
  test('artifacts/observability holds the rule file, its tests, the dashboard and the host exporters, as rendered from the model', () => {
    const a = stacks[name].artifacts;
    const { topology, alerts } = alertsOf(spec);
    const expected = renderObservabilityArtifacts(topology, alerts);
    for (const f of expected) expect(a.get(f.path)).toBe(f.content);
    expect([...a.keys()].filter((k) => k.startsWith('observability/')).sort()).toEqual([
      'observability/alerts.rules.yaml', 'observability/alerts.test.yaml', 'observability/dashboard.json',
      'observability/hosts/storage/etc/systemd/system/clickhouse-table-exporter.service', 'observability/hosts/storage/usr/local/bin/clickhouse-table-exporter',
      'observability/hosts/zookeeper/etc/systemd/system/zookeeper-exporter.service', 'observability/hosts/zookeeper/usr/local/bin/zookeeper-exporter',
    ]);
    expect(JSON.parse(a.get('observability/dashboard.json')!).panels.length).toBeGreaterThan(10);
  });

  (hasPromtool ? test : test.skip)('promtool check rules accepts the synthesized rule file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-rules-'));
    try {
      writeFileSync(join(dir, 'alerts.rules.yaml'), stacks[name].artifacts.get('observability/alerts.rules.yaml')!);
      expect(await promtool(['check', 'rules', 'alerts.rules.yaml'], { cwd: dir })).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('cdk.tf.json: metrics ports open to the scraper (the EKS cluster security group) only, and the alarms', () => {
    const config = stacks[name].config;
    const metrics = Object.values(resources(config, 'aws_vpc_security_group_ingress_rule')).filter((r) => [7000, 9363, 9364].includes(r.from_port as number));
    expect(metrics.map((r) => r.from_port).sort()).toEqual([7000, 9363, 9364]);
    for (const r of metrics) expect(r.referenced_security_group_id).toBe('${data.aws_eks_cluster.eks.vpc_config[0].cluster_security_group_id}');
    const alarms = Object.values(resources(config, 'aws_cloudwatch_metric_alarm'));
    const hosts = stacks[name].config.resource!.aws_instance;
    expect(alarms.filter((x) => x.metric_name === 'StatusCheckFailed')).toHaveLength(Object.keys(hosts).length);
    expect(alarms.filter((x) => x.metric_name === 'KafkaDataLogsDiskUsed').length).toBeGreaterThan(0);
    expect(alarms.filter((x) => x.metric_name === 'SumOffsetLag').length).toBeGreaterThan(0);
    expect(Object.values(resources(config, 'helm_release')).filter((r) => String(r.name).endsWith('-monitoring'))).toHaveLength(1);
  });
});
