/**
 * Literal text is literal: Terraform reads `${…}` and `%{…}` in every string as templates. The
 * stack escapes every string once (LiteralText); the policy pack's `terraform-literal-text` rule
 * fails a synth that still holds one that is no cdktf reference; a user value with either lands
 * escaped (or is rejected by validation), and the stack still passes `terraform validate`.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { LiteralText } from '../../lib/constructs/literal-text';
import { TopologyValidationError } from '../../lib/model';
import { PolicyPack } from '../../lib/policy';
import { RegionStackProps } from '../../lib/constructs/region-stack';
import { escapeTerraformLiteral, findUninterpretedTemplates, unescapeTerraformLiteral } from '../../lib/render/terraform-literal';
import { cleanUp, synthStacks } from '../region/support/synth';
import { describeValidation, terraformAvailability, validateStack } from '../support/terraform';
import { smallRegion } from './specs';
import { tempDir, testApp } from '../support/temp';

afterAll(cleanUp);

describe('escapeTerraformLiteral', () => {
  test('escapes interpolations and directives, keeps cdktf token markers', () => {
    const marker = '${TfToken[TOKEN.12]}';
    expect(escapeTerraformLiteral(`a \${VAR:-x} %{ if } ${marker} "\${nvme[@]}"`))
      .toBe(`a $\${VAR:-x} %%{ if } ${marker} "$\${nvme[@]}"`);
  });

  test('a $ right before a reference stays a $ (not an escape that swallows the reference)', () => {
    const escaped = escapeTerraformLiteral('cost: $${TfToken[TOKEN.1]}');
    expect(escaped).toBe('cost: ${"$"}${TfToken[TOKEN.1]}');
  });

  test('unescape undoes it for literal text', () => {
    const text = 'x=${a} y=%{b} z=$${c} $';
    expect(unescapeTerraformLiteral(escapeTerraformLiteral(text))).toBe(text);
  });
});

describe('findUninterpretedTemplates', () => {
  const config = {
    resource: { aws_s3_bucket: { b: {} }, aws_s3_object: { o: { bucket: '${aws_s3_bucket.b.id}', content: '' } } },
    data: { aws_iam_policy_document: { d: {} } },
  };
  const withContent = (content: string): unknown => ({ ...config, resource: { ...config.resource, aws_s3_object: { o: { bucket: '${aws_s3_bucket.b.id}', content } } } });

  test.each([
    ['a shell default', 'echo ${HOME:-/root}', '${HOME:-/root}'],
    ['a bash array', 'for d in "${nvme[@]}"; do', '${nvme[@]}'],
    ['a directive', '%{ for x in y }', '%{ for x in y }'],
    ['a reference to nothing declared', '${aws_s3_bucket.missing.id}', '${aws_s3_bucket.missing.id}'],
  ])('reports %s', (_what, content, sequence) => {
    const found = findUninterpretedTemplates(withContent(content));
    expect(found).toEqual([{ location: 'resource.aws_s3_object.o.content', sequence }]);
  });

  test.each([
    ['escaped text', 'echo $${HOME:-/root} %%{ x }'],
    ['a resource reference', 'bucket ${aws_s3_bucket.b.bucket}'],
    ['a data source reference', '${data.aws_iam_policy_document.d.json}'],
    ['a function call', '${base64decode(data.aws_iam_policy_document.d.json)}'],
    ['a literal $ expression', '${"$"}${aws_s3_bucket.b.id}'],
  ])('accepts %s', (_what, content) => {
    expect(findUninterpretedTemplates(withContent(content))).toEqual([]);
  });
});

describe('the stack escapes every string once', () => {
  test('content, names and tags with template sequences land escaped; references stay references', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 's');
    LiteralText.applyTo(stack);
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const bucket = new S3Bucket(stack, 'b', { tags: { note: '${not-a-ref}' } });
    new S3Object(stack, 'o', { bucket: bucket.id, key: 'k', content: `#!/bin/bash\necho "\${HOME:-x}" %{ y } ${bucket.bucket}\n` });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.aws_s3_object.o.content).toBe('#!/bin/bash\necho "$${HOME:-x}" %%{ y } ${aws_s3_bucket.b.bucket}\n');
    expect(json.resource.aws_s3_object.o.bucket).toBe('${aws_s3_bucket.b.id}');
    expect(json.resource.aws_s3_bucket.b.tags.note).toBe('$${not-a-ref}');
    expect(findUninterpretedTemplates(json)).toEqual([]);
  });

  test('a resource override is escaped too', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 's');
    LiteralText.applyTo(stack);
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const object = new S3Object(stack, 'o', { bucket: 'b', key: 'k', content: 'x' });
    object.addOverride('content', 'echo ${nvme[@]}');
    expect(JSON.parse(Testing.synth(stack)).resource.aws_s3_object.o.content).toBe('echo $${nvme[@]}');
  });

  test('the policy pack fails a synth whose output still holds an interpretable sequence (a stack override bypasses the escape)', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 's');
    LiteralText.applyTo(stack);
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new S3Object(stack, 'o', { bucket: 'b', key: 'k', content: 'x' });
    stack.addOverride('resource.aws_s3_object.o.content', 'echo ${nvme[@]}');
    const pack = PolicyPack.apply(stack);
    expect(() => Testing.synth(stack, true)).toThrow(/terraform-literal-text/);
    expect(pack.violations.map((v) => [v.ruleId, v.address])).toEqual([['terraform-literal-text', 'aws_s3_object.o']]);
  });
});

describe('user values with ${…} or %{…}', () => {
  const hostile = '${HOME}%{ if true }x%{ endif }';
  /** Each case puts the sequence into one user value of an otherwise valid region. */
  const cases: [string, (spec: RegionStackProps) => RegionStackProps][] = [
    ['a column type', (s) => ({ ...s, streams: [{ ...s.streams![0], columns: [...s.streams![0].columns, { name: 'note', type: `Enum8('${hostile}' = 1)` }] }, s.streams![1]] })],
    ['an ORDER BY expression', (s) => ({ ...s, streams: [{ ...s.streams![0], orderBy: ['team_id', `concat(group_key, '${hostile}')`] }, s.streams![1]] })],
    ['a PARTITION BY expression', (s) => ({ ...s, streams: [s.streams![0], { ...s.streams![1], partitionBy: `tuple('${hostile}')` }] })],
    ['a sharding key', (s) => ({ ...s, streams: [s.streams![0], { ...s.streams![1], shardingKey: `sipHash64(concat(distinct_id, '${hostile}'))` }] })],
    ['a column transform', (s) => ({ ...s, streams: [{ ...s.streams![0], transforms: { group_key: `concat(group_key, '${hostile}')` } }, s.streams![1]] })],
    ['a ClickHouse setting (the hostClusterType macro)', (s) => ({ ...s, clickhouse: { hostClusterType: hostile } })],
    ['a ClickHouse setting (the cold tier endpoint)', (s) => ({ ...s, clickhouse: { coldStorage: { endpoint: `https://bucket.s3.amazonaws.com/${hostile}/` } } })],
    ['a region name', (s) => ({ ...s, name: hostile })],
    ['a tag value', (s) => ({ ...s, defaultTags: { team: hostile } })],
    ['a WarpStream virtual cluster id', (s) => ({ ...s, kafkaBackendOptions: { warpstream_ingestion: { ...s.kafkaBackendOptions!.warpstream_ingestion, warpStreamOptions: { virtualClusterId: `vci_${hostile}` } } as never } })],
  ];
  let validated = 0;

  test.each(cases)('%s: rejected with a validation error, or escaped and accepted by the policy pack', (_what, mutate) => {
    let synthesized: ReturnType<typeof synthStacks> | undefined;
    try {
      synthesized = synthStacks({ hostile: mutate(smallRegion()) });
    } catch (e) {
      // Rejected before anything was written: the other acceptable outcome.
      expect(e).toBeInstanceOf(TopologyValidationError);
      return;
    }
    const stack = synthesized.hostile;
    expect(stack.policy.violations).toEqual([]);
    expect(findUninterpretedTemplates(stack.config)).toEqual([]);
    const json = JSON.stringify(stack.config);
    expect(json).not.toMatch(/(?<![$])\$\{HOME\}/);
    // The value itself arrived, escaped: Terraform hands it on as written.
    expect(json).toContain('$${HOME}%%{ if true }x%%{ endif }');
    validated++;
  });

  test('at least one such value is accepted (so the escape, not validation alone, is exercised), and that stack passes terraform validate', async () => {
    expect(validated).toBeGreaterThan(0);
    const tf = terraformAvailability();
    if (!tf.available) {
      console.warn(`skipped terraform validate of the hostile stack: ${tf.reason}`);
      return;
    }
    const s = smallRegion();
    const spec = cases[1][1](s);
    const out = synthStacks({ hostile: spec });
    const result = await validateStack(out.hostile.dir);
    expect(result.valid ? '' : describeValidation(result)).toBe('');
  }, 120_000);
});

test('App synth writes nothing when the policy pack rejects literal text', () => {
  // A plain app: app.synth() throws on the error annotation before any stack is written.
  const app = new App({ outdir: tempDir('literal-') });
  const stack = new TerraformStack(app, 's');
  LiteralText.applyTo(stack);
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new S3Object(stack, 'o', { bucket: 'b', key: 'k', content: 'x' });
  stack.addOverride('resource.aws_s3_object.o.content', '%{ if x }');
  PolicyPack.apply(stack);
  expect(() => app.synth()).toThrow(/terraform-literal-text/);
});
