import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { TopologyValidationError } from '../../lib/model';
import { buildRegionTopology, KafkaBackendOptions, RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { DEV_REGION } from '../../examples/dev-region/region';
import { US_REGION } from '../../stacks/us';
import { cleanUp, readTree, tempOutdir } from './support/synth';

afterAll(cleanUp);

function problemsOf(spec: unknown): { field: string; expected: string }[] {
  try {
    buildRegionTopology(spec as RegionStackProps);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected the region to be rejected');
}

describe('region validation', () => {
  test('fails with every AWS and topology problem in one error', () => {
    const problems = problemsOf({
      ...US_REGION,
      region: 'us east 1',
      vpcId: 'my-vpc',
      subnetIds: { 'us-east-1a': 'subnet-0a1b2c3d4e5f6a701', 'us-east-1d': 'subnet-0a1b2c3d4e5f6d704' },
      eksClusterName: '',
      stateBackend: { bucket: 'Not_A_Bucket' },
      storage: { shards: 0 },
    });
    const fields = problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining([
      'region', 'vpcId', 'subnetIds.us-east-1b', 'subnetIds.us-east-1c', 'subnetIds.us-east-1d', 'eksClusterName',
      'stateBackend.bucket', 'storage.shards',
    ]));
    expect(problems.find((p) => p.field === 'subnetIds.us-east-1b')!.expected).toMatch(/one subnet per availability zone/);
  });

  test('fails on zones of another region and on aws: tag keys', () => {
    const fields = problemsOf({ ...US_REGION, region: 'eu-central-1', defaultTags: { 'aws:owner': 'x' } }).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['availabilityZones', 'defaultTags.aws:owner']));
  });

  test('fails without a state backend or with a bad key', () => {
    expect(problemsOf({ ...US_REGION, stateBackend: undefined }).map((p) => p.field)).toContain('stateBackend');
    expect(problemsOf({ ...US_REGION, stateBackend: { bucket: 'ok-bucket', key: '/abs' } }).map((p) => p.field)).toEqual(['stateBackend.key']);
  });

  test('fails with the constructs\' own rejections named by their RegionStackProps field, all in one error', () => {
    let error: TopologyValidationError | undefined;
    try {
      new RegionStack(new App({ outdir: tempOutdir(), stackTraces: false }), 'us', {
        ...US_REGION,
        storageClusterOptions: { instanceType: 'm5.large' },
        kafkaBackendOptions: {
          msk_cluster: KafkaBackendOptions.msk({ brokerCount: 4 }),
          warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_us_east_1_ingestion' }),
        },
        ingestionTierOptions: { events: { cacheSize: 'lots' } },
      });
    } catch (e) {
      error = e as TopologyValidationError;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    // The small and medium tiers consume the rejected MSK backend, so they are not built (nor checked).
    expect(error!.problems.map((p) => p.field)).toEqual([
      'storageClusterOptions.instanceType',
      'kafkaBackendOptions.msk_cluster.brokerCount',
      'ingestionTierOptions.events.cacheSize',
    ]);
  });

  test('accepts hostClusterType and ingestionLogRetentionDays, which the ingestion tiers now apply too', () => {
    expect(() => buildRegionTopology({ ...US_REGION, clickhouse: { hostClusterType: 'offline', ingestionLogRetentionDays: 5, storageLogRetentionDays: 7 } }))
      .not.toThrow();
  });

  test('fails on bad ClickHouse options once, under clickhouse, before the storage cluster or a tier sees them', () => {
    expect(problemsOf({ ...US_REGION, clickhouse: { hostClusterType: 'not a type', ingestionLogRetentionDays: 0 } }).map((p) => p.field))
      .toEqual(['clickhouse.hostClusterType', 'clickhouse.ingestionLogRetentionDays']);
    let error: unknown;
    try {
      new RegionStack(new App({ outdir: tempOutdir() }), 'us', { ...US_REGION, clickhouse: { hostClusterType: 'not a type' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    expect((error as TopologyValidationError).problems.map((p) => p.field)).toEqual(['clickhouse.hostClusterType']);
  });

  test('fails when a WarpStream backend has no options, or options of the other kind', () => {
    const fields = problemsOf({
      ...US_REGION,
      kafkaBackendOptions: { msk_cluster: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_x' }), unknown: KafkaBackendOptions.msk() },
    }).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['kafkaBackendOptions.msk_cluster', 'kafkaBackendOptions.unknown', 'kafkaBackendOptions.warpstream_ingestion']));
  });

  test('fails before anything is written: no stack, no cdk.tf.json, no artifacts', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, stackTraces: false });
    new RegionStack(app, 'dev', DEV_REGION);
    expect(() => new RegionStack(app, 'eu', { ...US_REGION, name: 'eu', storage: { shards: -1 } })).toThrow(TopologyValidationError);
    // The invalid stack never joined the app, and nothing is on disk (an app's main throws before app.synth()).
    expect(app.node.children.map((c) => c.node.id)).toEqual(['dev']);
    expect(readTree(outdir).size).toBe(0);
  });

  test('a re-synth replaces the artifacts folder whole: nothing stale is left behind', () => {
    const outdir = tempOutdir();
    const artifacts = path.join(outdir, 'stacks', 'dev', 'artifacts');
    const first = new App({ outdir, stackTraces: false });
    new RegionStack(first, 'dev', DEV_REGION);
    first.synth();
    fs.writeFileSync(path.join(artifacts, 'stale.txt'), 'left over');
    const before = readTree(artifacts);
    const second = new App({ outdir, stackTraces: false });
    new RegionStack(second, 'dev', DEV_REGION);
    second.synth();
    expect(fs.existsSync(path.join(artifacts, 'stale.txt'))).toBe(false);
    before.delete('stale.txt');
    expect(readTree(artifacts)).toEqual(before);
    expect(fs.readdirSync(path.join(outdir, 'stacks', 'dev')).filter((f) => f.includes('partial'))).toEqual([]);
  });

  test('the caller\'s spec is not changed: a deeply frozen spec builds', () => {
    const freeze = (v: unknown): void => {
      if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
      Object.freeze(v);
      Object.values(v).forEach(freeze);
    };
    const spec = { ...DEV_REGION };
    freeze(spec);
    // Strict mode: any write to the spec would throw here, at construction or at synth.
    const app = new App({ outdir: tempOutdir(), stackTraces: false });
    new RegionStack(app, 'dev', spec);
    expect(() => app.synth()).not.toThrow();
  });
});
