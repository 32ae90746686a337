/**
 * A region's Terraform state backend: the plain `{ bucket }` (S3, the default), `StateBackend.s3`,
 * `.local`, `.cloud` and `.custom`. What lands in cdk.tf.json, the state key two stacks may not
 * share (for every kind), bad input, and `terraform validate` of the non-S3 stacks.
 */
import { App, GcsBackend } from 'cdktf';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { StateBackend } from '../../lib/constructs/state-backend';
import { smallRegion } from '../safety/specs';
import { describeValidation, terraformAvailability, validateStacks } from '../support/terraform';
import { cleanUp, SynthesizedStack, synthStacks, tempOutdir } from './support/synth';

afterAll(cleanUp);

const withBackend = (stateBackend: RegionStackProps['stateBackend'], name = 'test'): RegionStackProps => ({ ...smallRegion(), name, stateBackend });
const terraformBlock = (stack: SynthesizedStack): Record<string, unknown> => stack.config.terraform as Record<string, unknown>;

describe('state backends', () => {
  let stacks: Record<string, SynthesizedStack>;
  beforeAll(() => {
    stacks = {
      ...synthStacks({ plain: withBackend({ bucket: 'acme-terraform-state' }) }),
      ...synthStacks({ s3: withBackend(StateBackend.s3({ bucket: 'acme-terraform-state' })) }),
      ...synthStacks({ local: withBackend(StateBackend.local()) }),
      ...synthStacks({ cloud: withBackend(StateBackend.cloud({ organization: 'acme', workspace: 'clickhouse-ingest-test' })) }),
      ...synthStacks({
        custom: withBackend(StateBackend.custom((stack) => new GcsBackend(stack, { bucket: 'acme-state', prefix: 'clickhouse/test' }),
          { stateKey: 'gcs://acme-state/clickhouse/test' })),
      }),
    };
  });

  test('a plain { bucket } and StateBackend.s3 synthesize the same S3 backend: encrypted, S3-native locking, the default key', () => {
    const expected = { s3: { bucket: 'acme-terraform-state', key: 'clickhouse-ingest/test.tfstate', region: 'us-east-1', encrypt: true, use_lockfile: true } };
    expect(terraformBlock(stacks.plain).backend).toEqual(expected);
    expect(terraformBlock(stacks.s3).backend).toEqual(expected);
  });

  test('local, cloud and custom backends', () => {
    expect(terraformBlock(stacks.local).backend).toEqual({ local: { path: 'test.tfstate' } });
    expect(terraformBlock(stacks.cloud).backend).toBeUndefined();
    expect(terraformBlock(stacks.cloud).cloud).toEqual({ organization: 'acme', workspaces: { name: 'clickhouse-ingest-test' } });
    expect(terraformBlock(stacks.custom).backend).toEqual({ gcs: { bucket: 'acme-state', prefix: 'clickhouse/test' } });
  });

  test('the region lock records each backend\'s state key', () => {
    const lock = (name: string): string => JSON.parse(stacks[name].artifacts.get('region.lock.json') ?? '{}').stateKey;
    expect(lock('plain')).toBe('s3://acme-terraform-state/clickhouse-ingest/test.tfstate');
    expect(lock('s3')).toBe(lock('plain'));
    expect(lock('local')).toBe('local:test.tfstate');
    expect(lock('cloud')).toBe('cloud:app.terraform.io/acme/clickhouse-ingest-test');
    expect(lock('custom')).toBe('custom:gcs://acme-state/clickhouse/test');
  });

  const tf = terraformAvailability();
  (tf.available ? test : test.skip)(`local, cloud and custom pass terraform validate${tf.available ? '' : ` (skipped: ${tf.reason})`}`, async () => {
    const names = ['local', 'cloud', 'custom'];
    const results = await validateStacks(names.map((n) => stacks[n].dir));
    expect(results.map((r, i) => `${names[i]}: ${r.valid ? 'valid' : describeValidation(r)}`)).toEqual(names.map((n) => `${n}: valid`));
  }, 300_000);
});

describe('two stacks of one app never share a state object', () => {
  const second = (stateBackend: RegionStackProps['stateBackend']): RegionStackProps => ({
    ...withBackend(stateBackend, 'other'),
    // Apart in everything else: another EKS cluster and other consumer groups.
    eksClusterName: 'ingestion-other',
    streams: smallRegion().streams!.map((s) => ({ ...s, legs: s.legs.map((l) => ({ ...l, consumerGroup: `other_${s.name}` })) })),
  });
  const pairs: [string, RegionStackProps['stateBackend'], RegionStackProps['stateBackend'], RegExp][] = [
    ['a plain S3 key and the same key through StateBackend.s3', { bucket: 'acme', key: 'shared.tfstate' }, StateBackend.s3({ bucket: 'acme', key: 'shared.tfstate' }),
      /stateBackend\.key: got "s3:\/\/acme\/shared\.tfstate"; expected a state object of its own: stack first already keeps its state at s3:\/\/acme\/shared\.tfstate/],
    ['one cloud workspace', StateBackend.cloud({ organization: 'acme', workspace: 'ws' }), StateBackend.cloud({ organization: 'acme', workspace: 'ws' }),
      /already keeps its state at cloud:app\.terraform\.io\/acme\/ws/],
    ['one custom state key', StateBackend.custom((s) => new GcsBackend(s, { bucket: 'b' }), { stateKey: 'gcs://b' }),
      StateBackend.custom((s) => new GcsBackend(s, { bucket: 'b' }), { stateKey: 'gcs://b' }), /already keeps its state at custom:gcs:\/\/b/],
  ];
  test.each(pairs)('%s is refused', (_what, first, other, message) => {
    const app = new App({ outdir: tempOutdir() });
    new RegionStack(app, 'first', withBackend(first));
    expect(() => new RegionStack(app, 'second', second(other))).toThrow(message);
  });

  test('the default S3 keys of two regions differ, so two plain buckets side by side are fine', () => {
    const app = new App({ outdir: tempOutdir() });
    new RegionStack(app, 'first', withBackend({ bucket: 'acme' }));
    expect(() => new RegionStack(app, 'second', second({ bucket: 'acme' }))).not.toThrow();
  });
});

test('bad backend props: one error naming every field', () => {
  const call = (): unknown => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', {
    ...withBackend(StateBackend.cloud({ organization: 'acme corp', workspace: '', hostname: 'https://tfe.example.com' })),
    vpcId: 'not-a-vpc',
  });
  expect(call).toThrow(/4 problems[\s\S]*vpcId[\s\S]*stateBackend\.organization: got "acme corp"[\s\S]*stateBackend\.workspace: got ""[\s\S]*stateBackend\.hostname/);
  expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', withBackend(StateBackend.s3({ bucket: 'Not_A_Bucket', key: '/abs' }))))
    .toThrow(/stateBackend\.bucket: got "Not_A_Bucket"[\s\S]*stateBackend\.key: got "\/abs"/);
  expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', withBackend(StateBackend.local({ path: 'state.json' }))))
    .toThrow(/stateBackend\.path: got "state\.json"; expected a file path ending in \.tfstate/);
  expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', withBackend(StateBackend.custom((s) => new GcsBackend(s, { bucket: 'b' }), { stateKey: ' ' }))))
    .toThrow(/stateBackend\.stateKey: got " "/);
});
