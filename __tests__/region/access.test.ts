/**
 * The access Job through a real synth: present on a first deploy with no migrations, after the
 * pods, the storage hosts and the migration Job; logging in with the migrator's Secret and setting
 * the users' passwords from their Secrets (copied from Secrets Manager, write-only); the same
 * script as the `access/apply-access.sh` artifact; a new Job when nodes or passwords change, the
 * same one otherwise; and no password in any synthesized file.
 */
import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../../examples/schema-evolution/region';
import { READER_PASSWORD_ENV, WRITER_PASSWORD_ENV } from '../../lib/clickhouse/access-users';
import { parseRegionLock } from '../../lib/lock';
import { RegionLockFile } from '../../lib/lock/region-lock-file';
import { RegionStackProps } from '../../lib/constructs/region-stack';
import { cleanUp, resources, synthStacks, SynthesizedStack } from './support/synth';

afterAll(cleanUp);

function synth(spec: RegionStackProps): SynthesizedStack {
  return synthStacks({ evo: spec }).evo;
}

type Job = { metadata: { name: string }; depends_on: string[]; spec: { template: { spec: PodSpec } } };
type PodSpec = { container: { command: string[]; env: { name: string; value_from: { secret_key_ref: { name: string; key: string } } }[] }[]; volume: { config_map: { name: string } }[] };

function accessJob(stack: SynthesizedStack): [string, Job] {
  const jobs = Object.entries(resources(stack.config, 'kubernetes_job_v1')).filter(([, j]) => (j.metadata as { name: string }).name.startsWith('clickhouse-access-'));
  expect(jobs).toHaveLength(1);
  return jobs[0] as [string, Job];
}

describe('access Job', () => {
  const v1 = synth(EVOLVING_REGION);
  const [, job] = accessJob(v1);

  test('exists on a first deploy without migrations, after the pods and the storage hosts', () => {
    expect(job.metadata.name).toMatch(/^clickhouse-access-[0-9a-f]{10}$/);
    const releases = Object.keys(resources(v1.config, 'helm_release')).filter((k) => k.startsWith('tier-')).map((k) => `helm_release.${k}`);
    expect(releases.length).toBeGreaterThan(0);
    expect(job.depends_on).toEqual(expect.arrayContaining(releases));
    for (const type of ['aws_instance', 'aws_route53_record']) {
      const storage = Object.keys(resources(v1.config, type)).filter((k) => k.startsWith('storage_')).map((k) => `${type}.${k}`);
      expect(storage.length).toBeGreaterThan(0);
      expect(job.depends_on).toEqual(expect.arrayContaining(storage));
    }
    const secrets = Object.entries(resources(v1.config, 'kubernetes_secret_v1'));
    const secretKey = (name: string): string => `kubernetes_secret_v1.${secrets.find(([, s]) => (s.metadata as { name: string }).name === name)![0]}`;
    expect(job.depends_on).toEqual(expect.arrayContaining(['clickhouse-schema-migrator', 'clickhouse-writer', 'clickhouse-reader'].map(secretKey)));
  });

  test('logs in as the migrator and reads the users\' passwords from their Secrets, waiting for every node', () => {
    const container = job.spec.template.spec.container[0];
    expect(container.command).toEqual(['/bin/sh', '/access/apply-access.sh', '180', 'fail', '36']);
    expect(container.env.map((e) => [e.name, e.value_from.secret_key_ref])).toEqual([
      ['CLICKHOUSE_USER', { name: 'clickhouse-schema-migrator', key: 'user' }],
      ['CLICKHOUSE_PASSWORD', { name: 'clickhouse-schema-migrator', key: 'password' }],
      [WRITER_PASSWORD_ENV, { name: 'clickhouse-writer', key: 'password' }],
      [READER_PASSWORD_ENV, { name: 'clickhouse-reader', key: 'password' }],
    ]);
    // The ConfigMap it mounts carries the artifact's script.
    const configMap = Object.values(resources(v1.config, 'kubernetes_config_map_v1')).find((c) => (c.metadata as { name: string }).name === job.metadata.name)!;
    const script = v1.artifacts.get('access/apply-access.sh')!;
    expect(script).toContain('CREATE USER IF NOT EXISTS posthog_writer_user');
    // Terraform reads `$${` as a literal `${`: escaped once, the script arrives as written.
    expect((configMap.data as Record<string, string>)['apply-access.sh'].replace(/\$\$\{/g, '${')).toBe(script);
    expect(script).toContain('TRIES="${1:-120}"');
    expect(job.spec.template.spec.volume[0].config_map.name).toBe(job.metadata.name);
  });

  test('a reconcile CronJob runs the same script, skipping nodes that do not answer', () => {
    const crons = Object.values(resources(v1.config, 'kubernetes_cron_job_v1'));
    expect(crons).toHaveLength(1);
    const spec = crons[0].spec as { schedule: string; concurrency_policy: string; job_template: { spec: { template: { spec: PodSpec } } } };
    expect(spec.schedule).toBe('*/15 * * * *');
    expect(spec.concurrency_policy).toBe('Forbid');
    const pod = spec.job_template.spec.template.spec;
    expect(pod.container[0].command).toEqual(['/bin/sh', '/access/apply-access.sh', '1', 'skip', '1']);
    expect(pod.container[0].env).toEqual(job.spec.template.spec.container[0].env);
    expect(pod.volume[0].config_map.name).toBe(job.metadata.name);
  });

  test('the users\' passwords are generated in Secrets Manager and copied write-only, never written', () => {
    const generated = Object.entries(resources(v1.config, 'aws_secretsmanager_secret')).filter(([k]) => /^clickhouse-access_(writer|reader)-secret/.test(k));
    expect(generated).toHaveLength(2);
    for (const [, s] of generated) expect(s.lifecycle).toEqual({ prevent_destroy: true });
    for (const name of ['clickhouse-writer', 'clickhouse-reader']) {
      const secret = Object.values(resources(v1.config, 'kubernetes_secret_v1')).find((s) => (s.metadata as { name: string }).name === name)!;
      const data = secret.data_wo as Record<string, string>;
      expect(data.user).toBe(name === 'clickhouse-writer' ? 'posthog_writer_user' : 'posthog_reader_user');
      expect(data.password).toMatch(/^\$\{ephemeral\.aws_secretsmanager_secret_version\.[^.]+\.secret_string\}$/);
      expect(secret.data).toBeUndefined();
    }
    expect(Object.keys((v1.config as { output: Record<string, unknown> }).output)).toEqual(expect.arrayContaining(['clickhouse_writer_secret_arn', 'clickhouse_reader_secret_arn']));
    expect(v1.policy.violations).toEqual([]);
  });

  test('runs after the migration Job when there are migrations', () => {
    const lock1 = parseRegionLock(v1.artifacts.get('region.lock.json')!, 'region.lock.json');
    const v2 = synthStacks({ evo: { ...EVOLVING_REGION_V2, regionLock: RegionLockFile.of(lock1) } }).evo;
    const [, job2] = accessJob(v2);
    const all = Object.entries(resources(v2.config, 'kubernetes_job_v1')).find(([, j]) => /^schema-migrations-[0-9a-f]+$/.test((j.metadata as { name: string }).name))!;
    expect(job2.depends_on).toContain(`kubernetes_job_v1.${all[0]}`);
  });

  test('a new Job when the nodes or the passwords change, the same one otherwise', () => {
    expect(accessJob(synth(EVOLVING_REGION))[1].metadata.name).toBe(job.metadata.name);
    const rotated = accessJob(synth({ ...EVOLVING_REGION, accessOptions: { passwordRevision: 2 } }))[1];
    expect(rotated.metadata.name).not.toBe(job.metadata.name);
    const grown = accessJob(synth({ ...EVOLVING_REGION, storage: { ...EVOLVING_REGION.storage, shards: EVOLVING_REGION.storage.shards + 1 } }))[1];
    expect(grown.metadata.name).not.toBe(job.metadata.name);
  });

  test('the users\' secrets take the storage cluster\'s KMS key unless access names its own', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/0f0e0d0c-0b0a-0908-0706-050403020100';
    const own = 'arn:aws:kms:eu-west-1:111122223333:key/1f1e1d1c-1b1a-1918-1716-151413121110';
    const keys = (stack: SynthesizedStack): unknown[] => Object.entries(resources(stack.config, 'aws_secretsmanager_secret'))
      .filter(([k]) => k.startsWith('clickhouse-access_')).map(([, s]) => s.kms_key_id);
    expect(keys(v1)).toEqual([undefined, undefined]);
    expect(keys(synth({ ...EVOLVING_REGION, storageClusterOptions: { kmsKeyArn: key } }))).toEqual([key, key]);
    expect(keys(synth({ ...EVOLVING_REGION, storageClusterOptions: { kmsKeyArn: key }, accessOptions: { kmsKeyArn: own } }))).toEqual([own, own]);
  });

  test('refuses bad options with one error naming each', () => {
    expect(() => synth({ ...EVOLVING_REGION, accessOptions: { passwordRevision: 0, triesPerNode: 1.5, reconcileSchedule: 'hourly' } }))
      .toThrow(/accessOptions\.passwordRevision[\s\S]*accessOptions\.triesPerNode[\s\S]*accessOptions\.reconcileSchedule/);
  });
});
