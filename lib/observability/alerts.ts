/**
 * The alert rules of a region, rendered from its model: per stream and leg (lag, no progress,
 * dead letters), per consuming tier (partitions held, consumers with an assignment, Kafka engine
 * errors, Distributed insert failures), per storage host and per ZooKeeper node. Each alert carries
 * the synthetic series it fires on and a healthy one it stays silent on, so `promtool test rules`
 * checks every rule from the same model. Pure: no cdktf.
 */
import { STORAGE_GROUP_NAME } from '../clickhouse/node-groups';
import { STORAGE_DISKS } from '../clickhouse/storage';
import { ingestionInstallationName, IngestionTier, KafkaBackendKind, Stream, StreamLeg, Topology } from '../model';
import { CH, DEAD_LETTER_ROWS, deadLetterTable, diskAvailableMetric, diskTotalMetric, KAFKA_LAG, ZK } from './metrics';
import { ResolvedAlertThresholds } from './thresholds';

export enum AlertSeverity {
  CRITICAL = 'critical',
  WARNING = 'warning',
}

/** One Prometheus alerting rule, as in a rule file. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** An input series of `promtool test rules`: a series selector and its values in promtool's expanding notation. */
export interface SyntheticSeries {
  readonly series: string;
  readonly values: string;
}

/** A rule with the cases that test it. */
export interface AlertDefinition {
  /** Rule group: `<region>-stream-<name>`, `<region>-tiers`, `<region>-storage`, `<region>-zookeeper`. */
  readonly group: string;
  /** The family in docs/observability.md, e.g. `IngestLagHigh`. */
  readonly family: AlertFamily;
  readonly rule: AlertRule;
  /** Series on which the alert fires at `evalMinutes`, and the labels it fires with (besides alertname). */
  readonly firing: { readonly series: readonly SyntheticSeries[]; readonly labels: Readonly<Record<string, string>> };
  /** Healthy series on which it stays silent. */
  readonly silent: { readonly series: readonly SyntheticSeries[] };
  /** When promtool evaluates (series are one sample a minute from 0). */
  readonly evalMinutes: number;
}

/** What an alert means and which generated runbook answers it (docs/observability.md lists them). */
export interface AlertFamily {
  readonly name: string;
  readonly severity: AlertSeverity;
  readonly meaning: string;
  /** `runbooks/<file>.md` under the stack's artifacts, if one answers it. */
  readonly runbook?: string;
}

const RB = {
  resetOffsets: 'runbooks/reset-consumer-offsets.md',
  replacePod: 'runbooks/replace-ingestion-pod.md',
  migrateBackend: 'runbooks/migrate-kafka-backend.md',
  backupRestore: 'runbooks/backup-and-restore.md',
  growDisk: 'runbooks/grow-a-disk.md',
  zooKeeperRetention: 'runbooks/zookeeper-snapshot-retention.md',
} as const;

const family = (name: string, severity: AlertSeverity, meaning: string, runbook?: string): AlertFamily => ({ name, severity, meaning, runbook });

/** Every alert family, in the order of docs/observability.md. */
export const ALERT_FAMILIES = {
  lag: family('IngestLagHigh', AlertSeverity.WARNING,
    "A stream leg's consumer group is behind its topic by more than the threshold (messages per partition × partitions).", RB.replacePod),
  noProgress: family('IngestNoProgress', AlertSeverity.CRITICAL,
    'A stream leg has lag but its consumer group committed nothing for the threshold minutes: a poison message, a failing insert or stopped consumers.',
    RB.resetOffsets),
  deadLetters: family('DeadLetterRows', AlertSeverity.WARNING,
    "Rows arrived in a stream's dead-letter table: messages the Kafka engine could not parse.", RB.resetOffsets),
  partitions: family('TierPartitionsUnassigned', AlertSeverity.WARNING,
    "A tier's consumers hold fewer partitions than its legs' topics have: consumers are missing, or another cluster holds part of the group.",
    RB.backupRestore),
  fewerConsumers: family('TierConsumersFewer', AlertSeverity.WARNING,
    "Fewer of a tier's Kafka consumers hold a partition than the model expects (per leg, the smaller of its partitions and its consumers): pods are down or a rebalance is stuck.",
    RB.replacePod),
  noConsumers: family('TierConsumersNone', AlertSeverity.CRITICAL,
    "No consumer of a tier holds a partition: the group is held elsewhere (another cluster after a restore or a migration) or every consumer is down.",
    RB.migrateBackend),
  kafkaErrors: family('KafkaEngineExceptions', AlertSeverity.WARNING,
    "A tier's Kafka engine reports consumer errors or failed commits.", RB.replacePod),
  distributedFailures: family('DistributedInsertFailures', AlertSeverity.CRITICAL,
    "A tier's Distributed inserts fail to reach every replica of a shard: the tier keeps its offsets and stops.", RB.replacePod),
  readonly: family('ReplicaReadOnly', AlertSeverity.CRITICAL,
    'A storage replica is read-only (lost its ZooKeeper session or metadata): every tier writing to its shard stops.', RB.zooKeeperRetention),
  queue: family('ReplicationQueueHigh', AlertSeverity.WARNING, "A storage replica's replication queue is long: fetches or merges are behind."),
  delay: family('ReplicaDelayHigh', AlertSeverity.WARNING, 'A storage replica lags the newest part of its shard.'),
  parts: family('TooManyPartsPerPartition', AlertSeverity.WARNING,
    'A partition has many active parts: inserts are too small or merges are behind; ClickHouse delays and then rejects inserts.'),
  diskFree: family('StorageDiskFreeLow', AlertSeverity.WARNING, 'A storage volume (NVMe hot tier, EBS warm tier) is nearly full.', RB.growDisk),
  shardInserts: family('ShardInsertsStopped', AlertSeverity.CRITICAL,
    'Every server of a storage shard stopped inserting rows (the Distributed inserts of every tier, and its own system logs).', RB.replacePod),
  s3Errors: family('StorageS3Errors', AlertSeverity.WARNING, 'A storage host sees errors reading or writing the S3 cold tier.'),
  zkDown: family('ZooKeeperDown', AlertSeverity.CRITICAL, 'A ZooKeeper server does not answer mntr on its client port.', RB.zooKeeperRetention),
  zkLeader: family('ZooKeeperLeaderLost', AlertSeverity.CRITICAL, 'No ZooKeeper server is leader: the ensemble has no quorum, replicas go read-only.',
    RB.zooKeeperRetention),
  zkOutstanding: family('ZooKeeperOutstandingRequests', AlertSeverity.WARNING, 'A ZooKeeper server queues requests faster than it serves them.',
    RB.zooKeeperRetention),
  zkLatency: family('ZooKeeperLatencyHigh', AlertSeverity.WARNING, "A ZooKeeper server's average request latency is high.", RB.zooKeeperRetention),
  zkSnapshots: family('ZooKeeperSnapshotFilesHigh', AlertSeverity.WARNING,
    'Snapshot files pile up in dataDir: autopurge is not keeping up or is off (the seeds\' snapshot incident).', RB.zooKeeperRetention),
  zkDiskGrowth: family('ZooKeeperDiskFillingUp', AlertSeverity.WARNING, "A ZooKeeper dataDir will be full within the threshold hours at its current growth.",
    RB.zooKeeperRetention),
  zkDiskFree: family('ZooKeeperDiskFreeLow', AlertSeverity.CRITICAL, "A ZooKeeper dataDir volume is nearly full.", RB.growDisk),
} as const;

/** A series selector `name{a="b",...}` (values are names from the model: no quoting needed beyond escaping). */
export function seriesSelector(name: string, labels: Readonly<Record<string, string>> = {}): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return name;
  return `${name}{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** A regex matcher value that matches exactly these strings. */
function anyOf(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** Metric-name-safe part of an alert name. */
function part(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}

const flat = (v: number, n: number): string => `${v}x${n}`;
const ramp = (start: number, step: number, n: number): string => (step >= 0 ? `${start}+${step}x${n}` : `${start}${step}x${n}`);

export interface AlertRuleInput {
  readonly topology: Topology;
  readonly thresholds: ResolvedAlertThresholds;
  /** ZooKeeper's autopurge interval (hours), for how long snapshots may pile up before alerting. */
  readonly purgeIntervalHours: number;
}

/** Id of a leg in alert names: its backend, plus its suffix when two legs of a stream share a backend. */
export function legId(stream: Stream, leg: StreamLeg): string {
  const shared = stream.legs.filter((l) => l.backend.name === leg.backend.name).length > 1;
  return shared ? `${leg.backend.name}${leg.suffix}` : leg.backend.name;
}

/** Consuming tiers that share a consumer group, with the legs they consume between them. */
export interface ConsumerSet {
  readonly tiers: readonly IngestionTier[];
  readonly legs: readonly { readonly stream: Stream; readonly leg: StreamLeg }[];
}

/** Groups consuming tiers so that every leg's group lies in one set (usually one tier each). */
export function consumerSets(topology: Topology): ConsumerSet[] {
  const consuming = topology.ingestionTiers.filter((t) => t.consuming);
  const legs = topology.streams.flatMap((stream) => stream.legs.map((leg) => ({ stream, leg })));
  const parent = new Map<string, string>(consuming.map((t) => [t.role.value, t.role.value]));
  const find = (r: string): string => (parent.get(r) === r ? r : find(parent.get(r)!));
  for (const { leg } of legs) {
    const roles = leg.roles.map((r) => r.value).filter((r) => parent.has(r));
    for (const r of roles.slice(1)) parent.set(find(r), find(roles[0]));
  }
  const sets: ConsumerSet[] = [];
  for (const tier of consuming) {
    if (find(tier.role.value) !== tier.role.value) continue;
    const members = consuming.filter((t) => find(t.role.value) === tier.role.value);
    const roles = new Set(members.map((t) => t.role.value));
    const own = legs.filter(({ leg }) => leg.roles.some((r) => roles.has(r.value)));
    if (own.length > 0) sets.push({ tiers: members, legs: own });
  }
  return sets;
}

/** Every alert of the region, in rule-file order. */
export function regionAlerts(input: AlertRuleInput): AlertDefinition[] {
  const { topology, thresholds: t } = input;
  const region = topology.name;
  const alerts: AlertDefinition[] = [];
  const add = (group: string, fam: AlertFamily, alert: string, p: {
    expr: string; for: string; labels?: Record<string, string>; description: string;
    firing: { series: SyntheticSeries[]; labels?: Record<string, string> }; silent: SyntheticSeries[]; evalMinutes: number;
  }): void => {
    const labels = { severity: fam.severity, region, ...(p.labels ?? {}) };
    const annotations: Record<string, string> = {
      summary: `${fam.name} in region ${region}`,
      description: p.description,
      ...(fam.runbook !== undefined ? { runbook: fam.runbook } : {}),
    };
    alerts.push({
      group, family: fam, evalMinutes: p.evalMinutes,
      rule: { alert, expr: p.expr, for: p.for, labels, annotations },
      firing: { series: p.firing.series, labels: { ...(p.firing.labels ?? {}), ...labels } },
      silent: { series: p.silent },
    });
  };

  // Per stream and leg: lag, no progress; per stream: dead letters.
  const consumingRoles = new Set(topology.ingestionTiers.filter((x) => x.consuming).map((x) => x.role.value));
  for (const stream of topology.streams) {
    const group = `${region}-stream-${stream.name}`;
    for (const leg of stream.legs) {
      if (!leg.roles.some((r) => consumingRoles.has(r.value))) continue;
      const id = legId(stream, leg);
      const threshold = t.lagMessagesPerPartition * leg.topic.partitions;
      const legLabels = { stream: stream.name, leg: id, consumer_group: leg.consumerGroup, topic: leg.topic.name };
      const n = t.noProgressMinutes;
      if (leg.backend.kind === KafkaBackendKind.WARPSTREAM) {
        const m = KAFKA_LAG.warpstream;
        const match = { [m.group]: leg.consumerGroup, [m.topic]: leg.topic.name };
        const by = `${m.group}, ${m.topic}`;
        const lag = `max by (${by}, partition) (${seriesSelector(m.lag, match)})`;
        const committed = `max by (${by}, partition) (${seriesSelector(m.maxOffset, match)}) - ${lag}`;
        const s = (name: string, values: string): SyntheticSeries => ({ series: seriesSelector(name, { ...match, partition: '0' }), values });
        add(group, ALERT_FAMILIES.lag, `IngestLagHigh_${part(stream.name)}_${part(id)}`, {
          expr: `sum by (${by}) (${lag}) > ${threshold}`, for: '10m', labels: legLabels,
          description: `Consumer group ${leg.consumerGroup} of stream ${stream.name} (leg ${id}, WarpStream) is more than ${threshold} messages behind topic ${leg.topic.name}.`,
          firing: { series: [s(m.lag, flat(threshold + 1, 30))], labels: match }, silent: [s(m.lag, flat(0, 30))], evalMinutes: 25,
        });
        add(group, ALERT_FAMILIES.noProgress, `IngestNoProgress_${part(stream.name)}_${part(id)}`, {
          expr: `sum by (${by}) (${lag}) > 0 and sum by (${by}) (delta((${committed})[${n}m:1m])) <= 0`, for: '5m', labels: legLabels,
          description: `Consumer group ${leg.consumerGroup} of stream ${stream.name} (leg ${id}) has lag and committed nothing for ${n} minutes.`,
          firing: { series: [s(m.lag, flat(100, n + 20)), s(m.maxOffset, flat(1000, n + 20))], labels: match },
          silent: [s(m.lag, flat(100, n + 20)), s(m.maxOffset, ramp(1000, 10, n + 20))], evalMinutes: n + 15,
        });
      } else {
        const m = KAFKA_LAG.msk;
        const match = { [m.group]: leg.consumerGroup, [m.topic]: leg.topic.name };
        const by = `${m.group}, ${m.topic}`;
        // kafka_exporter reports -1 for a partition the group never committed: left out of the sum.
        const lag = `sum by (${by}) (${seriesSelector(m.lag, match)} >= 0)`;
        const s = (name: string, values: string): SyntheticSeries => ({ series: seriesSelector(name, { ...match, partition: '0' }), values });
        add(group, ALERT_FAMILIES.lag, `IngestLagHigh_${part(stream.name)}_${part(id)}`, {
          expr: `${lag} > ${threshold}`, for: '10m', labels: legLabels,
          description: `Consumer group ${leg.consumerGroup} of stream ${stream.name} (leg ${id}, MSK) is more than ${threshold} messages behind topic ${leg.topic.name}.`,
          firing: { series: [s(m.lag, flat(threshold + 1, 30))], labels: match }, silent: [s(m.lag, flat(0, 30))], evalMinutes: 25,
        });
        add(group, ALERT_FAMILIES.noProgress, `IngestNoProgress_${part(stream.name)}_${part(id)}`, {
          expr: `${lag} > 0 and sum by (${by}) (delta(${seriesSelector(m.currentOffset, match)}[${n}m])) <= 0`, for: '5m', labels: legLabels,
          description: `Consumer group ${leg.consumerGroup} of stream ${stream.name} (leg ${id}) has lag and committed nothing for ${n} minutes.`,
          firing: { series: [s(m.lag, flat(100, n + 20)), s(m.currentOffset, flat(1000, n + 20))], labels: match },
          silent: [s(m.lag, flat(100, n + 20)), s(m.currentOffset, ramp(1000, 10, n + 20))], evalMinutes: n + 15,
        });
      }
    }
    const table = deadLetterTable(stream.name);
    const dl = (values: string): SyntheticSeries => ({ series: seriesSelector(DEAD_LETTER_ROWS, { tier: STORAGE_GROUP_NAME, host: 'h1', table }), values });
    add(group, ALERT_FAMILIES.deadLetters, `DeadLetterRows_${part(stream.name)}`, {
      expr: `max by (table) (delta(${seriesSelector(DEAD_LETTER_ROWS, { table })}[15m])) > 0`, for: '0m', labels: { stream: stream.name },
      description: `Rows arrived in ${topology.database}.${table} in the last 15 minutes: messages of stream ${stream.name} that could not be parsed.`,
      firing: { series: [dl(ramp(0, 1, 30))], labels: { table } }, silent: [dl(flat(5, 30))], evalMinutes: 25,
    });
  }

  // Per consuming tier (or tiers sharing a group).
  const tiersGroup = `${region}-tiers`;
  for (const set of consumerSets(topology)) {
    const names = set.tiers.map((x) => ingestionInstallationName(x));
    const id = set.tiers.map((x) => part(x.role.value)).join('_');
    const tierMatch = names.length === 1 ? { tier: names[0] } : undefined;
    const sel = (metric: string): string => (tierMatch ? seriesSelector(metric, tierMatch) : `${metric}{tier=~${JSON.stringify(anyOf(names))}}`);
    const partitions = set.legs.reduce((sum, l) => sum + l.leg.topic.partitions, 0);
    const tierSeries = (metric: string, values: string): SyntheticSeries => ({ series: seriesSelector(metric, { tier: names[0], host: 'pod-0' }), values });
    const labels = { tier: names.join(',') };
    const legList = set.legs.map((l) => `${l.stream.name}/${legId(l.stream, l.leg)} (${l.leg.topic.name}, ${l.leg.topic.partitions})`).join(', ');
    add(tiersGroup, ALERT_FAMILIES.partitions, `TierPartitionsUnassigned_${id}`, {
      expr: `(sum(${sel(CH.kafkaAssignedPartitions)}) or on() vector(0)) < ${partitions}`, for: '15m', labels,
      description: `Consumers of ${names.join(', ')} hold fewer than the ${partitions} partitions of ${legList}.`,
      firing: { series: [tierSeries(CH.kafkaAssignedPartitions, flat(partitions - 1, 30))] },
      silent: [tierSeries(CH.kafkaAssignedPartitions, flat(partitions, 30))], evalMinutes: 25,
    });
    // Per leg, every consumer of its group holds a partition unless there are more consumers than partitions.
    const consumers = set.legs.reduce((sum, l) => sum + Math.min(l.leg.topic.partitions,
      set.tiers.reduce((n, x) => n + x.nodes * (l.leg.consumersPerNode[x.role.value] ?? 0), 0)), 0);
    add(tiersGroup, ALERT_FAMILIES.fewerConsumers, `TierConsumersFewer_${id}`, {
      expr: `(sum(${sel(CH.kafkaConsumersWithAssignment)}) or on() vector(0)) < ${consumers}`, for: '15m', labels,
      description: `Fewer than the ${consumers} expected Kafka consumers of ${names.join(', ')} hold a partition of ${legList}.`,
      firing: { series: [tierSeries(CH.kafkaConsumersWithAssignment, flat(consumers - 1, 30))] },
      silent: [tierSeries(CH.kafkaConsumersWithAssignment, flat(consumers, 30))], evalMinutes: 25,
    });
    add(tiersGroup, ALERT_FAMILIES.noConsumers, `TierConsumersNone_${id}`, {
      expr: `(sum(${sel(CH.kafkaConsumersWithAssignment)}) or on() vector(0)) == 0`, for: '10m', labels,
      description: `No Kafka consumer of ${names.join(', ')} holds a partition of ${legList}.`,
      firing: { series: [tierSeries(CH.kafkaConsumersWithAssignment, flat(0, 30))] },
      silent: [tierSeries(CH.kafkaConsumersWithAssignment, flat(1, 30))], evalMinutes: 25,
    });
    for (const tier of set.tiers) {
      const name = ingestionInstallationName(tier);
      const one = (metric: string): string => `(sum(increase(${seriesSelector(metric, { tier: name })}[10m])) or vector(0))`;
      const s = (metric: string, values: string): SyntheticSeries => ({ series: seriesSelector(metric, { tier: name, host: 'pod-0' }), values });
      add(tiersGroup, ALERT_FAMILIES.kafkaErrors, `KafkaEngineExceptions_${part(tier.role.value)}`, {
        expr: `${one(CH.kafkaConsumerErrors)} + ${one(CH.kafkaCommitFailures)} > 0`, for: '5m', labels: { tier: name },
        description: `The Kafka engine of ${name} reported consumer errors or failed commits in the last 10 minutes (system.kafka_consumers.exceptions names them).`,
        firing: { series: [s(CH.kafkaConsumerErrors, ramp(0, 1, 30)), s(CH.kafkaCommitFailures, flat(0, 30))] },
        silent: [s(CH.kafkaConsumerErrors, flat(3, 30)), s(CH.kafkaCommitFailures, flat(0, 30))], evalMinutes: 25,
      });
      add(tiersGroup, ALERT_FAMILIES.distributedFailures, `DistributedInsertFailures_${part(tier.role.value)}`, {
        expr: `${one(CH.distributedConnectionFailAtAll)} + ${one(CH.distributedSyncInsertionTimeoutExceeded)} > 0`, for: '5m', labels: { tier: name },
        description: `Distributed inserts of ${name} failed to reach every replica of a shard in the last 10 minutes.`,
        firing: { series: [s(CH.distributedConnectionFailAtAll, ramp(0, 1, 30)), s(CH.distributedSyncInsertionTimeoutExceeded, flat(0, 30))] },
        silent: [s(CH.distributedConnectionFailAtAll, flat(2, 30)), s(CH.distributedSyncInsertionTimeoutExceeded, flat(0, 30))], evalMinutes: 25,
      });
    }
  }

  // Storage hosts.
  const storage = `${region}-storage`;
  const data = { tier: STORAGE_GROUP_NAME };
  const host = topology.storage.hosts[0]?.name ?? 'host';
  const hs = (metric: string, values: string): SyntheticSeries => ({ series: seriesSelector(metric, { ...data, host }), values });
  const perHost = (fam: AlertFamily, alert: string, metric: string, op: string, threshold: number, forText: string, description: string,
    bad: number, good: number): void => add(storage, fam, alert, {
    expr: `max by (host) (${seriesSelector(metric, data)}) ${op} ${threshold}`, for: forText, description,
    firing: { series: [hs(metric, flat(bad, 30))], labels: { host } }, silent: [hs(metric, flat(good, 30))], evalMinutes: 25,
  });
  perHost(ALERT_FAMILIES.readonly, 'ReplicaReadOnly', CH.readonlyReplica, '>', 0, '5m',
    'A storage replica has read-only tables (system.replicas.is_readonly): inserts into its shard fail.', 1, 0);
  perHost(ALERT_FAMILIES.queue, 'ReplicationQueueHigh', CH.replicasMaxQueueSize, '>', t.replicationQueueSize, '15m',
    `A storage replica has more than ${t.replicationQueueSize} entries in a replication queue (system.replication_queue).`,
    t.replicationQueueSize + 1, 0);
  perHost(ALERT_FAMILIES.delay, 'ReplicaDelayHigh', CH.replicasMaxAbsoluteDelay, '>', t.replicaDelaySeconds, '10m',
    `A storage replica lags its shard by more than ${t.replicaDelaySeconds} s.`, t.replicaDelaySeconds + 1, 0);
  perHost(ALERT_FAMILIES.parts, 'TooManyPartsPerPartition', CH.maxPartCountForPartition, '>', t.partsPerPartition, '10m',
    `A partition on a storage host has more than ${t.partsPerPartition} active parts.`, t.partsPerPartition + 1, 10);
  for (const [volume, disk] of [['hot', STORAGE_DISKS.hot], ['warm', STORAGE_DISKS.warm]] as const) {
    const ratio = `${seriesSelector(diskAvailableMetric(disk), data)} / ${seriesSelector(diskTotalMetric(disk), data)}`;
    const total = 1000;
    add(storage, ALERT_FAMILIES.diskFree, `StorageDiskFreeLow_${disk}`, {
      expr: `min by (host) (${ratio}) < ${t.diskFreeRatio}`, for: '10m', labels: { volume, disk },
      description: `Less than ${Math.round(t.diskFreeRatio * 100)}% of disk ${disk} (volume ${volume}) is free on a storage host.`,
      firing: { series: [hs(diskAvailableMetric(disk), flat(Math.floor(total * t.diskFreeRatio) - 1, 30)), hs(diskTotalMetric(disk), flat(total, 30))], labels: { host } },
      silent: [hs(diskAvailableMetric(disk), flat(total / 2, 30)), hs(diskTotalMetric(disk), flat(total, 30))], evalMinutes: 25,
    });
  }
  if (topology.streams.length > 0) {
    const shard = 's01';
    const ins = (values: string): SyntheticSeries => ({ series: seriesSelector(CH.insertedRows, { ...data, host, shard }), values });
    add(storage, ALERT_FAMILIES.shardInserts, 'ShardInsertsStopped', {
      expr: `sum by (shard) (rate(${seriesSelector(CH.insertedRows, data)}[15m])) == 0`, for: '10m',
      description: 'No server of a storage shard inserted a row in 15 minutes, not even its own system logs: the whole shard is down or stuck.',
      firing: { series: [ins(flat(500, 35))], labels: { shard } }, silent: [ins(ramp(500, 60, 35))], evalMinutes: 30,
    });
  }
  const s3 = (metric: string): string => `sum by (host) (increase(${seriesSelector(metric, data)}[15m]))`;
  add(storage, ALERT_FAMILIES.s3Errors, 'StorageS3Errors', {
    expr: `${s3(CH.diskS3ReadRequestsErrors)} + ${s3(CH.diskS3WriteRequestsErrors)} > ${t.s3ErrorsPer15m}`, for: '0m',
    description: `A storage host had more than ${t.s3ErrorsPer15m} S3 request errors on disk ${STORAGE_DISKS.cold} in 15 minutes.`,
    firing: { series: [hs(CH.diskS3ReadRequestsErrors, flat(0, 30)), hs(CH.diskS3WriteRequestsErrors, ramp(0, t.s3ErrorsPer15m + 1, 30))], labels: { host } },
    silent: [hs(CH.diskS3ReadRequestsErrors, flat(0, 30)), hs(CH.diskS3WriteRequestsErrors, flat(0, 30))], evalMinutes: 25,
  });

  // ZooKeeper.
  const zk = `${region}-zookeeper`;
  const zkHost = topology.zookeeper[0]?.name ?? 'zk-1';
  const zs = (metric: string, values: string, labels: Record<string, string> = {}): SyntheticSeries =>
    ({ series: seriesSelector(metric, { host: zkHost, ...labels }), values });
  const zkPerHost = (fam: AlertFamily, alert: string, metric: string, op: string, threshold: number, forText: string, description: string,
    bad: number, good: number, minutes = 25): void => add(zk, fam, alert, {
    expr: `max by (host) (${metric}) ${op} ${threshold}`, for: forText, description,
    firing: { series: [zs(metric, flat(bad, minutes + 5))], labels: { host: zkHost } }, silent: [zs(metric, flat(good, minutes + 5))], evalMinutes: minutes,
  });
  add(zk, ALERT_FAMILIES.zkDown, 'ZooKeeperDown', {
    expr: `min by (host) (${ZK.up}) == 0`, for: '2m', description: 'A ZooKeeper server does not answer mntr.',
    firing: { series: [zs(ZK.up, flat(0, 30))], labels: { host: zkHost } }, silent: [zs(ZK.up, flat(1, 30))], evalMinutes: 25,
  });
  const leaders = topology.zookeeper.map((n, i) => (state: number): SyntheticSeries =>
    ({ series: seriesSelector(ZK.serverState, { host: n.name, state: 'leader' }), values: flat(i === 0 ? state : 0, 30) }));
  add(zk, ALERT_FAMILIES.zkLeader, 'ZooKeeperLeaderLost', {
    expr: `(sum(${seriesSelector(ZK.serverState, { state: 'leader' })}) or on() vector(0)) < 1`, for: '1m',
    description: `None of the ${topology.zookeeper.length} ZooKeeper servers is leader.`,
    firing: { series: leaders.map((f) => f(0)) }, silent: leaders.map((f) => f(1)), evalMinutes: 25,
  });
  zkPerHost(ALERT_FAMILIES.zkOutstanding, 'ZooKeeperOutstandingRequests', ZK.outstandingRequests, '>', t.zooKeeperOutstandingRequests, '5m',
    `A ZooKeeper server has more than ${t.zooKeeperOutstandingRequests} outstanding requests.`, t.zooKeeperOutstandingRequests + 1, 0);
  zkPerHost(ALERT_FAMILIES.zkLatency, 'ZooKeeperLatencyHigh', ZK.avgLatency, '>', t.zooKeeperAvgLatencyMs, '10m',
    `A ZooKeeper server's average latency is above ${t.zooKeeperAvgLatencyMs} ms.`, t.zooKeeperAvgLatencyMs + 1, 1);
  const snapshotFor = Math.max(1, input.purgeIntervalHours) + 1;
  zkPerHost(ALERT_FAMILIES.zkSnapshots, 'ZooKeeperSnapshotFilesHigh', ZK.snapshotFiles, '>', t.zooKeeperSnapshotFiles, `${snapshotFor}h`,
    `A ZooKeeper dataDir holds more than ${t.zooKeeperSnapshotFiles} snapshot files for ${snapshotFor} h (autopurge keeps fewer).`,
    t.zooKeeperSnapshotFiles + 1, 3, snapshotFor * 60 + 10);
  const fullHours = t.zooKeeperDiskFullHours;
  const gib = 1024 ** 3;
  add(zk, ALERT_FAMILIES.zkDiskGrowth, 'ZooKeeperDiskFillingUp', {
    expr: `predict_linear(${ZK.dataDirFreeBytes}[6h], ${fullHours * 3600}) < 0`, for: '30m',
    description: `At its growth over the last 6 hours a ZooKeeper dataDir is full within ${fullHours} h.`,
    // 20 GiB free, shrinking at twice the rate that fills it in the threshold hours.
    firing: { series: [zs(ZK.dataDirFreeBytes, ramp(20 * gib, -Math.round((2 * 20 * gib) / (fullHours * 60)), 420))], labels: { host: zkHost } },
    silent: [zs(ZK.dataDirFreeBytes, flat(20 * gib, 420))], evalMinutes: 410,
  });
  add(zk, ALERT_FAMILIES.zkDiskFree, 'ZooKeeperDiskFreeLow', {
    expr: `min by (host) (${ZK.dataDirFreeBytes} / ${ZK.dataDirSizeBytes}) < ${t.diskFreeRatio}`, for: '5m',
    description: `Less than ${Math.round(t.diskFreeRatio * 100)}% of a ZooKeeper dataDir volume is free.`,
    firing: { series: [zs(ZK.dataDirFreeBytes, flat(Math.floor(1000 * t.diskFreeRatio) - 1, 30)), zs(ZK.dataDirSizeBytes, flat(1000, 30))], labels: { host: zkHost } },
    silent: [zs(ZK.dataDirFreeBytes, flat(500, 30)), zs(ZK.dataDirSizeBytes, flat(1000, 30))], evalMinutes: 25,
  });
  return alerts;
}
