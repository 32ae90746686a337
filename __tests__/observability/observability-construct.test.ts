import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { TopologyValidationError } from '../../lib/model';
import { ebsVolumeBursts } from '../../lib/constructs/observability';
import { RegionStackProps } from '../../lib/constructs/region-stack';
import { cleanUp, resources, synthStacks, SynthesizedStack } from '../region/support/synth';
import { smallRegion } from '../safety/specs';

const SCRAPER = 'sg-0123456789abcdef0';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:clickhouse-alerts';
const METRICS_PORTS = [7000, 9363, 9364];

function withObservability(observability: RegionStackProps['observability']): RegionStackProps {
  return { ...smallRegion(), observability };
}

let stacks: Record<string, SynthesizedStack>;
beforeAll(() => {
  // One app per variant: stacks of one app may not share a state key, consumer group or broker variable.
  stacks = {
    ...synthStacks({ plain: smallRegion() }),
    ...synthStacks({ scraped: withObservability({ scraperSecurityGroupIds: [SCRAPER], alarmTopicArn: TOPIC, thresholds: { lagMessagesPerPartition: 5000 } }) }),
    ...synthStacks({ operator: withObservability({ prometheusOperator: { namespace: 'observability', resourceLabels: { release: 'prom' } } }) }),
  };
}, 120_000);
afterAll(cleanUp);

const ingress = (s: SynthesizedStack): Record<string, unknown>[] => Object.values(resources(s.config, 'aws_vpc_security_group_ingress_rule'));
const metricsIngress = (s: SynthesizedStack): Record<string, unknown>[] => ingress(s).filter((r) => METRICS_PORTS.includes(r.from_port as number));

describe('metrics ports', () => {
  test('closed to everyone when no scraper is named', () => {
    expect(metricsIngress(stacks.plain)).toEqual([]);
  });

  test('open to the scraper security group only: 9363 and 9364 on storage hosts, 7000 on ZooKeeper', () => {
    const rules = metricsIngress(stacks.scraped);
    expect(rules.map((r) => r.from_port).sort()).toEqual([7000, 9363, 9364]);
    for (const r of rules) {
      expect(r.referenced_security_group_id).toBe(SCRAPER);
      expect(r.to_port).toBe(r.from_port);
      expect(r.cidr_ipv4).toBeUndefined();
    }
    const zk = rules.find((r) => r.from_port === 7000)!;
    expect(zk.security_group_id).toMatch(/aws_security_group\.zookeeper_security-group/);
    expect(rules.find((r) => r.from_port === 9363)!.security_group_id).toMatch(/aws_security_group\.storage_security-group/);
  });

  test('with the operator and no scraper named, the EKS cluster security group scrapes', () => {
    const rules = metricsIngress(stacks.operator);
    expect(rules).toHaveLength(3);
    for (const r of rules) expect(r.referenced_security_group_id).toBe('${data.aws_eks_cluster.eks.vpc_config[0].cluster_security_group_id}');
  });

  test('every node exposes the endpoint: prometheus.xml in every node group, the metrics port on the pods', () => {
    const a = stacks.plain.artifacts;
    expect([...a.keys()].filter((k) => k.endsWith('config.d/prometheus.xml')).sort())
      .toEqual(['clickhouse/data/config.d/prometheus.xml', 'clickhouse/ingestion-events/config.d/prometheus.xml', 'clickhouse/ingestion-small/config.d/prometheus.xml']);
    const chi = parse(a.get('helm/tier-small-Installation.values.yaml') ?? [...a.entries()].find(([k]) => k.includes('ingestion-small') && k.startsWith('helm/'))![1]);
    expect(chi.installation.spec.templates.podTemplates[0].spec.containers[0].ports).toEqual([{ name: 'metrics', containerPort: 9363, protocol: 'TCP' }]);
  });

  test('the storage and ZooKeeper hosts run their exporters from user data', () => {
    const instances = Object.entries(resources(stacks.plain.config, 'aws_instance'));
    for (const [id, instance] of instances) {
      const userData = instance.user_data as string;
      expect(userData.length).toBeLessThanOrEqual(16 * 1024); // EC2's limit
      if (id.startsWith('storage')) expect(userData).toContain('clickhouse-table-exporter.service');
      else expect(userData).toContain('zookeeper-exporter.service');
    }
  });
});

describe('the Prometheus Operator', () => {
  test('off by default: no monitoring release, no NetworkPolicy', () => {
    expect(Object.keys(resources(stacks.plain.config, 'helm_release')).filter((k) => k.includes('monitoring'))).toEqual([]);
    expect(resources(stacks.plain.config, 'kubernetes_network_policy_v1')).toEqual({});
  });

  test('a release of the packaged monitoring chart with PodMonitors, a ScrapeConfig of the hosts and the PrometheusRule', () => {
    const [release] = Object.values(resources(stacks.operator.config, 'helm_release')).filter((r) => String(r.name).endsWith('-monitoring'));
    expect(release.namespace).toBe('observability');
    expect(String(release.chart)).toMatch(/assets\/MonitoringChart/);
    const objects = (parse((release.values as string[])[0]) as { objects: { kind: string; metadata: { labels: Record<string, string> }; spec: Record<string, unknown> }[] }).objects;
    expect(objects.map((o) => o.kind).sort()).toEqual(['PodMonitor', 'PodMonitor', 'PrometheusRule', 'ScrapeConfig']);
    for (const o of objects) expect(o.metadata.labels.release).toBe('prom');
    const scrape = objects.find((o) => o.kind === 'ScrapeConfig')!.spec as { staticConfigs: { targets: string[]; labels: Record<string, string> }[] };
    const targets = scrape.staticConfigs.flatMap((c) => c.targets);
    expect(targets).toContain('ch-data-s01-r1.test.clickhouse.internal:9363');
    expect(targets).toContain('ch-data-s02-r3.test.clickhouse.internal:9364');
    expect(targets).toContain('zk-3.test.clickhouse.internal:7000');
    expect(scrape.staticConfigs.find((c) => c.targets[0].startsWith('ch-data-s02-r1'))!.labels).toMatchObject({ tier: 'data', shard: 's02', host: 'ch-data-s02-r1' });
    const ingestion = objects.find((o) => o.kind === 'PodMonitor' && JSON.stringify(o.spec).includes('clickhouse.altinity.com/chi'))!;
    expect(JSON.stringify(ingestion.spec)).toContain('"port":"metrics"');
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!.spec as { groups: { name: string }[] };
    expect(rule.groups.map((g) => g.name)).toContain('test-stream-events');
  });

  test('a NetworkPolicy per tier admits the metrics port from the monitoring namespace only', () => {
    const policies = Object.values(resources(stacks.operator.config, 'kubernetes_network_policy_v1')) as { spec: { ingress: { from: { namespace_selector: { match_labels?: Record<string, string> } }[]; ports: { port: string }[] }[] } }[];
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      const rules = p.spec.ingress;
      const metrics = rules.find((r) => r.ports.some((port) => port.port === '9363'))!;
      expect(metrics.ports).toEqual([{ port: '9363', protocol: 'TCP' }]);
      expect(metrics.from[0].namespace_selector.match_labels).toEqual({ 'kubernetes.io/metadata.name': 'observability' });
      expect(rules.filter((r) => r !== metrics).flatMap((r) => r.ports.map((port) => port.port))).not.toContain('9363');
    }
  });
});

describe('CloudWatch alarms', () => {
  const alarms = (s: SynthesizedStack): Record<string, Record<string, unknown>> => resources(s.config, 'aws_cloudwatch_metric_alarm');

  test('EC2 status checks on every storage and ZooKeeper host, MSK broker disk and per-leg consumer lag', () => {
    const all = Object.values(alarms(stacks.scraped));
    const byMetric = (m: string): Record<string, unknown>[] => all.filter((a) => a.metric_name === m);
    expect(byMetric('StatusCheckFailed')).toHaveLength(6 + 3);
    expect(byMetric('KafkaDataLogsDiskUsed').map((a) => (a.dimensions as Record<string, string>)['Broker ID']).sort()).toEqual(['1', '2', '3']);
    const lag = byMetric('SumOffsetLag');
    expect(lag).toHaveLength(1);
    expect(lag[0].dimensions).toEqual({ 'Cluster Name': 'test-msk-cluster', 'Consumer Group': 'clickhouse_groups', Topic: 'clickhouse_groups' });
    expect(lag[0].threshold).toBe(5000 * 16); // the override × the topic's partitions
    expect(byMetric('EstimatedMaxTimeLag')).toHaveLength(1);
    // Every volume is gp3: no burst bucket, so no BurstBalance alarm.
    expect(byMetric('BurstBalance')).toEqual([]);
    for (const a of all) {
      expect(a.alarm_actions).toEqual([TOPIC]);
      expect(a.ok_actions).toEqual([TOPIC]);
    }
  });

  test('burst balance applies to gp2, st1 and sc1 (and an untyped volume, gp2 by default), not to gp3 or io2', () => {
    expect(['gp2', 'st1', 'sc1', undefined, 'gp3', 'io2'].map(ebsVolumeBursts)).toEqual([true, true, true, true, false, false]);
  });

  test('without a topic the alarms exist without actions', () => {
    const all = Object.values(alarms(stacks.plain));
    expect(all.length).toBeGreaterThan(0);
    for (const a of all) expect(a.alarm_actions).toBeUndefined();
  });

  const terraform = existsSync('/opt/tf-plugins') && (() => { try { execFileSync('terraform', ['version']); return true; } catch { return false; } })();
  if (!terraform) console.warn('SKIPPED terraform validate of the alarms: terraform or the /opt/tf-plugins mirror is missing');
  (terraform ? test : test.skip)('pass terraform validate (aws provider from the offline mirror; references replaced by literals)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alarms-validate-'));
    try {
      // Only the alarms are validated here: their references to instances, volumes and MSK become literals.
      const literal = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/\$\{[^}]*\}/g, 'i-0123456789abcdef0')
        : Array.isArray(v) ? v.map(literal) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)])) : v);
      const config = {
        terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '>= 5.0' } } },
        provider: { aws: [{ region: 'us-east-1' }] },
        resource: { aws_cloudwatch_metric_alarm: literal(alarms(stacks.scraped)) },
      };
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config));
      execFileSync('terraform', ['init', '-backend=false', '-plugin-dir', '/opt/tf-plugins', '-input=false', '-no-color'], { cwd: dir, stdio: 'pipe' });
      const out = execFileSync('terraform', ['validate', '-no-color'], { cwd: dir, encoding: 'utf8' });
      expect(out).toMatch(/Success/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('bad observability input', () => {
  test('one error lists every problem, before anything is built', () => {
    const spec = withObservability({
      scraperSecurityGroupIds: ['sg-nope'],
      alarmTopicArn: 'arn:aws:sqs:us-east-1:123:q',
      prometheusOperator: { namespace: 'Monitoring', scrapeInterval: '30 seconds' },
      thresholds: { diskFreeRatio: 2, noProgressMinutes: 1, lagMesagesPerPartition: 1 } as never,
    });
    let error: TopologyValidationError | undefined;
    try {
      synthStacks({ bad: spec });
    } catch (e) {
      error = e as TopologyValidationError;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    expect(error!.problems.map((p) => p.field).sort()).toEqual([
      'observability.alarmTopicArn',
      'observability.prometheusOperator.namespace',
      'observability.prometheusOperator.scrapeInterval',
      'observability.scraperSecurityGroupIds[0]',
      'observability.thresholds.diskFreeRatio',
      'observability.thresholds.lagMesagesPerPartition',
      'observability.thresholds.noProgressMinutes',
    ]);
  });

  test('a ZooKeeper whitelist without mntr is refused (the exporter reads it)', () => {
    const spec = { ...smallRegion(), zooKeeperOptions: { zooCfg: { fourLetterWords: ['ruok', 'srvr'] } } };
    expect(() => synthStacks({ nomntr: spec })).toThrow(/zooKeeperOptions\.zooCfg\.fourLetterWords.*includes mntr/);
  });
});
