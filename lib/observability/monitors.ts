/**
 * Prometheus Operator objects (monitoring.coreos.com) that make an in-cluster Prometheus collect
 * a region: a PodMonitor for the ingestion pods, one for the WarpStream agents, a ScrapeConfig for
 * the EC2 hosts (storage 9363 and 9364, ZooKeeper 7000, by their Route 53 names) and the
 * PrometheusRule with the region's alerts. Plain objects, delivered as Helm values of the
 * package's `monitoring` chart (a kubernetes_manifest would need the CRDs at plan time). Pure.
 */
import { CLICKHOUSE_METRICS_PATH, CLICKHOUSE_METRICS_PORT } from '../clickhouse/prometheus';
import { STORAGE_GROUP_NAME } from '../clickhouse/node-groups';
import { CHI_LABEL } from '../kubernetes/chi';
import { Topology } from '../model';
import { CLICKHOUSE_TABLE_EXPORTER_PORT, ZOOKEEPER_EXPORTER_PORT } from './exporter';
import { RuleFile } from './rule-file';

/** Name of the ClickHouse container port the PodMonitor scrapes. */
export const METRICS_PORT_NAME = 'metrics';
/** The WarpStream agents' HTTP port, which serves /metrics. */
export const WARPSTREAM_METRICS_PORT = 8080;

export interface MonitorInput {
  readonly topology: Topology;
  /** Namespace of the monitoring objects (where the operator's Prometheus looks). */
  readonly namespace: string;
  /** Labels the Prometheus selects its PodMonitors, ScrapeConfigs and PrometheusRules by. */
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapeInterval: string;
  /** The ingestion installations and their namespaces. */
  readonly installations: readonly { readonly name: string; readonly namespace: string }[];
  /** WarpStream agent releases and their namespaces. */
  readonly warpStreamAgents: readonly { readonly releaseName: string; readonly namespace: string }[];
  readonly rules: RuleFile;
}

const API = 'monitoring.coreos.com/v1';

export function monitoringObjects(input: MonitorInput): Record<string, unknown>[] {
  const { topology, namespace, scrapeInterval } = input;
  const meta = (name: string): Record<string, unknown> => ({ name, namespace, labels: { ...input.labels, 'app.kubernetes.io/part-of': 'clickhouse-ingest' } });
  const region = topology.name;
  const objects: Record<string, unknown>[] = [];
  if (input.installations.length > 0) {
    const chiLabel = `__meta_kubernetes_pod_label_${CHI_LABEL.replace(/[^A-Za-z0-9]/g, '_')}`;
    objects.push({
      apiVersion: API, kind: 'PodMonitor', metadata: meta(`clickhouse-ingest-${region}-ingestion`),
      spec: {
        namespaceSelector: { matchNames: [...new Set(input.installations.map((i) => i.namespace))].sort() },
        selector: { matchExpressions: [{ key: CHI_LABEL, operator: 'In', values: input.installations.map((i) => i.name) }] },
        podMetricsEndpoints: [{
          port: METRICS_PORT_NAME, path: CLICKHOUSE_METRICS_PATH, interval: scrapeInterval,
          relabelings: [
            { sourceLabels: [chiLabel], targetLabel: 'tier' },
            { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'host' },
            { targetLabel: 'region', replacement: region },
          ],
        }],
      },
    });
  }
  for (const agents of input.warpStreamAgents) {
    objects.push({
      apiVersion: API, kind: 'PodMonitor', metadata: meta(`clickhouse-ingest-${region}-${agents.releaseName}`),
      spec: {
        namespaceSelector: { matchNames: [agents.namespace] },
        selector: { matchLabels: { 'app.kubernetes.io/name': 'warpstream-agent', 'app.kubernetes.io/instance': agents.releaseName } },
        podMetricsEndpoints: [{
          targetPort: WARPSTREAM_METRICS_PORT, path: '/metrics', interval: scrapeInterval,
          relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'host' }, { targetLabel: 'region', replacement: region }],
        }],
      },
    });
  }
  const hostTargets = (port: number): Record<string, unknown>[] => topology.storage.hosts.map((h) => ({
    targets: [`${h.fqdn}:${port}`],
    labels: { tier: STORAGE_GROUP_NAME, host: h.name, shard: `s${String(h.shard).padStart(2, '0')}`, replica: String(h.replica), region },
  }));
  objects.push({
    apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', metadata: meta(`clickhouse-ingest-${region}-hosts`),
    spec: {
      jobName: `clickhouse-ingest-${region}-hosts`,
      scrapeInterval,
      metricsPath: '/metrics',
      staticConfigs: [
        ...hostTargets(CLICKHOUSE_METRICS_PORT),
        ...hostTargets(CLICKHOUSE_TABLE_EXPORTER_PORT),
        ...topology.zookeeper.map((n) => ({ targets: [`${n.fqdn}:${ZOOKEEPER_EXPORTER_PORT}`], labels: { host: n.name, region } })),
      ],
    },
  });
  objects.push({ apiVersion: API, kind: 'PrometheusRule', metadata: meta(`clickhouse-ingest-${region}`), spec: input.rules });
  return objects;
}

/**
 * The same collection as a plain Prometheus config (for a Prometheus or an agent outside the
 * operator, e.g. one that remote-writes to Amazon Managed Service for Prometheus): the pods by
 * Kubernetes service discovery, the hosts by their names, with the labels the rules read.
 */
export function prometheusConfig(input: Omit<MonitorInput, 'namespace' | 'labels' | 'rules'> & { readonly ruleFile: string }): Record<string, unknown> {
  const { topology, scrapeInterval } = input;
  const region = topology.name;
  const chiLabel = `__meta_kubernetes_pod_label_${CHI_LABEL.replace(/[^A-Za-z0-9]/g, '_')}`;
  const common = [
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'host' },
    { target_label: 'region', replacement: region },
  ];
  const jobs: Record<string, unknown>[] = [];
  if (input.installations.length > 0) {
    jobs.push({
      job_name: `clickhouse-ingest-${region}-ingestion`,
      kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [...new Set(input.installations.map((i) => i.namespace))].sort() } }],
      relabel_configs: [
        { source_labels: [chiLabel], regex: input.installations.map((i) => i.name).join('|'), action: 'keep' },
        { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: METRICS_PORT_NAME, action: 'keep' },
        { source_labels: [chiLabel], target_label: 'tier' },
        ...common,
      ],
    });
  }
  for (const agents of input.warpStreamAgents) {
    jobs.push({
      job_name: `clickhouse-ingest-${region}-${agents.releaseName}`,
      kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [agents.namespace] } }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], regex: agents.releaseName, action: 'keep' },
        { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(WARPSTREAM_METRICS_PORT), action: 'keep' },
        ...common,
      ],
    });
  }
  const scrape = monitoringObjects({ ...input, namespace: 'unused', labels: {}, rules: { groups: [] } })
    .find((o) => o.kind === 'ScrapeConfig')!.spec as { staticConfigs: unknown[] };
  jobs.push({ job_name: `clickhouse-ingest-${region}-hosts`, static_configs: scrape.staticConfigs });
  return { global: { scrape_interval: scrapeInterval, evaluation_interval: '1m' }, rule_files: [input.ruleFile], scrape_configs: jobs };
}
