/**
 * The region lock through a real synth: written by synth (and read back unchanged), migrations as
 * artifacts and as deploy Jobs, boot scripts in the pods' config, and the guarded topology changes
 * refused before anything is written, naming the resource.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../../examples/schema-evolution/region';
import { parseRegionLock, RegionLock } from '../../lib/lock';
import { Testing, TerraformStack } from 'cdktf';
import { migrationTargets, SchemaMigrationRunner } from '../../lib/constructs/schema-migration-runner';
import { runOrder } from '../../lib/migrations';
import { RegionLockFile, RegionLockOptions } from '../../lib/lock/region-lock-file';
import { buildRegionTopology, RegionStackProps } from '../../lib/constructs/region-stack';
import { cleanUp, resources, synthStacks, SynthesizedStack } from '../region/support/synth';
import { tempDir } from '../support/temp-dir';
import { testApp } from '../support/temp';
import { LiteralText } from '../../lib/constructs/literal-text';

afterAll(cleanUp);

function synth(spec: RegionStackProps, lock?: RegionLock, options: RegionLockOptions = {}): SynthesizedStack {
  return synthStacks({ evo: { ...spec, regionLock: RegionLockFile.of(lock, options) } }).evo;
}

function refusal(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the synth to be refused');
}

/** The metadata names of a stack's Kubernetes Jobs. */
function jobNames(stack: SynthesizedStack): string[] {
  return Object.values(resources(stack.config, 'kubernetes_job_v1')).map((j) => (j.metadata as { name: string }).name);
}

describe('region lock through synth', () => {
  const v1 = synth(EVOLVING_REGION);
  const lock1 = parseRegionLock(v1.artifacts.get('region.lock.json')!, 'region.lock.json');
  const v2 = synth(EVOLVING_REGION_V2, lock1);

  test('a first synth writes a lock with the schema and inventory, and no migrations or Jobs', () => {
    expect(lock1).toMatchObject({ region: 'evo', stack: 'evo', stateKey: 's3://clickhouse-ingest-tfstate-evo/clickhouse-ingest/evo.tfstate', migrations: [] });
    expect(lock1.inventory.storage.hosts).toHaveLength(4);
    expect(lock1.inventory.zookeeper).toHaveLength(3);
    expect(Object.keys(lock1.inventory.backends)).toEqual(['msk_cluster', 'warpstream_ingestion']);
    expect([...v1.artifacts.keys()].some((p) => p.startsWith('migrations/'))).toBe(false);
    // The topics' Jobs and the access Job (first deploy): no schema-migration Job without migrations.
    expect(jobNames(v1).map((n) => n.replace(/-[0-9a-f]{10}$/, '-<hash>')).sort())
      .toEqual(['clickhouse-access-<hash>', 'kafka-topics-msk-cluster', 'kafka-topics-warpstream-ingestion']);
  });

  test('the changed spec synthesizes its migrations as artifacts, named after what they do, and two Jobs', () => {
    const files = [...v2.artifacts.keys()].filter((p) => p.startsWith('migrations/'));
    expect(files).toEqual([
      // One migration per stream: orders (a column added, a leg retired), then clicks (added).
      'migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/01_retire_small.sql',
      'migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/02_storage_data.sql',
      // The read-side Distributed table on DATA follows its data table, like the writable tables.
      'migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/03_writable_data.sql',
      'migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/04_writable_small.sql',
      'migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/05_consumers_small.sql',
      'migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/06_writable-contract_small.sql',
      'migrations/0002_add_stream_clicks/01_storage_data.sql',
      'migrations/0002_add_stream_clicks/02_writable_small.sql',
      'migrations/0002_add_stream_clicks/03_consumers_small.sql',
      'migrations/runner-storage.sh',
      'migrations/runner.sh',
    ]);
    expect(v2.artifacts.get('migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/02_storage_data.sql'))
      .toBe('-- 0001.04: add column referrer\nALTER TABLE posthog.sharded_orders ADD COLUMN IF NOT EXISTS referrer String AFTER note;\n');
    expect(v2.artifacts.get('migrations/0001_add_column_orders_referrer__retire_leg_orders_ws/03_writable_data.sql'))
      .toBe('-- 0001.05: add column referrer\nALTER TABLE posthog.orders ADD COLUMN IF NOT EXISTS referrer String AFTER note;\n');
    // The policy pack (secrets, safety rules) passes the Jobs and their script.
    expect(v2.policy.violations).toEqual([]);
    const jobs = Object.fromEntries(Object.entries(resources(v2.config, 'kubernetes_job_v1'))
      .filter(([, j]) => (j.metadata as { name: string }).name.startsWith('schema-migrations')));
    const names = Object.values(jobs).map((j) => (j.metadata as { name: string }).name).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^schema-migrations-[0-9a-f]{10}$/);
    expect(names[1]).toBe(names[0].replace('schema-migrations-', 'schema-migrations-storage-'));
    // The tiers roll after the storage Job; the finishing Job waits for the tiers.
    const release = Object.values(resources(v2.config, 'helm_release')).find((r) => String(r.name).includes('small'))!;
    const storageJobKey = Object.entries(jobs).find(([, j]) => (j.metadata as { name: string }).name.includes('storage'))![0];
    expect(release.depends_on).toContain(`kubernetes_job_v1.${storageJobKey}`);
    const allJob = Object.entries(jobs).find(([k]) => k !== storageJobKey)![1];
    expect((allJob.depends_on as string[]).some((d) => d.startsWith('helm_release.'))).toBe(true);
  });

  test('the Jobs log in as clickhouse_migrator from a Secret the stack creates, after it and its namespace exist', () => {
    const secrets = Object.entries(resources(v2.config, 'kubernetes_secret_v1'));
    const [secretKey, secret] = secrets.find(([, b]) => (b.metadata as { name: string }).name === 'clickhouse-schema-migrator')!;
    const namespaces = Object.entries(resources(v2.config, 'kubernetes_namespace_v1'));
    const [namespaceKey] = namespaces.find(([, b]) => (b.metadata as { name: string }).name === 'clickhouse-ingestion')!;
    expect((secret.metadata as { namespace: string }).namespace).toMatch(new RegExp(`^(clickhouse-ingestion|\\$\\{kubernetes_namespace_v1\\.${namespaceKey}\\.)`));
    // Write-only: the user name is not secret, the password is the storage hosts' own, read ephemerally after its version exists.
    const data = secret.data_wo as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['password', 'user']);
    expect(data.user).toBe('clickhouse_migrator');
    expect(data.password).toMatch(/^\$\{ephemeral\.aws_secretsmanager_secret_version\.[^.]+\.secret_string\}$/);
    expect(secret.data).toBeUndefined();
    const readId = /ephemeral\.aws_secretsmanager_secret_version\.([^.]+)\./.exec(data.password)![1];
    const read = (v2.config as { ephemeral: Record<string, Record<string, Record<string, unknown>>> }).ephemeral.aws_secretsmanager_secret_version[readId];
    expect(read.secret_id).toMatch(/^\$\{aws_secretsmanager_secret\.storage_migrator-secret_[^.]+\.arn\}$/);
    expect((read.depends_on as string[]).some((d) => d.startsWith('aws_secretsmanager_secret_version.storage_migrator-secret-version'))).toBe(true);
    expect((secret.depends_on as string[])).toContain(`kubernetes_namespace_v1.${namespaceKey}`);
    const runnerJobs = Object.values(resources(v2.config, 'kubernetes_job_v1')).filter((j) => (j.metadata as { name: string }).name.startsWith('schema-migrations-'));
    expect(runnerJobs).toHaveLength(2);
    for (const job of runnerJobs) {
      expect(job.depends_on).toEqual(expect.arrayContaining([`kubernetes_secret_v1.${secretKey}`, `kubernetes_namespace_v1.${namespaceKey}`]));
      const container = ((job.spec as { template: { spec: { container: { env: { name: string; value_from: { secret_key_ref: unknown } }[] }[] } } }).template.spec.container[0]);
      expect(container.env.map((e) => [e.name, e.value_from.secret_key_ref])).toEqual([
        ['CLICKHOUSE_USER', { name: 'clickhouse-schema-migrator', key: 'user' }],
        ['CLICKHOUSE_PASSWORD', { name: 'clickhouse-schema-migrator', key: 'password' }],
      ]);
    }
    // No literal secret, no unsafe resource: the policy pack passes the Secret and the Jobs.
    expect(v2.policy.violations).toEqual([]);
    // The generated password is protected like the other boot secrets.
    const generated = Object.entries(resources(v2.config, 'aws_secretsmanager_secret')).find(([k]) => k.startsWith('storage_migrator-secret_'))![1];
    expect(generated.lifecycle).toEqual({ prevent_destroy: true });
  });

  test('the Job script runs the runner\'s order, is valid sh, and reaches Terraform escaped', () => {
    const script = v2.artifacts.get('migrations/runner.sh')!;
    const topology = buildRegionTopology(EVOLVING_REGION_V2);
    const lock2 = parseRegionLock(v2.artifacts.get('region.lock.json')!, 'lock');
    const order = runOrder(lock2.migrations, migrationTargets(topology, lock1)).map((p) => `${p.target.host} ${p.step.id}`);
    const steps = [...script.matchAll(/^step '([^']+)' '([^']+)'/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(steps).toEqual(order);
    expect(order).toContain('ch-data-s01-r1.evo.clickhouse.internal 0001.04');
    expect(order).toContain('ch-data-s01-r1.evo.clickhouse.internal 0001.05');
    // The pods' grants on the new stream's writable tables (0002.07, .08) are the Job's; its last step is the dead-letter view.
    expect(order).toContain('chi-ingestion-small-small-1-0 0002.07');
    expect(order).toContain('chi-ingestion-small-small-1-0 0002.11');
    // Storage hosts and pods of the last lock must answer; none is new here.
    expect(script).toContain("check 'ch-data-s02-r2.evo.clickhouse.internal' required");
    const file = path.join(tempDir('runner-'), 'runner.sh');
    fs.writeFileSync(file, script);
    execFileSync('sh', ['-n', file]);
    const configMap = Object.values(resources(v2.config, 'kubernetes_config_map_v1')).find((c) => /^schema-migrations-[0-9a-f]+$/.test(String((c.metadata as { name: string }).name)))!;
    expect((configMap.data as Record<string, string>)['migrate.sh'].replace(/\$\$\{/g, '${')).toBe(script);
    const storageScript = v2.artifacts.get('migrations/runner-storage.sh')!;
    // Before the rollout: the retire phase on the pods, the storage phase on the storage hosts, nothing else.
    const before = [...storageScript.matchAll(/^step '([^']+)' '([^']+)'/gm)].map((m) => `${m[1]} ${m[2]}`);
    const phaseOf = new Map(lock2.migrations.flatMap((m) => m.steps.map((st) => [st.id, st.phase] as const)));
    expect([...new Set(before.map((b) => phaseOf.get(b.split(' ')[1])))]).toEqual(['retire', 'storage']);
    expect(before.filter((b) => b.startsWith('ch-data-')).every((b) => phaseOf.get(b.split(' ')[1]) === 'storage')).toBe(true);
  });

  test('a step whose SQL holds ${…} reaches the ConfigMap escaped once, by the stack\'s LiteralText aspect', () => {
    const lock2 = parseRegionLock(v2.artifacts.get('region.lock.json')!, 'lock');
    const marker = "-- ${not_a_reference} %{ not_a_directive }";
    const migrations = lock2.migrations.map((m, i) => (i === 0 ? { ...m, steps: m.steps.map((st, j) => (j === 0 ? { ...st, sql: `${st.sql} ${marker}` } : st)) } : m));
    // On its own in a stack, and in a stack that already escapes (as RegionStack's does).
    for (const escapedAlready of [false, true]) {
      const stack = new TerraformStack(testApp(), 'runner');
      if (escapedAlready) LiteralText.applyTo(stack);
      const runner = new SchemaMigrationRunner(stack, 'migrations', { topology: buildRegionTopology(EVOLVING_REGION_V2), migrations, previousLock: lock1 });
      expect(runner.scriptText).toContain(marker);
      const json = JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, { data?: Record<string, string> }>> };
      const written = Object.values(json.resource.kubernetes_config_map_v1).map((c) => c.data?.['migrate.sh']).find((d) => d !== undefined && d.includes('not_a_reference'))!;
      expect(written).toContain('-- $${not_a_reference} %%{ not_a_directive }');
      expect(written.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')).toBe(runner.scriptText);
    }
  });

  test('pods apply their pending steps at boot, before their IF NOT EXISTS schema', () => {
    const values = [...v2.artifacts.entries()].find(([p]) => p.startsWith('helm/') && p.includes('small'))![1];
    expect(values).toContain('<condition>SELECT count() = 0 FROM clickhouse_ingest.schema_migrations WHERE step = \'0001.06\'</condition>');
    // Grants are not run at boot (a failing GRANT would stop a consuming pod): the Job after the rollout applies them.
    expect(values).toContain('<condition>SELECT count() = 0 FROM clickhouse_ingest.schema_migrations WHERE step = \'0002.06\'</condition>');
    expect(values).not.toContain('WHERE step = \'0002.07\'');
    // (The migrator user's own grants in users.d/schema_migrator.xml are config, not boot statements.)
    const startupScripts = values.slice(values.indexOf('config.d/startup_scripts.xml:'), values.indexOf('config.d/system_logs.xml:'));
    expect(startupScripts).toContain('<startup_scripts>');
    expect(startupScripts).not.toContain('GRANT');
    expect(values.indexOf('clickhouse_ingest.schema_migrations')).toBeLessThan(values.indexOf('CREATE TABLE IF NOT EXISTS posthog.writable_orders'));
  });

  test('a synth with the lock it wrote generates nothing new and writes the same lock', () => {
    const dir = tempDir('lock-');
    const file = path.join(dir, 'evo.lock.json');
    fs.writeFileSync(file, v2.artifacts.get('region.lock.json')!);
    const before = fs.readFileSync(file, 'utf8');
    const again = synthStacks({ evo: { ...EVOLVING_REGION_V2, regionLock: RegionLockFile.at(file) } }).evo;
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(again.artifacts.get('migrations/runner.sh')).toBe(v2.artifacts.get('migrations/runner.sh'));
    // A new lock file is written by synth where the project keeps it.
    const fresh = path.join(dir, 'new.lock.json');
    synthStacks({ evo: { ...EVOLVING_REGION, regionLock: RegionLockFile.at(fresh) } });
    expect(fs.readFileSync(fresh, 'utf8')).toBe(v1.artifacts.get('region.lock.json'));
  });

  test('a synth dropping a shard is refused, naming it, unless it is marked decommissioned', () => {
    const oneShard = { ...EVOLVING_REGION, storage: { ...EVOLVING_REGION.storage, shards: 1 } };
    const message = refusal(() => synth(oneShard, lock1));
    expect(message).toContain('storage.shards (shard 2)');
    expect(message).toContain('storage shard 2 (ch-data-s02-r1, ch-data-s02-r2) holds data');
    expect(message).toContain('{ decommissioned: { shards: [2] } }');
    const ok = synth(oneShard, lock1, { decommissioned: { shards: [2] } });
    expect(parseRegionLock(ok.artifacts.get('region.lock.json')!, 'lock').inventory.storage.hosts).toEqual(['ch-data-s01-r1', 'ch-data-s01-r2']);
  });

  test('a synth dropping a backend is refused, naming it, unless it is marked decommissioned', () => {
    const noWarpStream: RegionStackProps = {
      ...EVOLVING_REGION_V2,
      kafkaBackends: EVOLVING_REGION_V2.kafkaBackends!.filter((b) => b.name !== 'warpstream_ingestion'),
      kafkaBackendOptions: {},
    };
    const message = refusal(() => synth(noWarpStream, lock1));
    expect(message).toContain('kafkaBackends (warpstream_ingestion)');
    expect(message).toContain("{ decommissioned: { backends: ['warpstream_ingestion'] } }");
    expect(() => synth(noWarpStream, lock1, { decommissioned: { backends: ['warpstream_ingestion'] } })).not.toThrow();
  });

  test('a removed stream, a ZooKeeper ensemble change and a rename are refused with their procedure', () => {
    const noOrders: RegionStackProps = { ...EVOLVING_REGION, streams: [] };
    expect(refusal(() => synth(noOrders, lock1))).toContain("its data table posthog.sharded_orders holds data. Mark it { decommissioned: { streams: { orders: 'keep-data' } } }");
    const kept = synth(noOrders, lock1, { decommissioned: { streams: { orders: 'keep-data' } } });
    const keptLock = parseRegionLock(kept.artifacts.get('region.lock.json')!, 'lock');
    // keep-data keeps the stream's tables on DATA: its rows, its dead letters, and the read-side table that reads them.
    expect(keptLock.inventory.retainedTables).toEqual(['orders', 'orders_dead_letters', 'sharded_orders']);
    expect(keptLock.migrations.flatMap((m) => m.steps).some((s) => s.role === 'data')).toBe(false);
    const dropped = parseRegionLock(synth(noOrders, lock1, { decommissioned: { streams: { orders: 'drop-data' } } }).artifacts.get('region.lock.json')!, 'lock');
    // drop-data drops them all, last; the grants on them are left in place.
    expect(dropped.migrations.at(-1)!.steps.filter((s) => s.role === 'data').map((s) => `${s.phase}: ${s.sql}`)).toEqual([
      'storage-contract: DROP TABLE IF EXISTS posthog.orders_dead_letters SYNC',
      'storage-contract: DROP TABLE IF EXISTS posthog.sharded_orders SYNC',
      'storage-contract: DROP TABLE IF EXISTS posthog.orders SYNC',
    ]);
    expect(dropped.migrations.at(-1)!.steps.at(-1)!.phase).toBe('storage-contract');
    expect(dropped.inventory.retainedTables).toEqual([]);

    const fiveZk = { ...EVOLVING_REGION, zookeeper: { nodes: 5 } };
    expect(refusal(() => synth(fiveZk, lock1))).toMatch(/zookeeper.nodes: got 5; expected 3 members as deployed .*one member at a time/);
    expect(() => synth(fiveZk, lock1, { acknowledged: { zookeeperEnsembleSize: 5 } })).not.toThrow();

    const renamed = { ...EVOLVING_REGION, name: 'evo2' };
    const message = refusal(() => synth(renamed, lock1));
    expect(message).toContain('name: got "evo2"; expected evo as recorded in the lock');
    expect(message).toContain('stateBackend: got "s3://clickhouse-ingest-tfstate-evo/clickhouse-ingest/evo2.tfstate"');
    expect(message).toContain("stateMovedFrom: 's3://clickhouse-ingest-tfstate-evo/clickhouse-ingest/evo.tfstate'");
  });

  test('malformed or contradicting markers are one clear error', () => {
    const message = refusal(() => synth(EVOLVING_REGION, lock1, {
      decommissioned: { shards: [1], replicas: ['3' as never], streams: { orders: 'gone' as never } },
      acknowledged: { zookeeperEnsembleSize: 5 },
    }));
    expect(message).toContain('decommissioned.shards: got 1; expected a shard no longer in the spec');
    expect(message).toContain('decommissioned.replicas: got ["3"]; expected replica numbers');
    expect(message).toContain('decommissioned.streams.orders: got "gone"; expected \'keep-data\' or \'drop-data\'');
    expect(message).toContain('acknowledged.zookeeperEnsembleSize: got 5; expected the ensemble size of the spec (3)');
  });

  test('a refused synth writes nothing: no stack folder, the lock file untouched', () => {
    const dir = tempDir('lock-');
    const file = path.join(dir, 'evo.lock.json');
    fs.writeFileSync(file, v1.artifacts.get('region.lock.json')!);
    const outdir = tempDir('out-');
    expect(() => synthStacks({ evo: { ...EVOLVING_REGION, storage: { shards: 1, replicas: 2 }, regionLock: RegionLockFile.at(file) } }, outdir)).toThrow(/shard 2/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'evo'))).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe(v1.artifacts.get('region.lock.json'));
  });
});
