/** What the default stacks synthesize: the observability artifacts, the alarms and the scraper-only metrics ports. */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { renderObservabilityArtifacts } from '../../lib/constructs/observability';
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
    const expected = renderObservabilityArtifacts(topology, alerts).filter((f) => !f.path.endsWith('prometheus.yaml'));
    for (const f of expected) expect(a.get(f.path)).toBe(f.content);
    expect([...a.keys()].filter((k) => k.startsWith('observability/')).sort()).toEqual([
      'observability/alerts.rules.yaml', 'observability/alerts.test.yaml', 'observability/dashboard.json',
      'observability/hosts/storage/etc/systemd/system/clickhouse-table-exporter.service', 'observability/hosts/storage/usr/local/bin/clickhouse-table-exporter',
      'observability/hosts/zookeeper/etc/systemd/system/zookeeper-exporter.service', 'observability/hosts/zookeeper/usr/local/bin/zookeeper-exporter',
      'observability/prometheus.yaml',
    ]);
    expect(JSON.parse(a.get('observability/dashboard.json')!).panels.length).toBeGreaterThan(10);
  });

  (hasPromtool ? test : test.skip)('promtool accepts the synthesized rule file, and the Prometheus config that scrapes every node and loads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-rules-'));
    try {
      const text = stacks[name].artifacts.get('observability/prometheus.yaml')!;
      expect(text).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
      const config = parse(text) as { scrape_configs: { job_name: string; kubernetes_sd_configs?: unknown[]; static_configs?: { targets: string[] }[] }[] };
      writeFileSync(join(dir, 'alerts.rules.yaml'), stacks[name].artifacts.get('observability/alerts.rules.yaml')!);
      expect(await promtool(['check', 'rules', 'alerts.rules.yaml'], { cwd: dir })).toMatch(/SUCCESS/);
      // Debian builds Prometheus without Kubernetes service discovery: its promtool checks the rest of the config.
      const withoutKubernetes = { ...config, scrape_configs: config.scrape_configs.filter((j) => j.kubernetes_sd_configs === undefined) };
      writeFileSync(join(dir, 'prometheus.yaml'), stringify(withoutKubernetes));
      expect(await promtool(['check', 'config', 'prometheus.yaml'], { cwd: dir })).toMatch(/SUCCESS: 1 rule files found/);
      const hosts = config.scrape_configs.find((j) => j.job_name.endsWith('-hosts'))!.static_configs!.flatMap((c) => c.targets);
      const topology = alertsOf(spec).topology;
      expect(hosts).toHaveLength(topology.storage.hosts.length * 2 + topology.zookeeper.length);
      expect(config.scrape_configs.map((j) => j.job_name)).toEqual(expect.arrayContaining([`clickhouse-ingest-${name}-ingestion`]));
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

  test('user data with the exporters stays within EC2\'s 16 KB on every host', () => {
    for (const [id, instance] of Object.entries(resources(stacks[name].config, 'aws_instance'))) {
      const bytes = Buffer.byteLength(instance.user_data as string);
      if (bytes > 16 * 1024) throw new Error(`${id}: user data is ${bytes} bytes`);
      expect(instance.user_data).toMatch(/clickhouse-table-exporter\.service|zookeeper-exporter\.service/);
    }
  });
});
