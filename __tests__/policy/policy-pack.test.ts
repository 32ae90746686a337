import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { MskCluster } from '@cdktf/provider-aws/lib/msk-cluster';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SecurityGroupRule } from '@cdktf/provider-aws/lib/security-group-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { buildTopology, Topology, TopologyValidationError } from '../../lib/model';
import { PolicyPack, PolicyPackOptions, PolicyRuleId } from '../../lib/policy';
import { RegionStack } from '../../lib/constructs/region-stack';
import { US_TOPOLOGY } from '../../stacks/us';
import { smallRegion } from '../safety/specs';
import { testApp } from '../support/temp';

/** A stack whose every resource passes the pack: each test adds one thing that breaks one rule. */
function compliantStack(options: PolicyPackOptions = {}, outdir?: string): { app: App; stack: TerraformStack; pack: PolicyPack } {
  const app = outdir ? new App({ outdir }) : testApp();
  const stack = new TerraformStack(app, 'region');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new HelmProvider(stack, 'helm', {});
  const storage = new Construct(stack, 'storage');
  new SecurityGroup(storage, 'sg', {
    name: 'ch-data',
    ingress: [{ fromPort: 9000, toPort: 9000, protocol: 'tcp', cidrBlocks: ['10.0.0.0/16'] }],
  });
  new VpcSecurityGroupIngressRule(storage, 'http', {
    securityGroupId: 'sg-1', cidrIpv4: '10.0.0.0/16', fromPort: 8123, toPort: 8123, ipProtocol: 'tcp',
  });
  new Instance(storage, 'node', {
    ami: 'ami-123', instanceType: 'i8ge.xlarge',
    rootBlockDevice: { encrypted: true },
    metadataOptions: { httpTokens: 'required' },
    lifecycle: { preventDestroy: true },
  });
  new EbsVolume(storage, 'volume', { availabilityZone: 'us-east-1a', size: 100, encrypted: true, lifecycle: { preventDestroy: true } });
  addBucket(storage, 'backups', {});
  new MskCluster(stack, 'msk', {
    clusterName: 'msk', kafkaVersion: '3.8.x', numberOfBrokerNodes: 3,
    brokerNodeGroupInfo: { clientSubnets: ['a', 'b', 'c'], instanceType: 'kafka.m7g.large', securityGroups: ['sg-1'] },
    encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
  });
  new Release(stack, 'ingestion_small', { name: 'ingestion-small', chart: './chart', values: [stringify({ installation: chi('ingestion-small', 'Delete', 1) })] });
  const pack = PolicyPack.apply(stack, options);
  return { app, stack, pack };
}

interface BucketFlaws {
  readonly noEncryption?: boolean;
  readonly noPublicAccessBlock?: boolean;
  readonly publicPolicyFlagOff?: boolean;
  readonly noTlsPolicy?: boolean;
  readonly tlsPolicyAsJson?: boolean;
  readonly noPreventDestroy?: boolean;
}

function addBucket(scope: Construct, id: string, flaws: BucketFlaws): S3Bucket {
  const bucket = new S3Bucket(scope, id, { bucket: `region-${id}`, lifecycle: { preventDestroy: !flaws.noPreventDestroy } });
  if (!flaws.noEncryption) {
    new S3BucketServerSideEncryptionConfigurationA(scope, `${id}_sse`, {
      bucket: bucket.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
    });
  }
  if (!flaws.noPublicAccessBlock) {
    new S3BucketPublicAccessBlock(scope, `${id}_pab`, {
      bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: !flaws.publicPolicyFlagOff, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
  }
  if (!flaws.noTlsPolicy) {
    const deny = flaws.tlsPolicyAsJson
      ? JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      })
      : new DataAwsIamPolicyDocument(scope, `${id}_tls`, {
        statement: [{
          effect: 'Deny', actions: ['s3:*'], resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        }],
      }).json;
    new S3BucketPolicy(scope, `${id}_policy`, { bucket: bucket.id, policy: deny });
  }
  return bucket;
}

/** A minimal ClickHouseInstallation as the ingestion tier renders it (lib/kubernetes/chi.ts). */
function chi(name: string, reclaimPolicy: string | undefined, foreground: number | undefined, underSpec = false): Record<string, unknown> {
  const vct: Record<string, unknown> = { name: 'cache', spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } };
  if (reclaimPolicy !== undefined) {
    if (underSpec) (vct.spec as Record<string, unknown>).reclaimPolicy = reclaimPolicy;
    else vct.reclaimPolicy = reclaimPolicy;
  }
  const files: Record<string, string> = {};
  if (foreground !== undefined) {
    files['users.d/profile.xml'] = `<clickhouse><profiles><default><distributed_foreground_insert>${foreground}</distributed_foreground_insert></default></profiles></clickhouse>`;
  }
  return {
    apiVersion: 'clickhouse.altinity.com/v1', kind: 'ClickHouseInstallation', metadata: { name },
    spec: { configuration: { clusters: [{ name: 'c', layout: { shardsCount: 1, replicasCount: 1 } }], files }, templates: { volumeClaimTemplates: [vct] } },
  };
}

function ruleIdsOf(pack: PolicyPack): PolicyRuleId[] {
  return [...new Set(pack.run().map((v) => v.ruleId))];
}

const tmpdirs: string[] = [];
afterAll(() => tmpdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmpOutdir(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'cdktf.out');
  tmpdirs.push(path.dirname(dir));
  return dir;
}

describe('policy pack: a compliant stack', () => {
  test('passes every rule and synthesizes', () => {
    const outdir = tmpOutdir();
    const { app, pack } = compliantStack({}, outdir);
    app.synth();
    expect(pack.violations).toEqual([]);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'region', 'cdk.tf.json'))).toBe(true);
  });
});

describe('policy pack: each rule catches its violation', () => {
  const cases: [PolicyRuleId, string, (stack: TerraformStack) => void][] = [
    ['no-public-data-ingress', 'security group ingress from 0.0.0.0/0 to 9000', (s) => {
      new SecurityGroup(s, 'open', { ingress: [{ fromPort: 9000, toPort: 9000, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] });
    }],
    ['no-public-data-ingress', 'security group rule from ::/0 over a port range covering 8123', (s) => {
      new SecurityGroupRule(s, 'open', { type: 'ingress', securityGroupId: 'sg-1', fromPort: 8000, toPort: 8200, protocol: 'tcp', ipv6CidrBlocks: ['::/0'] });
    }],
    ['no-public-data-ingress', 'vpc ingress rule from 0.0.0.0/0 on all protocols', (s) => {
      new VpcSecurityGroupIngressRule(s, 'open', { securityGroupId: 'sg-1', cidrIpv4: '0.0.0.0/0', ipProtocol: '-1' });
    }],
    ['ebs-encrypted', 'an unencrypted volume', (s) => {
      new EbsVolume(s, 'plain', { availabilityZone: 'us-east-1a', size: 10, lifecycle: { preventDestroy: true } });
    }],
    ['ebs-encrypted', 'an instance without an encrypted root volume', (s) => {
      new Instance(s, 'plain', { ami: 'ami-1', instanceType: 't3.micro', metadataOptions: { httpTokens: 'required' }, lifecycle: { preventDestroy: true } });
    }],
    ['bucket-encrypted', 'a bucket without SSE configuration', (s) => { addBucket(s, 'raw', { noEncryption: true }); }],
    ['bucket-public-access-blocked', 'a bucket without a public access block', (s) => { addBucket(s, 'raw', { noPublicAccessBlock: true }); }],
    ['bucket-public-access-blocked', 'a public access block with block_public_policy off', (s) => { addBucket(s, 'raw', { publicPolicyFlagOff: true }); }],
    ['bucket-tls-only', 'a bucket without a TLS-only policy', (s) => { addBucket(s, 'raw', { noTlsPolicy: true }); }],
    ['imdsv2-required', 'an instance allowing IMDSv1', (s) => {
      new Instance(s, 'v1', { ami: 'ami-1', instanceType: 't3.micro', rootBlockDevice: { encrypted: true }, metadataOptions: { httpTokens: 'optional' }, lifecycle: { preventDestroy: true } });
    }],
    ['stateful-prevent-destroy', 'a data volume without prevent_destroy', (s) => {
      new EbsVolume(s, 'fragile', { availabilityZone: 'us-east-1a', size: 10, encrypted: true });
    }],
    ['stateful-prevent-destroy', 'a bucket without prevent_destroy', (s) => {
      addBucket(s, 'fragile', { noPreventDestroy: true });
    }],
    ['stateless-tier-reclaim-delete', 'an ingestion installation with Retain', (s) => {
      new Release(s, 'ingestion_bad', { name: 'b', chart: './chart', values: [stringify({ installation: chi('ingestion-bad', 'Retain', 1) })] });
    }],
    ['stateless-tier-reclaim-delete', 'reclaimPolicy nested under spec (ignored by the operator)', (s) => {
      new Release(s, 'ingestion_bad', { name: 'b', chart: './chart', values: [stringify({ installation: chi('ingestion-bad', 'Delete', 1, true) })] });
    }],
    ['stateless-tier-foreground-insert', 'an ingestion installation without distributed_foreground_insert', (s) => {
      new Release(s, 'ingestion_bad', { name: 'b', chart: './chart', values: [stringify({ installation: chi('ingestion-bad', 'Delete', undefined) })] });
    }],
    ['stateless-tier-foreground-insert', 'an ingestion installation with distributed_foreground_insert=0', (s) => {
      new Release(s, 'ingestion_bad', { name: 'b', chart: './chart', values: [stringify({ installation: chi('ingestion-bad', 'Delete', 0) })] });
    }],
    ['storage-tier-never-delete', 'a storage installation relying on the operator default (Delete)', (s) => {
      new Release(s, 'storage_chi', { name: 's', chart: './chart', values: [stringify(chi('storage', undefined, undefined))] });
    }],
    ['storage-tier-never-delete', 'a data instance whose inline EBS volume dies with it', (s) => {
      new Instance(s, 'inline', {
        ami: 'ami-1', instanceType: 'i8ge.xlarge', rootBlockDevice: { encrypted: true }, metadataOptions: { httpTokens: 'required' },
        ebsBlockDevice: [{ deviceName: '/dev/sdf', volumeSize: 100, encrypted: true, deleteOnTermination: true }], lifecycle: { preventDestroy: true },
      });
    }],
    ['msk-in-transit-tls', 'MSK accepting plaintext clients', (s) => {
      new MskCluster(s, 'plain_msk', {
        clusterName: 'p', kafkaVersion: '3.8.x', numberOfBrokerNodes: 3,
        brokerNodeGroupInfo: { clientSubnets: ['a', 'b', 'c'], instanceType: 'kafka.m7g.large', securityGroups: ['sg-1'] },
        encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS_PLAINTEXT' } },
      });
    }],
    ['no-literal-secrets', 'a password in Helm values', (s) => {
      new Release(s, 'with_password', { name: 'w', chart: './chart', values: ['clickhouse:\n  user: app\n  password: hunter2hunter2\n'] });
    }],
    ['no-literal-secrets', 'an AWS access key id in a tag', (s) => {
      new EbsVolume(s, 'tagged', { availabilityZone: 'us-east-1a', size: 1, encrypted: true, lifecycle: { preventDestroy: true }, tags: { note: 'AKIAIOSFODNN7EXAMPLE' } });
    }],
  ];

  test.each(cases)('%s: %s', (ruleId, _what, addViolation) => {
    const { stack, pack } = compliantStack();
    addViolation(stack);
    expect(ruleIdsOf(pack)).toEqual([ruleId]);
  });
});

describe('policy pack: stopping synthesis', () => {
  const addOpenIngress = (s: TerraformStack): void => {
    new SecurityGroup(s, 'open', { ingress: [{ fromPort: 9000, toPort: 9000, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] });
  };

  test('fails app.synth() before any stack file is written', () => {
    const outdir = tmpOutdir();
    const { app, stack } = compliantStack({}, outdir);
    addOpenIngress(stack);
    expect(() => app.synth()).toThrow(/no-public-data-ingress.*0\.0\.0\.0\/0/);
    // new App() already created cdktf.out/stacks/; nothing of this stack may be in it.
    expect(fs.readdirSync(path.join(outdir, 'stacks'))).toEqual([]);
  });

  test('fails app.synth() through the error annotation when validations are skipped', () => {
    const outdir = tmpOutdir();
    const app = new App({ outdir, skipValidation: true });
    const stack = new TerraformStack(app, 'region');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    addOpenIngress(stack);
    PolicyPack.apply(stack);
    expect(() => app.synth()).toThrow(/Encountered Annotations with level "ERROR"[\s\S]*no-public-data-ingress/);
  });

  test('fails Testing.synth(stack, true) and annotates the offending construct once across repeated synths', () => {
    const { stack } = compliantStack();
    addOpenIngress(stack);
    expect(() => Testing.synth(stack, true)).toThrow(/no-public-data-ingress/);
    expect(() => Testing.synth(stack, true)).toThrow(/no-public-data-ingress/);
    const open = stack.node.findChild('open');
    expect(open.node.metadata.filter((m) => m.type === '@cdktf/error')).toHaveLength(1);
  });
});

describe('policy pack: suppression', () => {
  test('a suppression with a reason lets the violation through, records the reason, and leaves other rules on', () => {
    const outdir = tmpOutdir();
    const { app, stack, pack } = compliantStack({}, outdir);
    const bastion = new Construct(stack, 'bastion');
    new Instance(bastion, 'host', { ami: 'ami-1', instanceType: 't3.micro', rootBlockDevice: { encrypted: true }, metadataOptions: { httpTokens: 'required' } });
    PolicyPack.suppress(bastion, 'stateful-prevent-destroy', 'the bastion keeps no data and is rebuilt from its AMI');
    app.synth();
    expect(pack.violations).toEqual([]);
    expect(pack.suppressed).toEqual([expect.objectContaining({
      ruleId: 'stateful-prevent-destroy', reason: 'the bastion keeps no data and is rebuilt from its AMI',
    })]);
    expect(bastion.node.metadata.some((m) => m.type === '@cdktf/info' && /stateful-prevent-destroy suppressed: the bastion/.test(m.data))).toBe(true);
  });

  test('a suppression covers only its own scope', () => {
    const { stack, pack } = compliantStack();
    const bastion = new Construct(stack, 'bastion');
    PolicyPack.suppress(bastion, 'stateful-prevent-destroy', 'stateless bastion');
    new EbsVolume(stack, 'elsewhere', { availabilityZone: 'us-east-1a', size: 1, encrypted: true });
    expect(ruleIdsOf(pack)).toEqual(['stateful-prevent-destroy']);
  });

  test('a stack-wide suppression through options', () => {
    const { stack, pack } = compliantStack({ suppressions: { 'msk-in-transit-tls': 'a lab cluster on a private network' } });
    new MskCluster(stack, 'plain_msk', {
      clusterName: 'p', kafkaVersion: '3.8.x', numberOfBrokerNodes: 3,
      brokerNodeGroupInfo: { clientSubnets: ['a', 'b', 'c'], instanceType: 'kafka.m7g.large', securityGroups: ['sg-1'] },
      encryptionInfo: { encryptionInTransit: { clientBroker: 'PLAINTEXT' } },
    });
    expect(pack.run()).toEqual([]);
    expect(pack.suppressed.map((s) => s.ruleId)).toEqual(['msk-in-transit-tls']);
  });

  test.each([
    ['an empty reason', 'stateful-prevent-destroy', '', /reason: got ""; expected a written reason/],
    ['a blank reason', 'stateful-prevent-destroy', '   ', /expected a written reason/],
    ['an unknown rule', 'no-such-rule', 'because', /ruleId: got "no-such-rule"; expected a policy rule id/],
  ])('fails: suppress with %s', (_what, ruleId, reason, message) => {
    const { stack } = compliantStack();
    const call = (): void => PolicyPack.suppress(stack, ruleId as PolicyRuleId, reason);
    expect(call).toThrow(TopologyValidationError);
    expect(call).toThrow(message);
  });

  test('a stack has one pack: PolicyPack.of finds it, a second apply is rejected', () => {
    const { stack, pack } = compliantStack();
    expect(PolicyPack.of(stack)).toBe(pack);
    expect(() => PolicyPack.apply(stack)).toThrow(/already|without a policy pack yet/);
  });

  test('fails: options suppression without a reason', () => {
    expect(() => compliantStack({ suppressions: { 'bucket-tls-only': '' } })).toThrow(/suppressions\.bucket-tls-only: got ""; expected a written reason/);
  });
});

describe('policy pack: rules that read the model and the artifacts', () => {
  const us = buildTopology(US_TOPOLOGY);

  test('a TLS-only bucket policy written as JSON text passes', () => {
    const { stack, pack } = compliantStack();
    addBucket(stack, 'json_policy', { tlsPolicyAsJson: true });
    expect(pack.run()).toEqual([]);
  });

  test('the us topology consumes each topic and group from one cluster', () => {
    const { pack } = compliantStack({ topology: us });
    expect(pack.run()).toEqual([]);
  });

  test('two clusters on one topic and group (a topology assembled by hand) are caught', () => {
    const events = us.streams.find((s) => s.name === 'events')!;
    const small = us.ingestionTiers.find((t) => t.role.value === 'small')!;
    const doubled: Topology = {
      ...us,
      streams: [...us.streams, { ...events, name: 'events_copy', legs: [{ ...events.legs[0], roles: [small.role] }] }],
    };
    const { pack } = compliantStack({ topology: doubled });
    const found = pack.run();
    expect(found.map((v) => v.ruleId)).toEqual(['single-consumer-per-group']);
    expect(found[0].message).toMatch(/warpstream_ingestion\/clickhouse_events_json\/clickhouse_events_ws is consumed by clusters ingestion_events, ingestion_small/);
  });

  test('two roles whose rendered Kafka tables share a topic and group are caught', () => {
    const kafkaTable = (table: string): string =>
      `CREATE TABLE IF NOT EXISTS posthog.${table} ON CLUSTER '{cluster}' (uuid UUID)\n` +
      "ENGINE = Kafka(msk_cluster, kafka_topic_list = 'clickhouse_groups', kafka_group_name = 'clickhouse_groups', kafka_format = 'JSONEachRow');\n";
    const { pack } = compliantStack({
      artifacts: () => [
        { path: 'sql/small/0001_kafka_groups.sql', content: kafkaTable('kafka_groups') },
        { path: 'sql/medium/0001_kafka_groups.sql', content: kafkaTable('kafka_groups') },
      ],
    });
    expect(pack.run().map((v) => v.ruleId)).toEqual(['single-consumer-per-group']);
  });

  test('secrets in artifacts are caught, references are not, and messages never repeat the secret', () => {
    const { pack } = compliantStack({
      artifacts: () => [
        { path: 'clickhouse/data/users.d/users.xml', content: '<clickhouse><users><app><password>s3cr3t-Pa55</password></app></users></clickhouse>' },
        { path: 'clickhouse/data/config.d/secret.xml', content: '<clickhouse><remote_servers><posthog><secret from_env="CLICKHOUSE_INTERSERVER_SECRET"/></posthog></remote_servers></clickhouse>' },
        { path: 'helm/kafka.values.yaml', content: 'env:\n  - name: KAFKA_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: kafka, key: password}\n' },
      ],
    });
    const found = pack.run();
    expect(found.map((v) => v.ruleId)).toEqual(['no-literal-secrets']);
    expect(found[0].message).toMatch(/users\.d\/users\.xml/);
    expect(found[0].message).not.toContain('s3cr3t-Pa55');
  });
});

describe('policy pack: the synth resolves the stack itself', () => {
  const ownToTerraform = (stack: TerraformStack): boolean => Object.prototype.hasOwnProperty.call(stack, 'toTerraform');

  test('the pack never replaces toTerraform: the synth writes what a fresh resolution gives', () => {
    const outdir = tmpOutdir();
    const { app, stack } = compliantStack({}, outdir);
    app.synth();
    expect(ownToTerraform(stack)).toBe(false);
    const written = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'region', 'cdk.tf.json'), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(stack.toTerraform())));
  });

  test('a construct added after one synth is judged by the next', () => {
    const { stack, pack } = compliantStack();
    Testing.synth(stack, true);
    expect(pack.violations).toEqual([]);
    new EbsVolume(stack, 'late', { availabilityZone: 'us-east-1a', size: 1, encrypted: true });
    expect(() => Testing.synth(stack, true)).toThrow(/stateful-prevent-destroy.*aws_ebs_volume\.late/);
    expect(pack.violations.map((v) => v.address)).toEqual(['aws_ebs_volume.late']);
  });
});

describe('policy pack: on by default in RegionStack', () => {
  test('a violation added through the escape hatch stops the region synth before its folder is written; policySuppressions lets it through', () => {
    const addOpenIngress = (stack: TerraformStack): void => {
      new VpcSecurityGroupIngressRule(stack, 'debug-open', { securityGroupId: 'sg-1', cidrIpv4: '0.0.0.0/0', ipProtocol: 'tcp', fromPort: 8123, toPort: 8123 });
    };
    const outdir = tmpOutdir();
    const app = new App({ outdir });
    addOpenIngress(new RegionStack(app, 'region', smallRegion()));
    expect(() => app.synth()).toThrow(/\[policy no-public-data-ingress\] aws_vpc_security_group_ingress_rule\.debug-open/);
    expect(fs.readdirSync(path.join(outdir, 'stacks'))).toEqual([]);

    const allowed = new RegionStack(testApp(), 'region', {
      ...smallRegion(), policySuppressions: { 'no-public-data-ingress': 'a throwaway debugging region behind a VPN-only NAT' },
    });
    addOpenIngress(allowed);
    Testing.synth(allowed, true);
    expect(allowed.policyPack.suppressed.map((v) => v.ruleId)).toEqual(['no-public-data-ingress']);
  });
});
