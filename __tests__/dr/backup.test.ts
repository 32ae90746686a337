/**
 * Backups: the plan from the model, and the rendered BACKUP / RESTORE statements executed by a
 * real ClickHouse (chdb) against a local disk standing in for S3: a full backup, an incremental
 * on top of it, and a restore from the incremental. The S3 forms are checked by ClickHouse's own
 * parser (formatQuery), the script by bash, the cloud-init entries by `cloud-init schema`.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderCloudConfig } from '../../lib/cloud-init/cloud-config';
import {
  BACKUP_SCRIPT, BackupDestination, backupBucketUrl, backupCloudConfigFiles, backupPlan, backupStatement, backupTables,
  backupTablesQuery, renderBackupDestinationConfig, renderBackupScript, restoreStatement,
} from '../../lib/dr/backup';
import { buildTopology, TopologyValidationError } from '../../lib/model';
import { dataTableStatement } from '../../lib/schema';
import { US_TOPOLOGY } from '../../stacks/us';
import { TestEngine } from '../support/engine';
import { tempDir } from '../support/temp-dir';

const us = buildTopology(US_TOPOLOGY);
const bucketUrl = backupBucketUrl('acme-us-clickhouse-backups', 'us-east-1');

describe('backup plan', () => {
  test('one backup per shard, run by replica 1, each under its own prefix', () => {
    const plan = backupPlan(us);
    expect(plan.shards).toHaveLength(10);
    expect(plan.shards.map((s) => s.host.name)).toEqual(us.storage.hosts.filter((h) => h.replica === 1).map((h) => h.name));
    expect(new Set(plan.shards.map((s) => s.prefix)).size).toBe(10);
    expect(plan.shards[0].prefix).toBe('us/shard-01/');
    expect(plan.shards[9].prefix).toBe('us/shard-10/');
  });

  test('backup_tables: sharded tables on every shard, non-sharded ones on shard 1, none on ingestion hosts', () => {
    const [s1, s2] = [us.storage.hosts.find((h) => h.shard === 1)!, us.storage.hosts.find((h) => h.shard === 2)!];
    // heatmaps is sharded as PostHog's: sharded_heatmaps on every shard.
    expect(backupTables(us, s1)).toEqual(['groups', 'sharded_heatmaps', 'sharded_events']);
    expect(backupTables(us, s2)).toEqual(['sharded_heatmaps', 'sharded_events']);
    for (const tier of us.ingestionTiers) expect(backupTables(us, tier.hosts[0])).toEqual([]);
  });

  test('a bad schedule is rejected with every problem at once', () => {
    const attempt = (): unknown => backupPlan(us, { full: "Sun'; rm -rf /", replica: 4, retentionDays: 3 });
    expect(attempt).toThrow(TopologyValidationError);
    expect(attempt).toThrow(/backups\.full.*\n.*backups\.replica.*at most|backups\.replica/s);
    try {
      attempt();
    } catch (e) {
      expect((e as TopologyValidationError).problems.map((p) => p.field)).toEqual(['backups.full', 'backups.replica', 'backups.retentionDays']);
    }
  });
});

describe('backup and restore on a real ClickHouse', () => {
  const diskDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backups-'));
  let engine: TestEngine;
  const shard1 = backupPlan(us).shards[0];

  beforeAll(async () => {
    engine = await TestEngine.open([
      // The rendered S3 endpoint config, loaded to prove ClickHouse accepts it.
      renderBackupDestinationConfig(bucketUrl, shard1.prefix),
      {
        path: 'config.d/backups_disk.xml',
        content: `<clickhouse><storage_configuration><disks><backups><type>local</type><path>${diskDir}/</path></backups></disks></storage_configuration>` +
          `<backups><allowed_disk>backups</allowed_disk><allowed_path>${diskDir}/</allowed_path></backups></clickhouse>`,
      },
    ]);
    await engine.exec(`CREATE DATABASE IF NOT EXISTS ${us.database}`);
    for (const stream of us.streams) await engine.exec(dataTableStatement(us, stream, { replicated: false, tieredStorage: false }).sql);
  });

  afterAll(async () => {
    await engine?.kill();
    fs.rmSync(diskDir, { recursive: true, force: true });
  });

  const counts = async (): Promise<Record<string, number>> => Object.fromEntries(await Promise.all(shard1.tables.map(async (t) =>
    [t, Number(await engine.value(`SELECT count() FROM ${us.database}.${t}`))])));

  test('full, then incremental on top of it, then restore from the incremental brings back every row', async () => {
    await engine.exec(`INSERT INTO ${us.database}.groups (group_type_index, group_key, created_at, team_id, group_properties, _timestamp, _offset) ` +
      `SELECT 0, toString(number), now(), 1, '{}', now(), number FROM numbers(100)`);
    await engine.exec(`INSERT INTO ${us.database}.sharded_events (uuid, event, properties, timestamp, team_id, distinct_id, created_at, _timestamp, _offset) ` +
      `SELECT generateUUIDv4(), 'pageview', '{}', now64(6), 1, toString(number), now64(6), now(), number FROM numbers(1000)`);
    await engine.exec(backupStatement(us.database, shard1.tables, BackupDestination.disk('backups', 'us/shard-01/full-1/')));

    await engine.exec(`INSERT INTO ${us.database}.sharded_heatmaps (session_id, team_id, distinct_id, timestamp, x, y, current_url, type, _timestamp, _offset) ` +
      `SELECT 's', 1, 'd', now64(6), 1, 2, 'https://x', 'click', now(), number FROM numbers(50)`);
    // The scheduled script binds the destination and base as query parameters: the same here.
    await engine.exec("SET param_destination = 'us/shard-01/incremental-1/'");
    await engine.exec("SET param_base = 'us/shard-01/full-1/'");
    await engine.exec(backupStatement(us.database, shard1.tables, BackupDestination.diskParameter('backups', 'destination'), BackupDestination.diskParameter('backups', 'base')));
    const before = await counts();
    expect(before).toEqual({ groups: 100, sharded_heatmaps: 50, sharded_events: 1000 });

    const [full, incremental] = await engine.rows<{ name: string; base_backup_name: string; num_entries: number }>(
      "SELECT name, base_backup_name, num_entries FROM system.backups WHERE status = 'BACKUP_CREATED' ORDER BY start_time");
    // The incremental names the full one as its base and writes only what changed since.
    expect(incremental.base_backup_name).toBe(full.name);
    expect(incremental.num_entries).toBeLessThan(full.num_entries);

    for (const t of shard1.tables) await engine.exec(`TRUNCATE TABLE ${us.database}.${t}`);
    expect(await counts()).toEqual({ groups: 0, sharded_heatmaps: 0, sharded_events: 0 });
    await engine.exec(restoreStatement(us.database, shard1.tables, BackupDestination.disk('backups', 'us/shard-01/incremental-1/')));
    expect(await counts()).toEqual(before);
  });

  test('the script\'s run-time table list is backup_tables: all data tables on shard 1, the sharded ones elsewhere', async () => {
    for (const host of [us.storage.hosts[0], us.storage.hosts.find((h) => h.shard === 2)!]) {
      await engine.exec(`SET param_shard = ${host.shard}`);
      const listed = await engine.value(backupTablesQuery(us.database));
      expect(listed).toBe(backupTables(us, host).sort().map((t) => `TABLE ${us.database}.${t}`).join(', '));
      // What the script then runs, with that list, parses and names only those tables.
      const statement = `BACKUP ${listed} TO S3({destination:String}) SETTINGS base_backup = S3({base:String})`;
      expect(await engine.value(`SELECT formatQuerySingleLine(${quote(statement)})`)).toMatch(/^BACKUP TABLE /);
    }
  });

  test('the S3 statements of the scheduled script parse', async () => {
    const statements = [
      backupStatement(us.database, shard1.tables, BackupDestination.s3Parameter('destination')),
      backupStatement(us.database, shard1.tables, BackupDestination.s3Parameter('destination'), BackupDestination.s3Parameter('base')),
      backupStatement(us.database, shard1.tables, BackupDestination.s3(`${bucketUrl}us/shard-01/full-20261122T020000Z/`)),
      restoreStatement(us.database, shard1.tables, BackupDestination.s3(`${bucketUrl}us/shard-01/incremental-20261123T020000Z/`)),
    ];
    for (const s of statements) {
      const formatted = await engine.value(`SELECT formatQuerySingleLine(${quote(s)})`);
      expect(formatted).toMatch(/^(BACKUP|RESTORE) TABLE posthog\.groups, TABLE posthog\.sharded_heatmaps, TABLE posthog\.sharded_events (TO|FROM) S3\(/);
    }
    expect(statements[1]).toContain('SETTINGS base_backup = S3({base:String})');
  });
});

describe('scheduled backups in cloud-init', () => {
  const plan = backupPlan(us);

  test('only the backup replica of each shard gets the timers', () => {
    const withTimers = us.storage.hosts.filter((h) => backupCloudConfigFiles(plan, h, bucketUrl).length > 0);
    expect(withTimers.map((h) => h.name)).toEqual(plan.shards.map((s) => s.host.name));
    const files = backupCloudConfigFiles(plan, plan.shards[3].host, bucketUrl);
    expect(files.map((f) => f.path)).toEqual([
      '/etc/clickhouse-server/config.d/backup_destination.xml', BACKUP_SCRIPT,
      '/etc/systemd/system/clickhouse-backup-full.service', '/etc/systemd/system/clickhouse-backup-full.timer',
      '/etc/systemd/system/clickhouse-backup-incremental.service', '/etc/systemd/system/clickhouse-backup-incremental.timer',
    ]);
    expect(files[3].content).toContain('OnCalendar=Sun *-*-* 02:00:00 UTC');
    expect(files[5].content).toContain('OnCalendar=Mon..Sat *-*-* 02:00:00 UTC');
    // Shard 4 writes only under its own prefix, and no credential is in any file.
    expect(files[1].content).toContain(`base_url='${bucketUrl}us/shard-04/'`);
    expect(files[1].content).toContain('--param_shard=4 ');
    // No table name in user data: adding a stream must not change it.
    for (const t of backupTables(us, us.storage.hosts[0])) expect(files.map((f) => f.content).join('\n')).not.toContain(t);
    expect(files.map((f) => f.content).join('\n')).not.toMatch(/secret|access_key|AKIA/i);
  });

  test('the script is valid bash', () => {
    const script = renderBackupScript(plan, plan.shards[0], bucketUrl);
    const result = spawnSync('bash', ['-n'], { input: script });
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
  });

  const hasCloudInit = spawnSync('cloud-init', ['--version']).status === 0;
  if (!hasCloudInit) console.warn('Skipping the cloud-init schema check: Debian package `cloud-init` is not installed');
  (hasCloudInit ? test : test.skip)('the write_files entries pass `cloud-init schema`', () => {
    const file = path.join(tempDir('ci-'), 'user-data.yaml');
    fs.writeFileSync(file, renderCloudConfig({
      writeFiles: backupCloudConfigFiles(plan, plan.shards[0].host, bucketUrl),
      runcmd: [['systemctl', 'enable', '--now', 'clickhouse-backup-full.timer', 'clickhouse-backup-incremental.timer']],
    }));
    expect(execFileSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' })).toMatch(/Valid (schema|cloud-config)/);
  });
});

function quote(sql: string): string {
  return `'${sql.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
