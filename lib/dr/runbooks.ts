/**
 * Day-2 runbooks rendered from a region's model, with its real host, table, topic, group and
 * bucket names, so they cannot drift from what is deployed: `artifacts/runbooks/*.md`. Pure.
 */
import { ZOOKEEPER_CONF_DIR } from '../cloud-init/zookeeper-host';
import { EBS_MOUNT } from '../clickhouse/options';
import { ingestionInstallationName, Topology } from '../model/topology';
import type { AlertRule } from '../observability/alerts';
import type { RenderedFile } from '../render/file';
import { BackupDestination, backupPlan, BackupScheduleProps, backupStatement, restoreStatement, BACKUP_SCRIPT, BACKUP_STATE_DIR, fullBackupRetentionDays } from './backup';
import { DISK_SIZES_ARTIFACT, diskSizeLockPath, DiskSizes } from './disk-sizes';
import { consumerGroupTargets, offsetResetCommands, renderOffsetResetScript } from './offsets';

export const RUNBOOKS_DIR = 'runbooks';

export interface RunbookOptions {
  /** AWS region of the stack, e.g. `us-east-1`. */
  readonly awsRegion: string;
  /**
   * The backup bucket's name, or a shell expression that yields it.
   * @default '$BACKUP_BUCKET' (read from `terraform output`)
   */
  readonly backupBucket?: string;
  /** @default the BackupSchedule defaults */
  readonly backupSchedule?: BackupScheduleProps;
  /**
   * Disk ids and sizes of the stack (from `collectDiskSizes`).
   * @default none listed
   */
  readonly diskSizes?: DiskSizes;
  /**
   * ZooKeeper's dataDir, autopurge interval (hours) and retained snapshots.
   * @default '/var/lib/zookeeper', 1, 3 (the zoo.cfg defaults)
   */
  readonly zooKeeper?: { readonly dataDir?: string; readonly purgeIntervalHours?: number; readonly snapRetainCount?: number };
  /**
   * Namespace of the ingestion tiers' ClickHouseInstallations.
   * @default 'clickhouse-ingestion'
   */
  readonly ingestionNamespace?: string;
  /**
   * The region's alert rules: each runbook lists the alerts whose `runbook` annotation names it.
   * @default none listed
   */
  readonly alerts?: readonly AlertRule[];
}

const code = (lang: string, lines: readonly string[]): string => ['```' + lang, ...lines, '```'].join('\n');
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]): string => [
  `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const doc = (title: string, topology: Topology, sections: readonly string[]): string =>
  [`# ${title} — region \`${topology.name}\``, '', `_Rendered from the region's model by cdktf-clickhouse-ingest; regenerate it with \`npm run synth\`, do not edit._`,
    '', ...sections.flatMap((s) => [s, '']), ''].join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n+$/, '\n');

/** Every runbook of a region, under `runbooks/`; each Markdown runbook ends with the alerts that lead to it. */
export function renderRunbooks(topology: Topology, options: RunbookOptions): RenderedFile[] {
  return runbookFiles(topology, options).map((f) => (f.path.endsWith('.md') ? { path: f.path, content: withAlerts(f, options.alerts ?? []) } : f));
}

/** Appends "Alerts that lead here": the rules whose `runbook` annotation is this file (docs/observability.md explains them). */
function withAlerts(file: RenderedFile, alerts: readonly AlertRule[]): string {
  const mine = alerts.filter((a) => a.annotations.runbook === file.path);
  if (mine.length === 0) return file.content;
  const rows = mine.map((a) => [`\`${a.alert}\``, a.labels.severity ?? '', a.annotations.description ?? '']);
  return `${file.content}\n## Alerts that lead here\n\nFrom \`observability/alerts.rules.yaml\` (see docs/observability.md):\n\n${table(['alert', 'severity', 'what it says'], rows)}\n`;
}

function runbookFiles(topology: Topology, options: RunbookOptions): RenderedFile[] {
  return [
    { path: `${RUNBOOKS_DIR}/grow-a-disk.md`, content: growDisk(topology, options) },
    { path: `${RUNBOOKS_DIR}/backup-and-restore.md`, content: backupAndRestore(topology, options) },
    { path: `${RUNBOOKS_DIR}/reset-consumer-offsets.md`, content: resetOffsets(topology) },
    { path: `${RUNBOOKS_DIR}/reset-offsets.sh`, content: renderOffsetResetScript(topology) },
    { path: `${RUNBOOKS_DIR}/migrate-kafka-backend.md`, content: migrateBackend(topology) },
    { path: `${RUNBOOKS_DIR}/replace-ingestion-pod.md`, content: replacePod(topology, options) },
    { path: `${RUNBOOKS_DIR}/zookeeper-snapshot-retention.md`, content: zooKeeperRetention(topology, options) },
  ];
}

function growDisk(topology: Topology, o: RunbookOptions): string {
  const disks = Object.entries(o.diskSizes ?? {});
  const hosts = topology.storage.hosts;
  return doc('Grow a disk', topology, [
    'EBS volumes and MSK broker storage grow in place and never shrink. Every synth compares the sizes you ask for with ' +
    `\`${diskSizeLockPath(topology.name)}\` (the sizes last deployed) and refuses to shrink any disk.`,
    '## Which disks',
    disks.length > 0
      ? table(['disk id', 'size now (GiB)'], disks.map(([id, size]) => [`\`${id}\``, size]))
      : '_No disk sizes were given to the renderer._',
    '## Steps',
    [
      '1. Raise the size in the region description: `storageClusterOptions.dataVolumeSizeGiB` or `rootVolumeSizeGiB` (storage hosts ' +
      `${hosts[0]?.name} … ${hosts[hosts.length - 1]?.name}), \`zooKeeperOptions.dataVolumeSizeGiB\` (${topology.zookeeper.map((z) => z.name).join(', ')}), ` +
      'or `kafkaBackendOptions.<name>` `volumeSizeGiB` for MSK brokers.',
      `2. \`cdktf diff ${topology.name}\` must show each volume as \`~ update in-place\` with only \`size\` changing. A \`-/+\` (replace) means stop: you are about to lose a disk.`,
      `3. \`cdktf deploy ${topology.name}\`. EBS allows one modification per volume every 6 hours; MSK storage likewise.`,
      `4. Grow the filesystem on each host (xfs, online, idempotent): \`sudo xfs_growfs ${EBS_MOUNT}\` on storage hosts, ` +
      `\`sudo xfs_growfs ${o.zooKeeper?.dataDir ?? '/var/lib/zookeeper'}\` on ZooKeeper hosts. MSK grows its own filesystems.`,
      `5. Commit the new floors: \`cp cdktf.out/stacks/${topology.name}/artifacts/${DISK_SIZES_ARTIFACT} ${diskSizeLockPath(topology.name)}\` ` +
      '(only after the deploy succeeded: the lock records what is deployed).',
    ].join('\n'),
    '## MSK broker storage',
    'Storage autoscaling owns `volume_size` (Terraform ignores it); raising `volumeSizeGiB` raises the autoscaling minimum, which grows the ' +
    'brokers to it. To grow at once instead: `aws kafka update-broker-storage --cluster-arn <arn> --current-version <version> ' +
    '--target-broker-ebs-volume-info KafkaBrokerNodeId=All,VolumeSizeGB=<size>`.',
    '## The ingestion cache',
    `Each ingestion node's cache is a 10Gi PersistentVolumeClaim with reclaimPolicy Delete (\`ingestionTierOptions.<role>.cacheSize\`). ` +
    'Changing it touches only that tier\'s Helm release, never the storage tier; pods come back with a new, empty cache.',
  ]);
}

function backupAndRestore(topology: Topology, o: RunbookOptions): string {
  const plan = backupPlan(topology, o.backupSchedule);
  const bucket = o.backupBucket ?? '$BACKUP_BUCKET';
  const url = (prefix: string, name: string): string => `https://${bucket}.s3.${o.awsRegion}.amazonaws.com/${prefix}${name}/`;
  const withTables = plan.shards.filter((s) => s.tables.length > 0);
  return doc('Take and restore a backup', topology, [
    `Native ClickHouse \`BACKUP … TO S3\` of the data tables, one replica per shard: full ${plan.schedule.full}, incremental ` +
    `(against the last full) ${plan.schedule.incremental}. Incrementals expire after ${plan.schedule.retentionDays} days, full backups after ${fullBackupRetentionDays(plan.schedule)} (an incremental is based only on a full at most ${plan.schedule.maxBaseAgeDays} days old, so its base always outlives it). ` +
    `Each shard writes only under its own prefix of \`s3://${bucket}/\`.`,
    table(['shard', 'runs on', 'tables', 'prefix'],
      plan.shards.map((s) => [s.shard, `\`${s.host.fqdn}\``, s.tables.map((t) => `\`${t}\``).join(', ') || '—', `\`${s.prefix}\``])),
    '## Take one now',
    code('bash', [
      ...ssmSession(withTables[0]?.host.name ?? '<host>', o.awsRegion),
      'sudo systemctl start clickhouse-backup-full.service     # or clickhouse-backup-incremental.service',
      `sudo cat ${BACKUP_STATE_DIR}/last                        # e.g. full-20261122T020000Z: the name carries the start time (UTC)`,
      `aws s3 ls s3://${bucket}/${plan.shards[0]?.prefix ?? ''}`,
    ]),
    `The timers run \`${BACKUP_SCRIPT} full|incremental\`; \`systemctl list-timers 'clickhouse-backup-*'\` shows the next run.`,
    '## Restore',
    [
      `1. Deploy the region with its consumers off (\`consumers: 'off'\` in the region description): every table exists and stays empty, nothing consumes.`,
      '2. Pick one backup name per shard, all from the same night (e.g. `incremental-20261123T020000Z`; an incremental brings its full base along). ' +
      'Its time stamp is the backup time T.',
      '3. On the backup host of each shard, restore that shard\'s tables (replicas fetch the parts through replication):',
    ].join('\n'),
    ...withTables.map((s) => code('sql', [
      `-- ${s.host.fqdn}`,
      restoreStatement(plan.database, s.tables, BackupDestination.s3(url(s.prefix, '<backup-name>'))) + ';',
    ])),
    [
      '4. Check the row counts, then reset every consumer group to T (minus the consumer lag at backup time, so nothing in flight is missed): ' +
      '[reset-consumer-offsets.md](reset-consumer-offsets.md).',
      '5. Switch the consumers on (`consumers: \'on\'`) and deploy.',
    ].join('\n'),
    '## The statements the timers run',
    code('sql', withTables.slice(0, 1).flatMap((s) => [
      backupStatement(plan.database, s.tables, BackupDestination.s3(url(s.prefix, 'full-<UTC time>'))) + ';',
      backupStatement(plan.database, s.tables, BackupDestination.s3(url(s.prefix, 'incremental-<UTC time>')),
        BackupDestination.s3(url(s.prefix, 'full-<UTC time>'))) + ';',
    ])),
  ]);
}

function resetOffsets(topology: Topology): string {
  const commands = offsetResetCommands(topology);
  return doc('Reset consumer offsets', topology, [
    'After a restore, every consumer group must re-read what the backup misses. Only one cluster may consume a group at a time: ' +
    'stop the consumers (consumers off, or the old region gone) and wait until `--describe --state` shows the group Empty; ' +
    'a group with members cannot be reset.',
    table(['stream leg', 'backend', 'topic', 'group', 'consumed by', 'new group starts at'], consumerGroupTargets(topology).map((t) => [
      `\`${t.stream}${t.legSuffix}\``, `${t.backend.name} (${t.backend.kind})`, `\`${t.topic}\``, `\`${t.group}\``, t.roles.join(', '),
      t.offsets.startAt === 'timestamp' ? `timestamp ${new Date(t.offsets.timestampMs ?? 0).toISOString()}` : t.offsets.startAt,
    ])),
    '## All legs at once',
    `[reset-offsets.sh](reset-offsets.sh) \`<YYYY-MM-DDTHH:mm:SS.sssZ>\` writes each backend's client properties (credentials from the ` +
    'environment), checks each group, prints the plan (`--dry-run`) and applies it. It needs the Kafka CLI (`kafka-consumer-groups.sh`; ' +
    'for MSK IAM also the aws-msk-iam-auth jar on `CLASSPATH`) and the `KAFKA_HOSTS_*` variables the ClickHouse nodes use. WarpStream ' +
    'speaks the Kafka protocol (ListOffsets, OffsetCommit, DescribeGroups): the same tool works against its agents, from inside the cluster network.',
    '## One leg by hand',
    ...commands.map((c) => code('bash', [`# ${c.target.stream}${c.target.legSuffix}`, c.describe, c.dryRun, c.execute])),
    ...(commands.some((c) => c.initialStart) ? [
      '## Legs that start at a timestamp',
      'Run once, before the leg is deployed (its group must not have consumed yet):',
      code('bash', commands.filter((c) => c.initialStart).map((c) => c.initialStart!)),
    ] : []),
    '## What ClickHouse cannot do by itself',
    'ClickHouse applies `auto_offset_reset` (earliest or latest) only to a group that has no committed offset, per named collection. ' +
    'A leg declared to start at a timestamp needs this reset before its group first consumes; until then it starts at earliest (replays, never skips).',
  ]);
}

function migrateBackend(topology: Topology): string {
  const sections: string[] = [
    'A backend migration adds a whole parallel leg (its own Kafka table, view, writable table and consumer group, with a suffix such as `_ws`) ' +
    'that lands in the same data table, then removes the old leg. Nothing is dropped from the data tables.',
  ];
  for (const s of topology.streams) {
    sections.push(`## Stream \`${s.name}\` → \`${s.dataTable}\``,
      table(['leg', 'backend', 'topic', 'group', 'objects', 'roles'], s.legs.map((l) => [
        `\`${l.suffix || '(none)'}\``, `${l.backend.name} (${l.backend.kind})`, `\`${l.topic.name}\``, `\`${l.consumerGroup}\``,
        `\`${l.kafkaTable}\`, \`${l.materializedView}\`, \`${l.writableTable}\``, l.roles.map((r) => r.value).join(', '),
      ])));
  }
  sections.push('## Steps, one stream at a time',
    [
      '1. Declare the new backend and the topic on it (`kafkaBackends`), and add a leg to the stream with that backend. Its group is new: ' +
      'give it `offsets: { startAt: \'earliest\' }` when the topic on the new backend only holds the events producers send there, or ' +
      '`timestamp` when the topic is mirrored (then reset the new group to that time before deploying, see reset-consumer-offsets.md).',
      `2. \`cdktf diff ${topology.name}\`: only additions (the new leg's objects, in the ingestion tiers' startup scripts and SQL).`,
      '3. Deploy, then switch the producers to the new backend.',
      '4. Wait until the old leg\'s group has no lag (`kafka-consumer-groups.sh --describe --group <old group>`), then remove the old leg and deploy: ' +
      'only that leg\'s objects disappear (stateless pods recreate only the remaining ones on their next start).',
    ].join('\n'));
  return doc('Migrate a Kafka backend, leg by leg', topology, sections);
}

function replacePod(topology: Topology, o: RunbookOptions): string {
  const ns = o.ingestionNamespace ?? 'clickhouse-ingestion';
  return doc('Replace an ingestion pod', topology, [
    'Ingestion nodes store nothing: each has a 10Gi cache deleted with it, INSERTs are forwarded synchronously ' +
    '(`distributed_foreground_insert=1`), and the startup scripts recreate its Kafka tables, views and writable tables on every boot. ' +
    'A replaced pod rejoins its consumer groups and resumes from their committed offsets.',
    table(['tier', 'installation', 'nodes', 'first host'], topology.ingestionTiers.map((t) => [
      t.role.value, `\`${ingestionInstallationName(t)}\``, t.nodes, `\`${t.hosts[0]?.name ?? ''}\``,
    ])),
    '## Steps',
    code('bash', [
      `kubectl -n ${ns} get pods -l clickhouse.altinity.com/chi=${topology.ingestionTiers[0] ? ingestionInstallationName(topology.ingestionTiers[0]) : '<installation>'}`,
      `kubectl -n ${ns} delete pod <pod>          # the operator recreates it with an empty cache`,
      `kubectl -n ${ns} wait --for=condition=Ready pod/<pod> --timeout=10m`,
      `kubectl -n ${ns} exec <pod> -- clickhouse-client -q "SELECT database, table, assignments.topic, exceptions.text FROM system.kafka_consumers"`,
    ]),
    'The PodDisruptionBudget keeps all but one pod of a tier running; replace pods one at a time.',
  ]);
}

/** The instance id of a host by its Name tag: what SSM Session Manager targets (the hosts take no SSH keys and open no port 22). */
function instanceIdOf(name: string, region: string): string {
  return `id="$(aws ec2 describe-instances --region ${region} --filters Name=tag:Name,Values=${name} Name=instance-state-name,Values=running ` +
    '--query \'Reservations[].Instances[].InstanceId\' --output text)"';
}

/** An interactive shell on a host through SSM Session Manager. */
function ssmSession(name: string, region: string): string[] {
  return [instanceIdOf(name, region), `aws ssm start-session --region ${region} --target "$id"      # a shell on ${name} (Session Manager, no SSH)`];
}

/** One command on a host through SSM Session Manager. */
function ssmCommand(name: string, region: string, command: string): string[] {
  return [
    instanceIdOf(name, region),
    `aws ssm start-session --region ${region} --target "$id" --document-name AWS-StartInteractiveCommand --parameters command="${command.replace(/"/g, '\\"')}"`,
  ];
}

function zooKeeperRetention(topology: Topology, o: RunbookOptions): string {
  const dataDir = o.zooKeeper?.dataDir ?? '/var/lib/zookeeper';
  const interval = o.zooKeeper?.purgeIntervalHours ?? 1;
  const retain = o.zooKeeper?.snapRetainCount ?? 3;
  const first = topology.zookeeper[0];
  return doc('Check ZooKeeper snapshot retention', topology, [
    `ZooKeeper keeps ClickHouse's replication metadata under \`${topology.zookeeperRoot}\`. Old snapshots and transaction logs can fill its ` +
    `disk; autopurge removes all but the last ${retain} every ${interval} hour(s).`,
    table(['node', 'name', 'zone'], topology.zookeeper.map((z) => [z.id, `\`${z.fqdn}:${z.clientPort}\``, z.availabilityZone])),
    '## Check',
    code('bash', [
      ...topology.zookeeper.map((z) => `echo mntr | nc ${z.fqdn} ${z.clientPort} | grep -E 'zk_server_state|zk_approximate_data_size|zk_znode_count'`),
      ...ssmCommand(first?.name ?? '<zk host>', o.awsRegion, `df -h ${dataDir}; ls ${dataDir}/version-2 | grep -c '^snapshot\\.'; grep -E '^autopurge' ${ZOOKEEPER_CONF_DIR}/zoo.cfg`),
    ]),
    `Expect at most ${retain} snapshot files (plus the one being written) and \`autopurge.purgeInterval=${interval}\`, \`autopurge.snapRetainCount=${retain}\`.`,
    '## If the disk still fills',
    code('bash', [`sudo -u zookeeper env ZOOCFGDIR=${ZOOKEEPER_CONF_DIR} /usr/share/zookeeper/bin/zkCleanup.sh -n ${retain}   # on each node, one at a time`]),
    'Then grow the data volume (grow-a-disk.md) and look for what writes znodes: ' +
    'ZooKeeper\'s `zkSnapshotComparer.sh` (3.6+) between two snapshots shows the nodes that were added.',
  ]);
}
