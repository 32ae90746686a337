import * as fs from 'fs';
import * as path from 'path';
import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { LiteralText } from './literal-text';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Release } from '@cdktf/provider-helm/lib/release';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { CLICKHOUSE_METRICS_PORT } from '../clickhouse/prometheus';
import { KafkaBackend, MskBackend, WarpStreamBackend } from './kafka-backend';
import { toHelmValuesYaml } from '../kubernetes/yaml';
import { KafkaBackendKind } from '../model/spec';
import type { Topology } from '../model/topology';
import { Problems } from '../model/validation';
import { AlertDefinition, legId, regionAlerts } from '../observability/alerts';
import { renderDashboard } from '../observability/dashboard';
import { CLICKHOUSE_TABLE_EXPORTER_PORT, ZOOKEEPER_EXPORTER_PORT } from '../observability/exporter';
import { tableExporterFiles, zooKeeperExporterFiles } from '../observability/host-files';
import { monitoringObjects, prometheusConfig } from '../observability/monitors';
import { renderRuleFile, renderRuleTests, ruleFile } from '../observability/rule-file';
import { AlertThresholds, resolveAlertThresholds, ResolvedAlertThresholds } from '../observability/thresholds';
import type { RenderedFile } from '../render/file';
import { StatelessIngestionTier } from './stateless-ingestion-tier';
import { StorageCluster } from './storage-cluster';
import { ZooKeeper } from './zookeeper';
import { ResolvedZooCfgOptions } from '../zookeeper/zoo-cfg';

/** The Prometheus Operator already running in the EKS cluster (kube-prometheus-stack or similar). */
export interface PrometheusOperatorOptions {
  /**
   * Namespace of the operator's Prometheus, where the PodMonitors, ScrapeConfig and PrometheusRule go.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Labels the Prometheus selects those objects by (kube-prometheus-stack: `release: <its release name>`).
   * @default { release: 'kube-prometheus-stack' }
   */
  readonly resourceLabels?: Readonly<Record<string, string>>;
  /**
   * Scrape interval of every target.
   * @default '30s'
   */
  readonly scrapeInterval?: string;
  /**
   * A NetworkPolicy per ingestion tier admitting the metrics port only from `namespace` (and the
   * ClickHouse ports from pods of the cluster). Needs network policy enforcement (VPC CNI's, Calico...).
   * @default true
   */
  readonly networkPolicy?: boolean;
}

/**
 * How a region is watched: its metrics ports, who may scrape them, alert thresholds, and the AWS
 * alarms. The Prometheus endpoint, the host exporters, the rule file and the dashboard are always rendered.
 */
export interface ObservabilitySpec {
  /**
   * Security groups of whatever scrapes the EC2 hosts (ports 9363 and 9364 on storage hosts, 7000 on ZooKeeper). Nothing else reaches them.
   * @default - the EKS cluster security group when `prometheusOperator` is set (its Prometheus scrapes the hosts); otherwise none, and the ports stay closed
   */
  readonly scraperSecurityGroupIds?: readonly string[];
  /**
   * Collect the region with the Prometheus Operator in the EKS cluster. Off by default: it needs the operator's CRDs, which the user brings.
   * `true` takes the defaults.
   * @default - no monitoring objects
   */
  readonly prometheusOperator?: boolean | PrometheusOperatorOptions;
  /**
   * SNS topic that the CloudWatch alarms notify (alarm and OK).
   * @default - alarms without actions (visible in the console only)
   */
  readonly alarmTopicArn?: string;
  /**
   * Create the CloudWatch alarms (MSK disk and consumer lag, EC2 status checks, EBS burst balance).
   * @default true
   */
  readonly cloudWatchAlarms?: boolean;
  /** @default the model-derived thresholds (AlertThresholds docs) */
  readonly thresholds?: AlertThresholds;
}

export interface ObservabilityProps {
  readonly topology: Topology;
  readonly spec?: ObservabilitySpec;
  readonly storageCluster: StorageCluster;
  readonly zooKeeper: ZooKeeper;
  /** The zoo.cfg settings the ensemble runs with (snapshot retention and tick time set thresholds). */
  readonly zooCfg: ResolvedZooCfgOptions;
  readonly kafkaBackends: Readonly<Record<string, KafkaBackend>>;
  readonly ingestionTiers: Readonly<Record<string, StatelessIngestionTier>>;
  /** The EKS cluster security group (the default scraper when the operator is used). */
  readonly eksSecurityGroupId: string;
}

const SG_ID = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** MSK broker data-log disk use (percent) that alarms; storage autoscaling targets 60 % by default. */
const MSK_DISK_PERCENT = 85;
/** EBS types with a burst bucket. */
const BURSTING_VOLUME_TYPES = ['gp2', 'st1', 'sc1'];

/**
 * Validates an ObservabilitySpec, thresholds included (against the ZooKeeper settings they derive
 * from); problems under `observability.*`.
 */
export function checkObservabilitySpec(spec: ObservabilitySpec | undefined, problems: Problems,
  zooCfg: Pick<ResolvedZooCfgOptions, 'snapRetainCount' | 'tickTime'> = { snapRetainCount: 3, tickTime: 2000 }): void {
  if (spec === undefined) return;
  const f = 'observability';
  if (spec.thresholds !== undefined) resolveAlertThresholds(zooCfg, spec.thresholds, problems, `${f}.thresholds`);
  (spec.scraperSecurityGroupIds ?? []).forEach((sg, i) => problems.check(typeof sg === 'string' && (SG_ID.test(sg) || sg.includes('${')),
    `${f}.scraperSecurityGroupIds[${i}]`, sg, 'a security group id such as sg-0123456789abcdef0'));
  if (spec.alarmTopicArn !== undefined) {
    problems.check(typeof spec.alarmTopicArn === 'string' && (SNS_ARN.test(spec.alarmTopicArn) || spec.alarmTopicArn.includes('${')),
      `${f}.alarmTopicArn`, spec.alarmTopicArn, 'an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:clickhouse-alerts');
  }
  if (spec.cloudWatchAlarms !== undefined) problems.check(typeof spec.cloudWatchAlarms === 'boolean', `${f}.cloudWatchAlarms`, spec.cloudWatchAlarms, 'true or false');
  const op = spec.prometheusOperator;
  if (op !== undefined && typeof op !== 'boolean') {
    if (op.namespace !== undefined) problems.check(DNS_LABEL.test(op.namespace), `${f}.prometheusOperator.namespace`, op.namespace, 'a Kubernetes namespace name');
    for (const [k, v] of Object.entries(op.resourceLabels ?? {})) {
      problems.check(LABEL_KEY.test(k) && typeof v === 'string' && LABEL_VALUE.test(v), `${f}.prometheusOperator.resourceLabels.${k}`, v, 'a Kubernetes label');
    }
    if (op.scrapeInterval !== undefined) {
      problems.check(/^[1-9][0-9]*(s|m)$/.test(op.scrapeInterval), `${f}.prometheusOperator.scrapeInterval`, op.scrapeInterval, 'a duration such as 30s or 1m');
    }
  } else if (op !== undefined) {
    problems.check(typeof op === 'boolean', `${f}.prometheusOperator`, op, 'true, false or PrometheusOperatorOptions');
  }
}

/** Thresholds of a region: the model's, with the spec's overrides; throws on bad overrides. */
export function regionThresholds(zooCfg: Pick<ResolvedZooCfgOptions, 'snapRetainCount' | 'tickTime'>, spec: ObservabilitySpec | undefined): ResolvedAlertThresholds {
  const problems = new Problems();
  const t = resolveAlertThresholds(zooCfg, spec?.thresholds, problems, 'observability.thresholds');
  problems.throwIfAny();
  return t;
}

/** The Kubernetes workloads a region's Prometheus scrapes. */
export interface ScrapeTargets {
  readonly installations: readonly { readonly name: string; readonly namespace: string }[];
  readonly warpStreamAgents: readonly { readonly releaseName: string; readonly namespace: string }[];
}

/** Paths of the observability artifacts. */
export const OBSERVABILITY_DIR = 'observability';
export const RULE_FILE = 'alerts.rules.yaml';

/**
 * The artifacts: the rule file, its promtool tests, the Grafana dashboard, and the host exporters
 * with their units (what user data installs, for hosts created before it did). Pure.
 */
export function renderObservabilityArtifacts(topology: Topology, alerts: readonly AlertDefinition[], zooCfg?: ResolvedZooCfgOptions,
  targets: ScrapeTargets = { installations: [], warpStreamAgents: [] }): RenderedFile[] {
  const hostFile = (kind: string, f: { path: string; content: string }): RenderedFile => ({ path: `${OBSERVABILITY_DIR}/hosts/${kind}${f.path}`, content: f.content });
  return [
    { path: `${OBSERVABILITY_DIR}/${RULE_FILE}`, content: renderRuleFile(alerts) },
    { path: `${OBSERVABILITY_DIR}/alerts.test.yaml`, content: renderRuleTests(alerts, RULE_FILE) },
    { path: `${OBSERVABILITY_DIR}/dashboard.json`, content: JSON.stringify(renderDashboard(topology), null, 2) + '\n' },
    { path: `${OBSERVABILITY_DIR}/prometheus.yaml`, content: stringify(prometheusConfig({ topology, scrapeInterval: '30s', ...targets, ruleFile: RULE_FILE }), { lineWidth: 0, aliasDuplicateObjects: false, directives: false }) },
    ...tableExporterFiles(topology.database).map((f) => hostFile('storage', f)),
    ...(zooCfg !== undefined ? zooKeeperExporterFiles({ clientPort: zooCfg.clientPort, dataDir: zooCfg.dataDir, dataLogDir: zooCfg.dataLogDir }) : [])
      .map((f) => hostFile('zookeeper', f)),
  ];
}

/**
 * A region's collection and alarms: security-group rules that admit only the scraper to the
 * metrics ports; with the Prometheus Operator, its monitoring objects (a Helm release of the
 * package's `monitoring` chart) and a NetworkPolicy per tier; CloudWatch alarms for MSK, EC2 and EBS.
 */
export class Observability extends Construct {
  public readonly thresholds: ResolvedAlertThresholds;
  public readonly alerts: readonly AlertDefinition[];
  /** The monitoring objects' Helm release, when the operator is used. */
  public readonly release?: Release;
  public readonly alarms: readonly CloudwatchMetricAlarm[];
  private readonly topology: Topology;
  private readonly zooCfg: ResolvedZooCfgOptions;
  private readonly targets: ScrapeTargets;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    // Rules and dashboards reach the chart literally: escaped once, by the stack's LiteralText aspect.
    LiteralText.applyTo(TerraformStack.of(this));
    const spec = props.spec ?? {};
    const problems = new Problems();
    checkObservabilitySpec(spec, problems);
    problems.check(props.zooCfg.fourLetterWords.includes('mntr'), 'zooKeeperOptions.zooCfg.fourLetterWords', props.zooCfg.fourLetterWords,
      'a whitelist that includes mntr: the ZooKeeper exporter reads it');
    problems.throwIfAny();
    const topology = props.topology;
    this.topology = topology;
    this.zooCfg = props.zooCfg;
    this.thresholds = regionThresholds(props.zooCfg, spec);
    this.alerts = regionAlerts({ topology, thresholds: this.thresholds, purgeIntervalHours: props.zooCfg.purgeIntervalHours });

    this.targets = {
      installations: Object.values(props.ingestionTiers).map((t) => ({ name: t.installationName, namespace: t.installation.metadata.namespace! })),
      warpStreamAgents: Object.values(props.kafkaBackends).filter((b): b is WarpStreamBackend => b instanceof WarpStreamBackend)
        .map((a) => ({ releaseName: a.releaseName, namespace: a.namespace })),
    };
    const operator = spec.prometheusOperator === true ? {} : spec.prometheusOperator === false ? undefined : spec.prometheusOperator;
    const scrapers = spec.scraperSecurityGroupIds ?? (operator !== undefined ? [props.eksSecurityGroupId] : []);
    const ingress = (target: string, sgId: string, port: number, what: string): void => scrapers.forEach((source, i) => new VpcSecurityGroupIngressRule(this, `${target}-${port}-scraper-${i}`, {
      securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: source, description: `${what} from the metrics scraper`,
    }));
    ingress('storage', props.storageCluster.securityGroup.id, CLICKHOUSE_METRICS_PORT, 'ClickHouse Prometheus endpoint');
    ingress('storage', props.storageCluster.securityGroup.id, CLICKHOUSE_TABLE_EXPORTER_PORT, 'dead-letter exporter');
    ingress('zookeeper', props.zooKeeper.securityGroup.id, ZOOKEEPER_EXPORTER_PORT, 'ZooKeeper exporter');

    if (operator !== undefined) {
      const namespace = operator.namespace ?? 'monitoring';
      const tiers = Object.values(props.ingestionTiers);
      const objects = monitoringObjects({
        topology, namespace,
        labels: { ...(operator.resourceLabels ?? { release: 'kube-prometheus-stack' }) },
        scrapeInterval: operator.scrapeInterval ?? '30s',
        ...this.targets,
        rules: ruleFile(this.alerts),
      });
      this.release = new Release(this, 'monitoring', {
        name: `clickhouse-ingest-${topology.name}-monitoring`.slice(0, 53),
        namespace,
        chart: monitoringChart(this).path,
        values: [toHelmValuesYaml({ objects })],
        maxHistory: 10,
      });
      if (operator.networkPolicy ?? true) {
        for (const tier of tiers) {
          new NetworkPolicyV1(this, `metrics-policy-${tier.tier.role.value}`, {
            metadata: { name: `${tier.installationName}-metrics`, namespace: tier.installation.metadata.namespace! },
            spec: {
              podSelector: { matchLabels: { 'clickhouse.altinity.com/chi': tier.installationName } },
              policyTypes: ['Ingress'],
              ingress: [
                // ClickHouse's own ports stay open to the cluster's pods (the operator, clients, peers).
                { from: [{ namespaceSelector: {} }], ports: [8123, 9000, 9009].map((port) => ({ port: String(port), protocol: 'TCP' })) },
                {
                  from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }],
                  ports: [{ port: String(CLICKHOUSE_METRICS_PORT), protocol: 'TCP' }],
                },
              ],
            },
            dependsOn: [tier.release],
          });
        }
      }
    }

    const alarms: CloudwatchMetricAlarm[] = [];
    if (spec.cloudWatchAlarms ?? true) {
      const actions = spec.alarmTopicArn !== undefined ? { alarmActions: [spec.alarmTopicArn], okActions: [spec.alarmTopicArn] } : {};
      const alarm = (alarmId: string, p: Omit<ConstructorParameters<typeof CloudwatchMetricAlarm>[2], 'alarmName'> & { alarmName: string }): void => {
        alarms.push(new CloudwatchMetricAlarm(this, alarmId, { ...actions, treatMissingData: 'notBreaching', ...p }));
      };
      const prefix = `clickhouse-ingest-${topology.name}`;
      for (const [name, backend] of Object.entries(props.kafkaBackends).sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (!(backend instanceof MskBackend)) continue;
        const brokers = backend.cluster.numberOfBrokerNodesInput ?? 0;
        for (let broker = 1; broker <= brokers; broker++) {
          alarm(`msk-${name}-broker-${broker}-disk`, {
            alarmName: `${prefix}-msk-${name}-broker-${broker}-disk`,
            alarmDescription: `MSK ${backend.clusterName} broker ${broker}: data-log disk above ${MSK_DISK_PERCENT}% (runbooks/grow-a-disk.md)`,
            namespace: 'AWS/Kafka', metricName: 'KafkaDataLogsDiskUsed', statistic: 'Maximum', period: 300, evaluationPeriods: 2,
            threshold: MSK_DISK_PERCENT, comparisonOperator: 'GreaterThanThreshold',
            dimensions: { 'Cluster Name': backend.clusterName, 'Broker ID': String(broker) },
          });
        }
        for (const stream of topology.streams) {
          for (const leg of stream.legs.filter((l) => l.backend.name === name && l.backend.kind === KafkaBackendKind.MSK)) {
            const legName = `${stream.name}-${legId(stream, leg)}`;
            const dimensions = { 'Cluster Name': backend.clusterName, 'Consumer Group': leg.consumerGroup, Topic: leg.topic.name };
            alarm(`msk-lag-${legName}`, {
              alarmName: `${prefix}-lag-${legName}`,
              alarmDescription: `Stream ${stream.name}, leg ${legId(stream, leg)}: group ${leg.consumerGroup} lags topic ${leg.topic.name} (runbooks/replace-ingestion-pod.md)`,
              namespace: 'AWS/Kafka', metricName: 'SumOffsetLag', statistic: 'Maximum', period: 300, evaluationPeriods: 2,
              threshold: this.thresholds.lagMessagesPerPartition * leg.topic.partitions, comparisonOperator: 'GreaterThanThreshold', dimensions,
            });
            alarm(`msk-time-lag-${legName}`, {
              alarmName: `${prefix}-time-lag-${legName}`,
              alarmDescription: `Stream ${stream.name}, leg ${legId(stream, leg)}: group ${leg.consumerGroup} is more than ${this.thresholds.noProgressMinutes} min behind (no progress; runbooks/reset-consumer-offsets.md)`,
              namespace: 'AWS/Kafka', metricName: 'EstimatedMaxTimeLag', statistic: 'Maximum', period: 300, evaluationPeriods: 1,
              threshold: this.thresholds.noProgressMinutes * 60, comparisonOperator: 'GreaterThanThreshold', dimensions,
            });
          }
        }
      }
      const hosts = [
        ...props.storageCluster.hostResources.map((r) => ({ name: r.host.name, instance: r.instance, volume: r.dataVolume })),
        ...props.zooKeeper.nodes.map((r) => ({ name: r.node.name, instance: r.instance, volume: r.dataVolume })),
      ];
      for (const h of hosts) {
        alarm(`ec2-status-${h.name}`, {
          alarmName: `${prefix}-${h.name}-status-check`,
          alarmDescription: `${h.name}: EC2 system or instance status check failed`,
          namespace: 'AWS/EC2', metricName: 'StatusCheckFailed', statistic: 'Maximum', period: 60, evaluationPeriods: 2,
          threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold', dimensions: { InstanceId: h.instance.id },
        });
        if (bursts(h.volume)) {
          alarm(`ebs-burst-${h.name}`, {
            alarmName: `${prefix}-${h.name}-ebs-burst-balance`,
            alarmDescription: `${h.name}: data volume burst balance below 20%`,
            namespace: 'AWS/EBS', metricName: 'BurstBalance', statistic: 'Minimum', period: 300, evaluationPeriods: 3,
            threshold: 20, comparisonOperator: 'LessThanThreshold', dimensions: { VolumeId: h.volume.id },
          });
        }
      }
    }
    this.alarms = alarms;
  }

  /** The artifacts (rule file, promtool tests, dashboard). */
  public renderArtifacts(): RenderedFile[] {
    return renderObservabilityArtifacts(this.topology, this.alerts, this.zooCfg, this.targets);
  }
}

/** Whether an EBS volume type has a burst bucket (gp2, st1, sc1; gp3 and io* do not). AWS's default type is gp2. */
export function ebsVolumeBursts(type: string | undefined): boolean {
  return BURSTING_VOLUME_TYPES.includes(type ?? 'gp2');
}

function bursts(volume: EbsVolume): boolean {
  return ebsVolumeBursts(volume.typeInput);
}

function monitoringChart(scope: Construct): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const id = 'MonitoringChart';
  const existing = stack.node.tryFindChild(id) as TerraformAsset | undefined;
  if (existing !== undefined) return existing;
  return new TerraformAsset(stack, id, { path: monitoringChartDirectory(), type: AssetType.DIRECTORY });
}

/** `charts/monitoring` of the package, from `lib/constructs/` (sources) or `dist/lib/constructs/` (built). */
export function monitoringChartDirectory(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'charts', 'monitoring');
    if (fs.existsSync(path.join(candidate, 'Chart.yaml'))) return candidate;
  }
  throw new Error('charts/monitoring not found beside the package: reinstall cdktf-clickhouse-ingest');
}
