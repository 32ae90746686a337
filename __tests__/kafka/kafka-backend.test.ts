/**
 * KafkaBackend.msk and KafkaBackend.warpStream: the synthesized Terraform, read back as JSON, and
 * every rejection with the field it names.
 */
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { parse } from 'yaml';
import { BootSecret } from '../../lib/cloud-init/boot-secrets';
import { KafkaBackend, MskBackend, MskClientBrokerEncryption, WarpStreamBackend } from '../../lib/constructs/kafka-backend';
import { KafkaTopics } from '../../lib/constructs/kafka-topics';
import { buildTopology, KafkaAuth, KafkaBackendKind, Topology, TopologySpec, TopologyValidationError } from '../../lib/model';
import { helmRelease, MSK_PROPS, newStack, resources, SMALL_REGION, synthJson, SynthJson, WARPSTREAM_PROPS } from '../ingestion/support/region';

const topology = buildTopology(SMALL_REGION);

/** The small region with the MSK backend authenticating another way. */
function withMskAuth(auth: KafkaAuth): Topology {
  const spec: TopologySpec = {
    ...SMALL_REGION,
    kafkaBackends: SMALL_REGION.kafkaBackends!.map((b) => (b.kind === KafkaBackendKind.MSK ? { ...b, auth } : b)),
  };
  return buildTopology(spec);
}

function only<T>(record: Record<string, T>): T {
  const values = Object.values(record);
  expect(values).toHaveLength(1);
  return values[0];
}

/** What Terraform would see for a token: synthesized through an output. */
function outputOf(stack: TerraformStack, value: string): string {
  const id = `probe${outputs++}`;
  new TerraformOutput(stack, id, { value });
  return (JSON.parse(Testing.synth(stack)) as { output: Record<string, { value: string }> }).output[id].value;
}
let outputs = 0;

function problemsOf(fn: () => unknown): { field: string; expected: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected a TopologyValidationError');
}

describe('KafkaBackend.msk', () => {
  const stack = newStack();
  const msk = KafkaBackend.msk(stack, 'Msk', { topology, ...MSK_PROPS });
  const json = synthJson(stack);
  const cluster = only(resources(json, 'aws_msk_cluster')) as Record<string, any>;

  test('is what the topology says: name, kind, auth, broker-list variable', () => {
    expect(msk).toBeInstanceOf(MskBackend);
    expect(msk.backendName).toBe('msk_cluster');
    expect(msk.kind).toBe(KafkaBackendKind.MSK);
    expect(msk.auth).toBe(KafkaAuth.SASL_IAM);
    expect(msk.brokerListEnv).toBe('KAFKA_HOSTS_MSK_CLUSTER');
    expect(msk.namedCollectionSettings).toEqual({ kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'AWS_MSK_IAM' });
    expect(Object.keys(msk.clickHouseEnvironment)).toEqual(['KAFKA_HOSTS_MSK_CLUSTER']);
    expect(msk.clickHouseSecretEnvironment).toEqual([]);
  });

  test('brokers: one per client subnet, TLS in transit and between brokers, KMS at rest, SASL/IAM', () => {
    expect(cluster.number_of_broker_nodes).toBe(3);
    expect(cluster.broker_node_group_info.client_subnets).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    expect(cluster.encryption_info.encryption_in_transit).toEqual({ client_broker: 'TLS', in_cluster: true });
    const key = only(resources(json, 'aws_kms_key'));
    expect(key.enable_key_rotation).toBe(true);
    expect(cluster.encryption_info.encryption_at_rest_kms_key_arn).toMatch(/^\$\{aws_kms_key\.[A-Za-z0-9_]+\.arn\}$/);
    expect(cluster.client_authentication).toEqual({ sasl: { iam: true } });
  });

  test('a configuration named after the Kafka version, created before the old one is destroyed', () => {
    const config = only(resources(json, 'aws_msk_configuration'));
    expect(config.name).toBe('test-msk-cluster-3-8-x');
    expect(config.kafka_versions).toEqual(['3.8.x']);
    expect(config.lifecycle).toEqual({ create_before_destroy: true });
    expect(String(config.server_properties)).toContain('auto.create.topics.enable=false');
    expect(String(config.server_properties)).toContain('min.insync.replicas=2');
    expect(cluster.configuration_info.revision).toMatch(/latest_revision/);
  });

  test('storage autoscaling on KafkaBrokerStorageUtilization, and the volume size left to it', () => {
    const target = only(resources(json, 'aws_appautoscaling_target'));
    expect(target).toMatchObject({
      service_namespace: 'kafka', scalable_dimension: 'kafka:broker-storage:VolumeSize', min_capacity: 1000, max_capacity: 16384,
    });
    const policy = only(resources(json, 'aws_appautoscaling_policy')) as Record<string, any>;
    expect(policy.policy_type).toBe('TargetTrackingScaling');
    expect(policy.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type)
      .toBe('KafkaBrokerStorageUtilization');
    expect(policy.target_tracking_scaling_policy_configuration.target_value).toBe(60);
    expect(cluster.lifecycle.ignore_changes).toEqual(['broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size']);
    expect(cluster.lifecycle.prevent_destroy).toBe(true);
  });

  test('broker logs go to CloudWatch', () => {
    const group = only(resources(json, 'aws_cloudwatch_log_group'));
    expect(group.name).toBe('/aws/msk/test-msk-cluster');
    expect(cluster.logging_info.broker_logs.cloudwatch_logs).toEqual({ enabled: true, log_group: expect.stringMatching(/aws_cloudwatch_log_group/) });
  });

  test('the security group admits only the ClickHouse security groups, on the IAM port', () => {
    const sg = only(resources(json, 'aws_security_group'));
    expect(sg).not.toHaveProperty('ingress');
    const rules = Object.values(resources(json, 'aws_vpc_security_group_ingress_rule'));
    expect(rules.map((r) => r.referenced_security_group_id).sort()).toEqual(['sg-clickhouse-data', 'sg-clickhouse-pods']);
    for (const r of rules) {
      expect(r).toMatchObject({ ip_protocol: 'tcp', from_port: 9098, to_port: 9098 });
      expect(r).not.toHaveProperty('cidr_ipv4');
      expect(r).not.toHaveProperty('cidr_ipv6');
    }
    expect(JSON.stringify(json)).not.toContain('0.0.0.0/0');
  });

  test.each([
    [KafkaAuth.SASL_IAM, 'bootstrap_brokers_sasl_iam', 9098],
    [KafkaAuth.SASL_SCRAM, 'bootstrap_brokers_sasl_scram', 9096],
    [KafkaAuth.TLS, 'bootstrap_brokers_tls', 9094],
  ])('%s: bootstrap from %s, clients on %d', (auth, attribute, port) => {
    const s = newStack();
    const b = KafkaBackend.msk(s, 'Msk', { topology: withMskAuth(auth), ...MSK_PROPS }) as MskBackend;
    expect(outputOf(s, b.bootstrapBrokers)).toMatch(new RegExp(`^\\$\\{aws_msk_cluster\\.[A-Za-z0-9_]+\\.${attribute}\\}$`));
    expect(b.clientPort).toBe(port);
  });

  test('SASL/SCRAM: an AmazonMSK_ secret under the customer key, a generated password, never a literal', () => {
    const s = newStack();
    KafkaBackend.msk(s, 'Msk', { topology: withMskAuth(KafkaAuth.SASL_SCRAM), ...MSK_PROPS });
    const j = synthJson(s);
    const secret = only(resources(j, 'aws_secretsmanager_secret'));
    expect(String(secret.name)).toMatch(/^AmazonMSK_/);
    expect(secret.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    const version = only(resources(j, 'aws_secretsmanager_secret_version'));
    expect(version).not.toHaveProperty('secret_string');
    expect(String(version.secret_string_wo)).toMatch(/ephemeral\.aws_secretsmanager_random_password\.[A-Za-z0-9_]+\.random_password/);
    const association = only(resources(j, 'aws_msk_scram_secret_association'));
    expect(association.secret_arn_list).toEqual([expect.stringMatching(/aws_secretsmanager_secret\./)]);
    expect(only(resources(j, 'aws_msk_cluster')).client_authentication).toEqual({ sasl: { scram: true } });
    const backend = s.node.findChild('Msk') as MskBackend;
    expect(backend.clickHouseSecretEnvironment).toEqual(['KAFKA_SASL_USERNAME_MSK_CLUSTER', 'KAFKA_SASL_PASSWORD_MSK_CLUSTER']);
    expect(backend.namedCollectionSettings).toEqual({ kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'SCRAM-SHA-512' });
    for (const rule of Object.values(resources(j, 'aws_vpc_security_group_ingress_rule'))) expect(rule.from_port).toBe(9096);
  });

  test('SASL/SCRAM with an existing secret creates none', () => {
    const s = newStack();
    KafkaBackend.msk(s, 'Msk', {
      topology: withMskAuth(KafkaAuth.SASL_SCRAM), ...MSK_PROPS,
      scramSecretArns: ['arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_clickhouse-AbCdEf'],
    });
    const j = synthJson(s);
    expect(resources(j, 'aws_secretsmanager_secret')).toEqual({});
    expect(only(resources(j, 'aws_msk_scram_secret_association')).secret_arn_list)
      .toEqual(['arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_clickhouse-AbCdEf']);
    expect((s.node.findChild('Msk') as MskBackend).scramCredentialsSecretArn)
      .toBe('arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_clickhouse-AbCdEf');
  });

  test('clientPolicyJson: IAM actions on the cluster, its topics and groups', () => {
    const s = newStack();
    const b = KafkaBackend.msk(s, 'Msk', { topology, ...MSK_PROPS }) as MskBackend;
    expect(outputOf(s, b.clientPolicyJson())).toMatch(/^\$\{data\.aws_iam_policy_document\.[A-Za-z0-9_]+\.json\}$/);
    b.clientPolicyJson(); // a second call reuses the same document
    const doc = only((synthJson(s).data ?? {}).aws_iam_policy_document ?? {}) as { statement: { actions: string[] }[] };
    expect(doc.statement.flatMap((st) => st.actions)).toEqual(expect.arrayContaining(['kafka-cluster:Connect', 'kafka-cluster:ReadData', 'kafka-cluster:AlterGroup']));
    expect(doc.statement.flatMap((st) => st.actions)).not.toContain('kafka-cluster:WriteData');
  });

  test('the MSK resources snapshot, for review', () => {
    const { resource } = json;
    expect(Object.fromEntries(Object.entries(resource).filter(([type]) => type.startsWith('aws_')))).toMatchSnapshot();
  });
});

describe('KafkaBackend.msk rejects', () => {
  const msk = (props: Partial<Parameters<typeof KafkaBackend.msk>[2]>, t: Topology = topology) =>
    problemsOf(() => KafkaBackend.msk(newStack(), 'Msk', { topology: t, ...MSK_PROPS, ...props }));

  test('fails when brokers are not a multiple of the subnets', () => {
    expect(msk({ brokerCount: 4 })).toContainEqual({ field: 'brokerCount', value: 4, expected: expect.stringMatching(/multiple of the 3 client subnets/) });
  });

  test('fails with fewer than 2 or more than 3 subnets, or the same subnet twice', () => {
    expect(msk({ clientSubnetIds: ['subnet-a'] }).map((p) => p.field)).toContain('clientSubnetIds');
    expect(msk({ clientSubnetIds: ['a', 'b', 'c', 'd'] }).map((p) => p.field)).toContain('clientSubnetIds');
    expect(msk({ clientSubnetIds: ['a', 'a'] })).toContainEqual(expect.objectContaining({ field: 'clientSubnetIds', expected: expect.stringMatching(/distinct/) }));
  });

  test('fails on SASL without TLS', () => {
    expect(msk({ clientBrokerEncryption: MskClientBrokerEncryption.PLAINTEXT }))
      .toContainEqual(expect.objectContaining({ field: 'clientBrokerEncryption', expected: expect.stringMatching(/SASL needs TLS/) }));
    expect(msk({ clientBrokerEncryption: MskClientBrokerEncryption.PLAINTEXT }, withMskAuth(KafkaAuth.SASL_SCRAM)))
      .toContainEqual(expect.objectContaining({ field: 'clientBrokerEncryption' }));
  });

  test('fails on a volume outside 1–16384 GiB', () => {
    expect(msk({ volumeSizeGiB: 0 })).toContainEqual(expect.objectContaining({ field: 'volumeSizeGiB', expected: 'a whole number from 1 to 16384' }));
    expect(msk({ volumeSizeGiB: 16385 })).toContainEqual(expect.objectContaining({ field: 'volumeSizeGiB' }));
    expect(msk({ volumeSizeGiB: 2000, maxVolumeSizeGiB: 1000 })).toContainEqual(expect.objectContaining({ field: 'maxVolumeSizeGiB' }));
  });

  test('fails without a client security group, and on a SCRAM secret not named AmazonMSK_', () => {
    expect(msk({ clientSecurityGroupIds: [] })).toContainEqual(expect.objectContaining({ field: 'clientSecurityGroupIds' }));
    expect(msk({ scramSecretArns: ['arn:aws:secretsmanager:us-east-1:1:secret:kafka-creds'] }, withMskAuth(KafkaAuth.SASL_SCRAM)))
      .toContainEqual(expect.objectContaining({ field: 'scramSecretArns', expected: expect.stringMatching(/AmazonMSK_/) }));
  });

  test('fails on a backend the topology does not declare, or of the other kind', () => {
    expect(msk({ name: 'nope' })).toContainEqual(expect.objectContaining({ field: 'name', expected: expect.stringMatching(/Kafka backend of the topology/) }));
    expect(msk({ name: 'warpstream_ingestion' })).toContainEqual(expect.objectContaining({ field: 'name', expected: expect.stringMatching(/kind msk/) }));
  });

  test('reports every problem at once', () => {
    expect(msk({ brokerCount: 4, volumeSizeGiB: 0, clientBrokerEncryption: MskClientBrokerEncryption.PLAINTEXT }).length).toBeGreaterThanOrEqual(3);
  });
});

describe('KafkaBackend.warpStream', () => {
  const stack = newStack();
  const ws = KafkaBackend.warpStream(stack, 'WarpStream', { topology, ...WARPSTREAM_PROPS }) as WarpStreamBackend;
  const json: SynthJson = synthJson(stack);

  test('is what the topology says, and bootstraps from the agents\' Service on 9092', () => {
    expect(ws.backendName).toBe('warpstream_ingestion');
    expect(ws.kind).toBe(KafkaBackendKind.WARPSTREAM);
    expect(ws.auth).toBe(KafkaAuth.PLAINTEXT);
    expect(ws.bootstrapBrokers).toBe('warpstream-ingestion.warpstream.svc.cluster.local:9092');
    expect(ws.clickHouseEnvironment).toEqual({ KAFKA_HOSTS_WARPSTREAM_INGESTION: 'warpstream-ingestion.warpstream.svc.cluster.local:9092' });
  });

  test('the bucket: encrypted, private, TLS only, abandoned uploads cleaned, nothing expired, protected', () => {
    const bucket = only(resources(json, 'aws_s3_bucket'));
    expect(bucket.force_destroy).toBe(false);
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(only(resources(json, 'aws_s3_bucket_public_access_block'))).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(JSON.stringify(only(resources(json, 'aws_s3_bucket_server_side_encryption_configuration')))).toContain('AES256');
    const rules = only(resources(json, 'aws_s3_bucket_lifecycle_configuration')).rule as Record<string, unknown>[];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ status: 'Enabled', abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] });
    expect(rules[0]).not.toHaveProperty('expiration');
    const docs = Object.values((json.data ?? {}).aws_iam_policy_document ?? {}) as { statement: Record<string, any>[] }[];
    const tlsOnly = docs.flatMap((d) => d.statement).find((st) => st.sid === 'DenyInsecureTransport');
    expect(tlsOnly).toMatchObject({ effect: 'Deny', condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }] });
  });

  test('the IRSA role: trusted by the agents\' service account only, allowed the bucket only', () => {
    const docs = Object.values((json.data ?? {}).aws_iam_policy_document ?? {}) as { statement: Record<string, any>[] }[];
    const trust = docs.flatMap((d) => d.statement).find((st) => (st.actions as string[]).includes('sts:AssumeRoleWithWebIdentity'))!;
    expect(trust.principals).toEqual([{ type: 'Federated', identifiers: [WARPSTREAM_PROPS.oidcProviderArn] }]);
    expect(trust.condition).toEqual(expect.arrayContaining([
      { test: 'StringEquals', variable: 'oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub', values: ['system:serviceaccount:warpstream:warpstream-ingestion'] },
      { test: 'StringEquals', variable: 'oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud', values: ['sts.amazonaws.com'] },
    ]));
    const access = docs.flatMap((d) => d.statement).filter((st) => st.sid === 'List' || st.sid === 'Objects');
    expect(access.flatMap((st) => st.actions).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    for (const st of access) for (const r of st.resources as string[]) expect(r).toMatch(/^\$\{aws_s3_bucket\.[A-Za-z0-9_]+\.arn\}(\/\*)?$/);
  });

  test('the agents\' release: pinned chart, values the chart accepts, the key from a Secret', () => {
    const { config, values } = helmRelease(json, 'warpstream-ingestion');
    expect(config).toMatchObject({ chart: 'warpstream-agent', repository: 'https://warpstreamlabs.github.io/charts', version: '1.0.82' });
    const v = values as Record<string, any>;
    expect(v.config.bucketURL).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.[A-Za-z0-9_]+\.bucket\}\?region=us-east-1$/);
    expect(v.config).toMatchObject({
      virtualClusterID: 'vci_0123abcd', region: 'us-east-1',
      agentKeySecretKeyRef: { name: 'warpstream-agent-key', key: 'agent-key' }, gracefulShutdownDuration: '300s',
    });
    expect(v.config).not.toHaveProperty('agentKey');
    expect(v.config).not.toHaveProperty('apiKey');
    expect(v.serviceAccount.annotations['eks.amazonaws.com/role-arn']).toMatch(/^\$\{aws_iam_role\.[A-Za-z0-9_]+\.arn\}$/);
    expect(v.serviceAccount.name).toBe('warpstream-ingestion');
    const cpu = Number(v.resources.requests.cpu);
    expect(parseInt(v.resources.requests.memory, 10)).toBeGreaterThanOrEqual(4 * cpu);
    expect(v.resources.limits.memory).toBe(v.resources.requests.memory);
    expect(v.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(parseInt(v.config.gracefulShutdownDuration, 10) + 60);
    expect(config.namespace).toMatch(/kubernetes_namespace_v1/);
  });

  test('the values are YAML a chart can read, with Terraform references kept as quoted strings', () => {
    expect(ws.valuesYaml).toMatch(/bucketURL: "s3:\/\/\$\{TfToken\[TOKEN\.\d+\]\}\?region=us-east-1"/);
    expect(parse(ws.valuesYaml).config.virtualClusterID).toBe('vci_0123abcd');
  });
});

test('an issuer URL that is a Terraform reference loses its https:// in the trust condition', () => {
  const s = newStack();
  const issuer = new TerraformVariable(s, 'issuer', { type: 'string' });
  KafkaBackend.warpStream(s, 'Ws', { topology, ...WARPSTREAM_PROPS, oidcIssuerUrl: issuer.stringValue });
  const docs = Object.values((synthJson(s).data ?? {}).aws_iam_policy_document ?? {}) as { statement: { condition?: { variable: string }[] }[] }[];
  const variables = docs.flatMap((d) => d.statement).flatMap((st) => st.condition ?? []).map((c) => c.variable);
  expect(variables).toContain('${replace(var.issuer, "https://", "")}:sub');
});

describe('KafkaTopics of a SASL/SCRAM backend', () => {
  const GIVEN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_clickhouse-AbCdEf';
  const ephemeralReads = (j: SynthJson): Record<string, { secret_id: string }> =>
    ((j as { ephemeral?: Record<string, Record<string, { secret_id: string }>> }).ephemeral ?? {}).aws_secretsmanager_secret_version ?? {};

  test('MSK with secrets of your own: the Job\'s Secret is copied from the first of scramSecretArns', () => {
    const s = newStack();
    const backend = KafkaBackend.msk(s, 'Msk', { topology: withMskAuth(KafkaAuth.SASL_SCRAM), ...MSK_PROPS, scramSecretArns: [GIVEN] });
    const topics = new KafkaTopics(s, 'Topics', { backend, namespace: 'clickhouse-ingestion' });
    expect(topics.credentials?.secretName).toBe('kafka-topics-msk-cluster-scram');
    const j = synthJson(s);
    expect(Object.values(ephemeralReads(j)).map((r) => r.secret_id)).toEqual([GIVEN]);
    expect(only(resources(j, 'kubernetes_job_v1')).depends_on).toEqual(expect.arrayContaining([
      expect.stringMatching(/^kubernetes_secret_v1\./), expect.stringMatching(/^aws_msk_scram_secret_association\./),
    ]));
  });

  test('a SCRAM backend the stack does not manage: scramCredentials names the secret, else one clear error', () => {
    const scramTopology = withMskAuth(KafkaAuth.SASL_SCRAM);
    const external = (s: TerraformStack): KafkaBackend => KafkaBackend.fromBootstrapBrokers(s, 'Ext', { topology: scramTopology, name: 'msk_cluster', bootstrapBrokers: 'b-1.kafka:9096' });
    const bad = newStack();
    expect(problemsOf(() => new KafkaTopics(bad, 'Topics', { backend: external(bad), namespace: 'clickhouse-ingestion' })).map((p) => p.field))
      .toEqual(['scramCredentials']);
    const s = newStack();
    new KafkaTopics(s, 'Topics', { backend: external(s), namespace: 'clickhouse-ingestion', scramCredentials: BootSecret.fromSecretsManager(GIVEN) });
    const j = synthJson(s);
    expect(Object.values(ephemeralReads(j)).map((r) => r.secret_id)).toEqual([GIVEN]);
    const env = JSON.stringify(only(resources(j, 'kubernetes_job_v1')));
    expect(env).toContain('"secret_key_ref":{"key":"KAFKA_SASL_PASSWORD_MSK_CLUSTER","name":"kafka-topics-msk-cluster-scram"}');
  });
});

describe('KafkaBackend.fromBootstrapBrokers', () => {
  test('creates nothing and hands ClickHouse the given brokers', () => {
    const s = newStack();
    const b = KafkaBackend.fromBootstrapBrokers(s, 'Ext', { topology, name: 'warpstream_ingestion', bootstrapBrokers: 'kafka-0.dev:9092,kafka-1.dev:9092' });
    expect(b.kind).toBe(KafkaBackendKind.WARPSTREAM);
    expect(b.clickHouseEnvironment).toEqual({ KAFKA_HOSTS_WARPSTREAM_INGESTION: 'kafka-0.dev:9092,kafka-1.dev:9092' });
    expect(JSON.parse(Testing.synth(s)).resource ?? {}).toEqual({});
  });

  test('fails on a broker list that is not host:port pairs, and on an unknown backend', () => {
    expect(problemsOf(() => KafkaBackend.fromBootstrapBrokers(newStack(), 'Ext', { topology, name: 'nope', bootstrapBrokers: 'kafka:9092; rm -rf' }))
      .map((p) => p.field)).toEqual(['name', 'bootstrapBrokers']);
  });
});

describe('KafkaBackend.warpStream rejects', () => {
  const ws = (props: Partial<Parameters<typeof KafkaBackend.warpStream>[2]>) =>
    problemsOf(() => KafkaBackend.warpStream(newStack(), 'Ws', { topology, ...WARPSTREAM_PROPS, ...props }));

  test('fails without a virtual cluster id', () => {
    expect(ws({ virtualClusterId: '' })).toContainEqual(expect.objectContaining({ field: 'virtualClusterId', expected: expect.stringMatching(/vci_/) }));
    expect(ws({ virtualClusterId: undefined as unknown as string })).toContainEqual(expect.objectContaining({ field: 'virtualClusterId' }));
  });

  test('fails below 4 GiB per CPU', () => {
    expect(ws({ cpu: 4, memoryGiB: 8 })).toContainEqual(expect.objectContaining({ field: 'memoryGiB', expected: expect.stringMatching(/4 GiB per CPU/) }));
  });

  test('fails when Kubernetes would kill an agent before its graceful shutdown ends', () => {
    expect(ws({ gracefulShutdownSeconds: 300, terminationGracePeriodSeconds: 330 }))
      .toContainEqual(expect.objectContaining({ field: 'terminationGracePeriodSeconds', expected: expect.stringMatching(/\+ 60 \(360\)/) }));
  });

  test('fails without the OIDC provider of IRSA', () => {
    expect(ws({ oidcProviderArn: '' }).map((p) => p.field)).toContain('oidcProviderArn');
  });
});
