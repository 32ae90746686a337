/**
 * Extra ClickHouse users (`accessOptions.extraUsers`) through a real synth: their passwords copied
 * from Secrets Manager by ARN into the `clickhouse-extra-users` Secret (write-only), the access
 * Job reading each from that Secret, the script creating them on their clusters, a new Job when
 * the list changes, no password in any synthesized file, and bad input refused by field.
 */
import * as fs from 'fs';
import { App } from 'cdktf';
import { EVOLVING_REGION } from '../../examples/schema-evolution/region';
import { ClickHouseExtraUser } from '../../lib/constructs/clickhouse-access';
import { RegionStack, RegionStackProps } from '../../lib/constructs/region-stack';
import { TopologyValidationError } from '../../lib/model';
import { cleanUp, resources, synthStacks, SynthesizedStack, tempOutdir } from './support/synth';

afterAll(cleanUp);

const GRAFANA_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:grafana-clickhouse-AbCdEf';
const LOADER_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:loader-clickhouse-AbCdEf';
const USERS: ClickHouseExtraUser[] = [
  { name: 'grafana', passwordSecretArn: GRAFANA_ARN, roles: ['posthog_reader'] },
  { name: 'loader', passwordSecretArn: LOADER_ARN, passwordJsonKey: 'password', clusters: ['data', 'small'], roles: ['posthog_ingestion_writer'] },
];

function region(extraUsers?: ClickHouseExtraUser[]): RegionStackProps {
  return { ...EVOLVING_REGION, ...(extraUsers !== undefined ? { accessOptions: { extraUsers } } : {}) };
}

type Env = { name: string; value_from: { secret_key_ref: { name: string; key: string } } };
type Job = { metadata: { name: string }; depends_on: string[]; spec: { template: { spec: { container: { env: Env[] }[] } } } };

function accessJob(stack: SynthesizedStack): Job {
  const [job] = Object.values(resources(stack.config, 'kubernetes_job_v1')).filter((j) => (j.metadata as { name: string }).name.startsWith('clickhouse-access-'));
  return job as unknown as Job;
}

describe('extra users in a region', () => {
  const plain = synthStacks({ evo: region() }).evo;
  const stack = synthStacks({ evo: region(USERS) }).evo;
  const secrets = Object.entries(resources(stack.config, 'kubernetes_secret_v1'));
  const [secretId, secret] = secrets.find(([, s]) => (s.metadata as { name: string }).name === 'clickhouse-extra-users')!;

  test('their passwords are copied by ARN into one Secret, write-only, a key per user', () => {
    const data = secret.data_wo as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['grafana', 'loader']);
    const reads = (stack.config as { ephemeral?: Record<string, Record<string, { secret_id: string }>> }).ephemeral!.aws_secretsmanager_secret_version;
    const readOf = (arn: string): string => Object.entries(reads).find(([, r]) => r.secret_id === arn)![0];
    expect(data.grafana).toBe(`\${ephemeral.aws_secretsmanager_secret_version.${readOf(GRAFANA_ARN)}.secret_string}`);
    expect(data.loader).toBe(`\${jsondecode(ephemeral.aws_secretsmanager_secret_version.${readOf(LOADER_ARN)}.secret_string).password}`);
    expect(secret.data).toBeUndefined();
    // Without extra users there is no such Secret.
    expect(Object.values(resources(plain.config, 'kubernetes_secret_v1')).map((s) => (s.metadata as { name: string }).name)).not.toContain('clickhouse-extra-users');
  });

  test('the access Job reads each password from that Secret and waits for it', () => {
    const job = accessJob(stack);
    const env = job.spec.template.spec.container[0].env.filter((e) => e.name.startsWith('CLICKHOUSE_EXTRA_PASSWORD_'));
    expect(env.map((e) => [e.name, e.value_from.secret_key_ref])).toEqual([
      ['CLICKHOUSE_EXTRA_PASSWORD_GRAFANA', { name: 'clickhouse-extra-users', key: 'grafana' }],
      ['CLICKHOUSE_EXTRA_PASSWORD_LOADER', { name: 'clickhouse-extra-users', key: 'loader' }],
    ]);
    expect(job.depends_on).toContain(`kubernetes_secret_v1.${secretId}`);
    // A change of the users is a new Job; the library's users are untouched.
    expect(job.metadata.name).not.toBe(accessJob(plain).metadata.name);
  });

  test('the script creates them on their clusters\' nodes, with the password from the environment', () => {
    const script = stack.artifacts.get('access/apply-access.sh')!;
    expect(script).toContain('CREATE USER IF NOT EXISTS grafana');
    expect(script).toContain('"$(sql_string "$CLICKHOUSE_EXTRA_PASSWORD_LOADER")"');
    const body = (role: string): string => script.slice(script.indexOf(`access_${role}() {`), script.indexOf('\n}', script.indexOf(`access_${role}() {`)));
    expect(body('data')).toContain('GRANT posthog_reader TO grafana');
    expect(body('data')).toContain('GRANT posthog_ingestion_writer TO loader');
    expect(body('small')).toContain('GRANT posthog_ingestion_writer TO loader');
    expect(body('small')).not.toContain('grafana');
  });

  test('no password in any synthesized file, and the policy pack passes', () => {
    expect(stack.policy.violations).toEqual([]);
    const files = [JSON.stringify(stack.config), ...stack.artifacts.values()].join('\n');
    // Every password in a statement is the shell's, from the Job's environment; none is written.
    const identified = files.match(/sha256_password BY .{0,80}/g) ?? [];
    expect(identified.length).toBeGreaterThanOrEqual(4);
    expect(identified.filter((m) => !/^sha256_password BY ' \\*"\$\(sql_string \\*"\$CLICKHOUSE_[A-Z_]+PASSWORD/.test(m))).toEqual([]);
    expect(files).not.toMatch(/"password"\s*:\s*"[^$]/);
  });
});

describe('bad extra users', () => {
  test('one error naming every problem under accessOptions, before anything is written', () => {
    const outdir = tempOutdir();
    let error: unknown;
    try {
      new RegionStack(new App({ outdir }), 'evo', region([
        { name: 'posthog_writer_user', passwordSecretArn: 'correct horse battery staple' },
        { name: 'ops', passwordSecretArn: GRAFANA_ARN, clusters: ['small'], roles: ['posthog_reader'] },
      ]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    expect((error as TopologyValidationError).problems.map((p) => p.field)).toEqual([
      'accessOptions.extraUsers[0].name', 'accessOptions.extraUsers[0].passwordSecretArn', 'accessOptions.extraUsers[1].roles[0]',
    ]);
    expect(fs.readdirSync(outdir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())).toEqual([]);
  });
});
