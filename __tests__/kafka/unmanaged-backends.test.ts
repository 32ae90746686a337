/**
 * Kafka the region does not create: an existing MSK cluster (`KafkaBackendOptions.existingMsk`,
 * bootstrap brokers read from `aws_msk_bootstrap_brokers`) and any Kafka reached through its
 * bootstrap brokers (`KafkaBackendOptions.external`, kind `external`). Synth, the policy pack
 * (SASL/SCRAM with credentials by ARN passes; a literal password fails), bad input, two stacks on
 * one existing cluster, and `terraform validate` against the real AWS provider schema.
 */
import { App } from 'cdktf';
import { KafkaAuth, KafkaBackendKind } from '../../lib/model/spec';
import { KafkaBackendOptions, RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { smallRegion } from '../safety/specs';
import { testTerraformValidate } from '../support/terraform';
import { cleanUp, resources, SynthesizedStack, synthStacks, tempOutdir } from '../region/support/synth';

afterAll(cleanUp);

const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/shared-ingest/0a1b2c3d-1111-2222-3333-444455556666-7';
const SCRAM_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-clickhouse-AbCdEf';
const BROKERS = 'b-1.kafka.example.com:9096,b-2.kafka.example.com:9096';

/** The small region with its second backend (WarpStream's) declared external with `auth`, and `options` for both backends. */
function externalKafkaRegion(auth: KafkaAuth, options: RegionStackProps['kafkaBackendOptions']): RegionStackProps {
  const small = smallRegion();
  return {
    ...small,
    kafkaBackends: [
      small.kafkaBackends![0],
      { name: 'warpstream_ingestion', kind: KafkaBackendKind.EXTERNAL, auth, topics: small.kafkaBackends![1].topics },
    ],
    kafkaBackendOptions: options,
  };
}

/** The small region with its MSK backend an existing cluster and its WarpStream backend an external SCRAM Kafka. */
function unmanagedRegion(overrides: { external?: Partial<Parameters<typeof KafkaBackendOptions.external>[0]> } = {}): RegionStackProps {
  return externalKafkaRegion(KafkaAuth.SASL_SCRAM, {
    msk_cluster: KafkaBackendOptions.existingMsk({ clusterArn: CLUSTER_ARN, brokerSecurityGroupId: 'sg-0a1b2c3d4e5f60718' }),
    warpstream_ingestion: KafkaBackendOptions.external({ bootstrapBrokers: BROKERS, scramCredentialsSecretArn: SCRAM_ARN, ...overrides.external }),
  });
}

type Block = Record<string, unknown>;
const values = (config: SynthesizedStack['config'], type: string): Block[] => Object.values(resources(config, type));

describe('a region on Kafka it does not create', () => {
  let stack: SynthesizedStack;
  beforeAll(() => {
    stack = synthStacks({ byo: unmanagedRegion() }).byo;
  });

  test('creates no MSK cluster, configuration, key, SCRAM secret or WarpStream agents', () => {
    for (const type of ['aws_msk_cluster', 'aws_msk_configuration', 'aws_msk_scram_secret_association', 'aws_kms_key', 'aws_appautoscaling_target']) {
      expect([type, Object.keys(resources(stack.config, type))]).toEqual([type, []]);
    }
    const releases = values(stack.config, 'helm_release').map((r) => r.chart);
    expect(releases).not.toContain('warpstream-agent');
    expect(values(stack.config, 'aws_secretsmanager_secret').map((s) => s.name)).not.toContainEqual(expect.stringMatching(/^AmazonMSK_/));
  });

  test('reads the existing cluster\'s SASL/IAM bootstrap brokers by ARN and publishes them', () => {
    const data = Object.entries(stack.config.data?.aws_msk_bootstrap_brokers ?? {});
    expect(data).toHaveLength(1);
    const [id, block] = data[0];
    expect(block.cluster_arn).toBe(CLUSTER_ARN);
    const outputs = (stack.config as { output?: Record<string, { value: string }> }).output ?? {};
    expect(outputs.kafka_bootstrap_msk_cluster.value).toBe(`\${data.aws_msk_bootstrap_brokers.${id}.bootstrap_brokers_sasl_iam}`);
    expect(outputs.kafka_bootstrap_warpstream_ingestion.value).toBe(BROKERS);
  });

  test('lets the EKS nodes into the given broker security group on the SASL/IAM port only', () => {
    const rules = values(stack.config, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id === 'sg-0a1b2c3d4e5f60718');
    expect(rules).toEqual([expect.objectContaining({
      from_port: 9098, to_port: 9098, ip_protocol: 'tcp',
      referenced_security_group_id: expect.stringContaining('cluster_security_group_id'),
    })]);
  });

  test('the pods\' and the topics Job\'s IAM policies name the existing cluster', () => {
    const docs = Object.entries(stack.config.data?.aws_iam_policy_document ?? {});
    const naming = docs.filter(([, d]) => JSON.stringify(d.statement).includes(CLUSTER_ARN)).map(([id]) => id);
    expect(naming).toEqual(expect.arrayContaining([
      expect.stringMatching(/^kafka-msk_cluster_ClientPolicy_/), expect.stringMatching(/^ingestion-prerequisites_Topics-msk_cluster_Access_/),
    ]));
  });

  test('both backends\' topics are created by a Job; the external one with the literal brokers and the SCRAM Secret', () => {
    const jobs = resources(stack.config, 'kubernetes_job_v1');
    const [job] = Object.entries(jobs).filter(([id]) => id.startsWith('ingestion-prerequisites_Topics-warpstream_ingestion_Job')).map(([, j]) => j);
    expect(JSON.stringify(job)).toContain(JSON.stringify({ name: 'BOOTSTRAP', value: BROKERS }));
    expect(JSON.stringify(job)).toContain('KAFKA_SASL_PASSWORD_WARPSTREAM_INGESTION');
    expect(Object.keys(jobs).some((id) => id.startsWith('ingestion-prerequisites_Topics-msk_cluster_Job'))).toBe(true);
  });

  test('SASL/SCRAM with the secret by ARN: the policy pack passes and the credentials arrive write-only from that ARN', () => {
    expect(stack.policy.violations).toEqual([]);
    const whole = JSON.stringify(stack.config);
    // The ARN is read by an ephemeral resource; the Kubernetes Secrets take it through data_wo.
    const reads = Object.values((stack.config as { ephemeral?: Record<string, Record<string, Block>> }).ephemeral?.aws_secretsmanager_secret_version ?? {});
    expect(reads.map((r) => r.secret_id)).toContain(SCRAM_ARN);
    const secrets = values(stack.config, 'kubernetes_secret_v1');
    const scram = secrets.filter((s) => JSON.stringify(s.data_wo ?? {}).includes('KAFKA_SASL_PASSWORD_WARPSTREAM_INGESTION'));
    expect(scram.length).toBe(2); // the tiers' Secret and the topics Job's
    expect(secrets.every((s) => s.data === undefined || !JSON.stringify(s.data).includes('KAFKA_SASL_PASSWORD'))).toBe(true);
    expect(whole).not.toMatch(/"password"\s*:\s*"[^$]/);
  });

  testTerraformValidate(() => stack.dir);
});

describe('options of an unmanaged backend', () => {
  test('createTopics: false leaves the topics to the Kafka\'s owners (no Job for that backend)', () => {
    const stack = synthStacks({ notopics: unmanagedRegion({ external: { createTopics: false } }) }).notopics;
    const jobs = Object.keys(resources(stack.config, 'kubernetes_job_v1'));
    expect(jobs.filter((id) => id.includes('Topics-warpstream_ingestion'))).toEqual([]);
    expect(jobs.filter((id) => id.includes('Topics-msk_cluster'))).toHaveLength(1);
  });

  test('bad input: one error naming every problem, before anything is written', () => {
    const spec = externalKafkaRegion(KafkaAuth.SASL_SCRAM, {
      msk_cluster: KafkaBackendOptions.existingMsk({ clusterArn: 'arn:aws:kafka:us-east-1:123:cluster/x', brokerSecurityGroupId: 'sg-nope' }),
      warpstream_ingestion: KafkaBackendOptions.external({ bootstrapBrokers: 'no port here' }),
    });
    const outdir = tempOutdir();
    let message = '';
    try {
      new RegionStack(new App({ outdir }), 'bad', spec);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('kafkaBackendOptions.msk_cluster.clusterArn');
    expect(message).toContain('an MSK cluster ARN');
    expect(message).toContain('kafkaBackendOptions.msk_cluster.brokerSecurityGroupId');
    expect(message).toContain('kafkaBackendOptions.warpstream_ingestion.bootstrapBrokers');
    expect(message).toContain('kafkaBackendOptions.warpstream_ingestion.scramCredentialsSecretArn');
    expect(message).toMatch(/^Invalid region description: 4 problems/);
    // A backend of kind external without its options is a region problem, reported with the others of its kind.
    const missing = { ...spec, kafkaBackends: [...spec.kafkaBackends!, { name: 'other_kafka', kind: KafkaBackendKind.EXTERNAL, topics: [] }] };
    expect(() => new RegionStack(new App({ outdir }), 'bad', missing)).toThrow(/kafkaBackendOptions\.other_kafka: got nothing; expected KafkaBackendOptions\.external/);
  });

  test('a kind and a factory that do not match, and SASL/IAM on an external Kafka, are refused by field', () => {
    const spec = externalKafkaRegion(KafkaAuth.SASL_IAM, {
      msk_cluster: KafkaBackendOptions.external({ bootstrapBrokers: BROKERS }),
      warpstream_ingestion: KafkaBackendOptions.external({ bootstrapBrokers: BROKERS }),
    });
    expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', spec)).toThrow(
      /kafkaBackends\[1\]\.auth: got "sasl-iam"; expected plaintext, tls or sasl-scram[\s\S]*kafkaBackendOptions\.msk_cluster: got "external"; expected options for a msk backend \(KafkaBackendOptions\.msk\(\.\.\.\) or \.existingMsk\(\.\.\.\)\)/,
    );
  });

  test('two stacks consuming one group of one existing cluster are refused; distinct clusters are not', () => {
    const app = new App({ outdir: tempOutdir() });
    new RegionStack(app, 'first', unmanagedRegion());
    const second = { ...unmanagedRegion(), name: 'other', stateBackend: { bucket: 'clickhouse-ingest-tfstate-test', key: 'other.tfstate' } };
    expect(() => new RegionStack(app, 'second', second)).toThrow(new RegExp(`already consumes msk:${CLUSTER_ARN.replace(/[/.-]/g, '\\$&')}/clickhouse_groups/`));
    const elsewhere: RegionStackProps = {
      ...second,
      kafkaBackendOptions: {
        ...second.kafkaBackendOptions,
        msk_cluster: KafkaBackendOptions.existingMsk({ clusterArn: CLUSTER_ARN.replace('shared-ingest', 'another') }),
        warpstream_ingestion: KafkaBackendOptions.external({ bootstrapBrokers: 'b-1.other.example.com:9096', scramCredentialsSecretArn: SCRAM_ARN }),
      },
    };
    expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'third', elsewhere)).not.toThrow();
  });
});

describe('SASL/SCRAM and the policy pack', () => {
  test('MSK with SASL/SCRAM and scramSecretArns: no violation, the ARN is what the Secrets read', () => {
    const small = smallRegion();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_test_clickhouse-AbCdEf';
    const stack = synthStacks({ scram: {
      ...small,
      kafkaBackends: small.kafkaBackends!.map((b) => (b.name === 'msk_cluster' ? { ...b, auth: KafkaAuth.SASL_SCRAM } : b)),
      kafkaBackendOptions: { ...small.kafkaBackendOptions, msk_cluster: KafkaBackendOptions.msk({ scramSecretArns: [arn] }) },
    } }).scram;
    expect(stack.policy.violations).toEqual([]);
    expect(values(stack.config, 'aws_msk_scram_secret_association').map((a) => a.secret_arn_list)).toEqual([[arn]]);
    const reads = Object.values((stack.config as { ephemeral?: Record<string, Record<string, Block>> }).ephemeral?.aws_secretsmanager_secret_version ?? {});
    expect(reads.map((r) => r.secret_id)).toContain(arn);
  });

  test('the SCRAM password written literally into the tiers\' Secret fails the policy pack, naming the password', () => {
    const app = new App({ outdir: tempOutdir(), stackTraces: false });
    const stack = new RegionStack(app, 'literal', unmanagedRegion());
    const secret = stack.ingestionPrerequisites.secrets['clickhouse-ingestion/clickhouse-ingestion'];
    // What a user without a secret ARN would do: put the credentials into the Secret by hand.
    secret.secret.addOverride('data', { KAFKA_SASL_USERNAME_WARPSTREAM_INGESTION: 'clickhouse', KAFKA_SASL_PASSWORD_WARPSTREAM_INGESTION: 'hunter2-but-longer' });
    expect(() => app.synth()).toThrow(/\[policy no-literal-secrets\][^\n]*KAFKA_SASL_PASSWORD_WARPSTREAM_INGESTION[^\n]*a literal value/);
  });
});
