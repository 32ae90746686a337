/**
 * Native ClickHouse backups of a region's storage cluster: which tables each shard backs up, the
 * BACKUP and RESTORE statements, and the systemd timers that run them on one replica per shard.
 * Pure: the StorageCluster construct puts the files into cloud-init and the BackupBucket construct
 * owns the bucket.
 */
import type { CloudConfigFile } from '../cloud-init/cloud-config';
import { clickhouseXml } from '../clickhouse/xml';
import type { Host, Topology } from '../model/topology';
import { Problems } from '../model/validation';
import type { RenderedFile } from '../render/file';
import { identifier, qualified, Sql, stringLiteral } from '../schema/sql';

/** When backups run and how long they are kept. */
export interface BackupScheduleProps {
  /**
   * systemd `OnCalendar` of full backups.
   * @default 'Sun *-*-* 02:00:00 UTC' (weekly)
   */
  readonly full?: string;
  /**
   * systemd `OnCalendar` of incremental backups, each against the last full one.
   * @default 'Mon..Sat *-*-* 02:00:00 UTC' (the other days)
   */
  readonly incremental?: string;
  /**
   * The replica of every shard that runs the backups (1-based; all replicas hold the same data).
   * @default 1
   */
  readonly replica?: number;
  /**
   * Days an incremental backup is kept before the bucket's lifecycle expires it. A full backup is
   * kept `maxBaseAgeDays` + 1 days longer, so every incremental finds its base for as long as it exists.
   * @default 35
   */
  readonly retentionDays?: number;
  /**
   * Age in days past which the last full backup is no longer a base: the next scheduled incremental
   * takes a full backup instead (a failed weekly full would otherwise stretch one chain forever).
   * @default 8 (a weekly full plus a day)
   */
  readonly maxBaseAgeDays?: number;
}

export const DEFAULT_BACKUP_SCHEDULE: Required<BackupScheduleProps> = {
  full: 'Sun *-*-* 02:00:00 UTC',
  incremental: 'Mon..Sat *-*-* 02:00:00 UTC',
  replica: 1,
  retentionDays: 35,
  maxBaseAgeDays: 8,
};

/**
 * Days a full backup is kept: an incremental taken at day t (kept `retentionDays`) is based on a full
 * finished after t - maxBaseAgeDays and started at most a day before it finished (the 24 h receive timeout).
 */
export function fullBackupRetentionDays(schedule: Pick<Required<BackupScheduleProps>, 'retentionDays' | 'maxBaseAgeDays'>): number {
  return schedule.retentionDays + schedule.maxBaseAgeDays + 1;
}

/** The backup one shard takes: on which host, of which tables, under which key prefix. */
export interface ShardBackup {
  readonly shard: number;
  /** The replica that runs the timers. */
  readonly host: Host;
  /** Tables in `database`, in stream order. */
  readonly tables: readonly string[];
  /** Key prefix in the backup bucket, `<region>/shard-NN/`: the shard writes only here. */
  readonly prefix: string;
}

/** A region's backup plan. */
export interface BackupPlan {
  readonly region: string;
  readonly database: string;
  readonly schedule: Required<BackupScheduleProps>;
  readonly shards: readonly ShardBackup[];
}

/** Key prefix of a whole region in the backup bucket (the instance role may write only below it). */
export function regionBackupPrefix(topology: Pick<Topology, 'name'>): string {
  return `${topology.name}/`;
}

/** Key prefix of one shard's backups. */
export function shardBackupPrefix(topology: Pick<Topology, 'name'>, shard: number): string {
  return `${regionBackupPrefix(topology)}shard-${String(shard).padStart(2, '0')}/`;
}

/**
 * The tables a host backs up (the Ansible inventory's `backup_tables`): on a storage host, the
 * data tables of the streams that store rows; sharded tables on every shard, non-sharded ones
 * (a full copy on every data node) only on shard 1. Ingestion hosts store nothing: none.
 */
export function backupTables(topology: Pick<Topology, 'streams'>, host: Pick<Host, 'role' | 'shard'>): string[] {
  if (!host.role.isData) return [];
  return topology.streams
    .filter((s) => s.shuffle === undefined && (s.sharded || host.shard === 1))
    .map((s) => s.dataTable);
}

const ON_CALENDAR = /^[A-Za-z0-9*.,:\-/ ~]+$/;

/** Validates the schedule and resolves one backup per shard; throws one error listing every problem. */
export function backupPlan(topology: Topology, props: BackupScheduleProps = {}): BackupPlan {
  const problems = new Problems();
  const schedule = { ...DEFAULT_BACKUP_SCHEDULE, ...props };
  for (const key of ['full', 'incremental'] as const) {
    problems.check(typeof schedule[key] === 'string' && ON_CALENDAR.test(schedule[key]) && schedule[key].trim() !== '',
      `backups.${key}`, schedule[key], 'a systemd OnCalendar expression such as \'Sun *-*-* 02:00:00 UTC\'');
  }
  problems.count('backups.replica', schedule.replica, 1, topology.storage.replicas);
  problems.count('backups.retentionDays', schedule.retentionDays, 15, 3650);
  problems.count('backups.maxBaseAgeDays', schedule.maxBaseAgeDays, 1, 365);
  problems.throwIfAny('backup schedule');
  const shards: ShardBackup[] = [];
  for (let shard = 1; shard <= topology.storage.shards; shard++) {
    const host = topology.storage.hosts.find((h) => h.shard === shard && h.replica === schedule.replica)!;
    shards.push({ shard, host, tables: backupTables(topology, host), prefix: shardBackupPrefix(topology, shard) });
  }
  return { region: topology.name, database: topology.database, schedule, shards };
}

/**
 * Where a backup goes: `S3('https://…')` in production, or a local `Disk('backups', 'path')`
 * standing in for S3 in tests. A destination can also be a query parameter (`{destination:String}`)
 * that the scheduled script fills in with a time-stamped name.
 */
export class BackupDestination {
  /** An S3 URL; credentials come from the server's environment (the instance role), never the statement. */
  public static s3(url: string): BackupDestination {
    return new BackupDestination(`S3(${stringLiteral(url)})`);
  }

  /** S3 with the URL bound at run time by `clickhouse-client --param_<name>=…`. */
  public static s3Parameter(name: string): BackupDestination {
    return new BackupDestination(`S3({${identifier(name)}:String})`);
  }

  /** A path on a disk listed in `<backups><allowed_disk>`. */
  public static disk(disk: string, path: string): BackupDestination {
    return new BackupDestination(`Disk(${stringLiteral(disk)}, ${stringLiteral(path)})`);
  }

  /** A disk path bound at run time, the local twin of `s3Parameter`. */
  public static diskParameter(disk: string, name: string): BackupDestination {
    return new BackupDestination(`Disk(${stringLiteral(disk)}, {${identifier(name)}:String})`);
  }

  private constructor(public readonly sql: string) {}
}

/** `BACKUP TABLE db.a, TABLE db.b TO <dest> [SETTINGS base_backup = <base>]`: incremental when a base is given. */
export function backupStatement(database: string, tables: readonly string[], destination: BackupDestination, base?: BackupDestination): Sql {
  if (tables.length === 0) throw new Error('A backup needs at least one table');
  const list = tables.map((t) => `TABLE ${qualified(database, t)}`).join(', ');
  return `BACKUP ${list} TO ${destination.sql}${base ? ` SETTINGS base_backup = ${base.sql}` : ''}` as Sql;
}

/**
 * `RESTORE TABLE db.a, TABLE db.b FROM <source>`: into tables that exist and are empty (the
 * schema creates them; a region restored with its consumers off keeps them empty). An
 * incremental backup brings its base along by itself.
 */
export function restoreStatement(database: string, tables: readonly string[], source: BackupDestination): Sql {
  if (tables.length === 0) throw new Error('A restore needs at least one table');
  const list = tables.map((t) => `TABLE ${qualified(database, t)}`).join(', ');
  return `RESTORE ${list} FROM ${source.sql}` as Sql;
}

/** Where the scheduled script keeps the name of the last full backup (on the EBS data volume, which outlives reboots). */
export const BACKUP_STATE_DIR = '/var/lib/clickhouse/backup-state';
export const BACKUP_SCRIPT = '/usr/local/sbin/clickhouse-backup-shard';
export const BACKUP_CONFIG_FILE = 'config.d/backup_destination.xml';
/** The timers to enable on the host that runs the shard's backups. */
export const BACKUP_TIMERS = ['clickhouse-backup-full.timer', 'clickhouse-backup-incremental.timer'] as const;

/** `https://<bucket>.s3.<region>.amazonaws.com/`: the bucket's virtual-hosted URL. */
export function backupBucketUrl(bucket: string, awsRegion: string): string {
  return `https://${bucket}.s3.${awsRegion}.amazonaws.com/`;
}

/**
 * `config.d/backup_destination.xml`: the bucket's endpoint signs with the instance role
 * (`use_environment_credentials`), so no key is ever written on the host.
 */
export function renderBackupDestinationConfig(bucketUrl: string, prefix: string): RenderedFile {
  return {
    path: BACKUP_CONFIG_FILE,
    content: clickhouseXml({
      s3: { backup_bucket: { endpoint: `${bucketUrl}${prefix}`, use_environment_credentials: 'true' } },
    }),
  };
}

function unit(sections: Record<string, readonly string[]>): string {
  return Object.entries(sections).map(([section, body]) => `[${section}]\n${body.join('\n')}\n`).join('\n');
}

/** Single-quoted for bash: the only character that needs care is the quote itself. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The query the scheduled script runs to list what it backs up, as `TABLE db.a, TABLE db.b`:
 * the MergeTree tables of the database (on a storage host, exactly the streams' data tables),
 * only the sharded ones (`sharded_<t>`) unless `{shard:UInt32}` is 1. It is the run-time twin of
 * `backupTables`, so the host's user data stays the same when streams are added (a change to user
 * data would stop and start the instance, emptying its NVMe hot tier).
 */
export function backupTablesQuery(database: string): Sql {
  // Only identifiers of the model's shape are listed, so nothing can be spliced into the BACKUP statement.
  return ('SELECT arrayStringConcat(arrayMap(t -> concat(\'TABLE \', database, \'.\', t), arraySort(groupArray(name))), \', \') ' +
    `FROM system.tables WHERE database = ${stringLiteral(database)} AND engine LIKE '%MergeTree' AND match(name, '^[a-z_][a-z0-9_]*$') ` +
    "AND (startsWith(name, 'sharded_') OR {shard:UInt32} = 1) GROUP BY database") as Sql;
}

/**
 * The script the timers run: `full` or `incremental`. It lists the tables at run time
 * (`backupTablesQuery`); the destination is a time-stamped folder under the shard's prefix,
 * passed as a query parameter. An incremental without a recorded full backup, or whose full backup
 * is older than `maxBaseAgeDays`, takes a full one.
 */
export function renderBackupScript(plan: BackupPlan, shard: ShardBackup, bucketUrl: string): string {
  const to = ` TO ${BackupDestination.s3Parameter('destination').sql}`;
  const base = ` SETTINGS base_backup = ${BackupDestination.s3Parameter('base').sql}`;
  return [
    '#!/bin/bash',
    `# Native BACKUP of shard ${shard.shard} of region ${plan.region} (rendered by cdktf-clickhouse-ingest).`,
    '# The names carry the start time (UTC), which is the time to reset consumer offsets to after a restore.',
    'set -euo pipefail',
    'kind="${1:?full or incremental}"',
    `base_url=${shellQuote(bucketUrl + shard.prefix)}`,
    `state=${shellQuote(BACKUP_STATE_DIR)}`,
    'install -d -m 0750 "$state"',
    `tables="$(clickhouse-client --param_shard=${shard.shard} --query ${shellQuote(backupTablesQuery(plan.database))})"`,
    'if [ -z "$tables" ]; then echo "no tables to back up on this shard"; exit 0; fi',
    'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
    // A base older than maxBaseAgeDays may expire before this incremental does: take a full one instead.
    `if [ "$kind" = incremental ] && [ -s "$state/last-full" ] && [ -n "$(find "$state/last-full" -mmin -${plan.schedule.maxBaseAgeDays * 1440})" ]; then`,
    '  name="incremental-$stamp"',
    '  base="$(cat "$state/last-full")"',
    `  clickhouse-client --receive_timeout=86400 --param_destination="$base_url$name/" --param_base="$base_url$base/" --query "BACKUP $tables${to}${base}"`,
    'else',
    '  name="full-$stamp"',
    `  clickhouse-client --receive_timeout=86400 --param_destination="$base_url$name/" --query "BACKUP $tables${to}"`,
    '  echo "$name" > "$state/last-full.tmp" && mv "$state/last-full.tmp" "$state/last-full"',
    'fi',
    'echo "$name" > "$state/last"',
    '',
  ].join('\n');
}

/**
 * The ClickHouse config file of the host that runs a shard's backups (`config.d/backup_destination.xml`,
 * relative to the config root): a host file, so a sync of the node group's shared config leaves it alone.
 */
export function backupHostConfig(plan: BackupPlan, host: Pick<Host, 'name'>, bucketUrl: string): RenderedFile | undefined {
  const shard = plan.shards.find((s) => s.host.name === host.name);
  return shard === undefined ? undefined : renderBackupDestinationConfig(bucketUrl, shard.prefix);
}

/**
 * The script and the service + timer pairs (full and incremental) of the host that runs a
 * shard's backups, as cloud-init `write_files` entries; enable `BACKUP_TIMERS` once written.
 * Hosts that run no backup get none. Nothing in them depends on the streams (the script lists
 * the tables at run time), and a shard with nothing to back up today still gets its timers.
 */
export function backupSystemFiles(plan: BackupPlan, host: Pick<Host, 'name'>, bucketUrl: string): CloudConfigFile[] {
  const shard = plan.shards.find((s) => s.host.name === host.name);
  if (shard === undefined) return [];
  const units = '/etc/systemd/system';
  const pair = (kind: 'full' | 'incremental', calendar: string): CloudConfigFile[] => [
    {
      path: `${units}/clickhouse-backup-${kind}.service`,
      content: unit({
        Unit: [`Description=ClickHouse ${kind} backup of shard ${shard.shard} to S3`, 'After=clickhouse-server.service', 'Requires=clickhouse-server.service'],
        Service: ['Type=oneshot', `ExecStart=${BACKUP_SCRIPT} ${kind}`],
      }),
    },
    {
      path: `${units}/clickhouse-backup-${kind}.timer`,
      content: unit({
        Unit: [`Description=ClickHouse ${kind} backup of shard ${shard.shard}`],
        // Persistent: a backup missed while the host was down runs when it comes back.
        Timer: [`OnCalendar=${calendar}`, 'Persistent=true', 'RandomizedDelaySec=10min'],
        Install: ['WantedBy=timers.target'],
      }),
    },
  ];
  return [
    { path: BACKUP_SCRIPT, permissions: '0755', content: renderBackupScript(plan, shard, bucketUrl) },
    ...pair('full', plan.schedule.full),
    ...pair('incremental', plan.schedule.incremental),
  ];
}

/** Every file of a backup host as `write_files` entries: its config under `configRoot`, then `backupSystemFiles`. */
export function backupCloudConfigFiles(plan: BackupPlan, host: Pick<Host, 'name'>, bucketUrl: string, configRoot = '/etc/clickhouse-server'): CloudConfigFile[] {
  const config = backupHostConfig(plan, host, bucketUrl);
  if (config === undefined) return [];
  return [{ path: `${configRoot}/${config.path}`, content: config.content }, ...backupSystemFiles(plan, host, bucketUrl)];
}
