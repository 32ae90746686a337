/**
 * The synth-time rules of a region description, one class of bad input per case: key expressions
 * over undeclared columns, reserved and virtual names, types that do not parse, generated names
 * past the limits of the services that hold them, ports the hosts do not listen on, server
 * versions without a feature in use, malformed shapes (null, wrong types, cycles), and stacks of
 * one app sharing state, consumer groups or broker variables. Each asserts the field, the message,
 * and that nothing was written to cdktf.out.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { TopologyValidationError } from '../../lib/model';
import { KafkaBackendOptions, RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { mutable, smallRegion } from './specs';

type Breaker = (spec: any) => void;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spec-rules-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

function rejection(build: (app: App) => void, outdir: string): TopologyValidationError {
  const app = new App({ outdir });
  try {
    build(app);
    app.synth();
  } catch (e) {
    if (e instanceof TopologyValidationError) return e;
    throw new Error(`expected a TopologyValidationError, got ${String(e)}`);
  }
  throw new Error('expected a TopologyValidationError, got a successful synth');
}

const cases: [string, Breaker, string, RegExp][] = [
  // Key expressions name declared columns only.
  ['ORDER BY over an undeclared column', (s) => { s.streams[0].orderBy[1] = 'group_name'; }, 'streams[0].orderBy[1]', /"group_name" is not one/],
  ['PARTITION BY over an undeclared column', (s) => { s.streams[1].partitionBy = 'toYYYYMM(ts)'; }, 'streams[1].partitionBy', /"ts" is not one/],
  ['a sharding key over an undeclared column', (s) => { s.streams[1].shardingKey = 'sipHash64(person_id)'; }, 'streams[1].shardingKey', /"person_id" is not one/],
  ['a transform over an undeclared source column', (s) => { s.streams[0].transforms = { group_key: 'lower(key)' }; }, 'streams[0].transforms.group_key', /"key" is not one/],
  // Reserved and virtual names.
  ['a column named like a MergeTree virtual column', (s) => { s.streams[0].columns[0].name = '_part'; }, 'streams[0].columns[0].name', /MergeTree and Distributed virtual columns/],
  ['a column named like a Kafka virtual column', (s) => { s.streams[0].columns[0].name = '_partition'; }, 'streams[0].columns[0].name', /Kafka virtual columns/],
  ['the system database', (s) => { s.database = 'system'; }, 'database', /not one of ClickHouse's \(system, information_schema\)/],
  // Types parse.
  ['a misspelt type', (s) => { s.streams[0].columns[0].type = 'Strng'; }, 'streams[0].columns[0].type', /type that parses \(a known type, not 'Strng'\)/],
  ['Array with two arguments', (s) => { s.streams[0].columns[0].type = 'Array(String, Int8)'; }, 'streams[0].columns[0].type', /1 type argument for Array/],
  ['UUID with an argument', (s) => { s.streams[0].columns[0].type = 'UUID(16)'; }, 'streams[0].columns[0].type', /no arguments for UUID/],
  ['a type with trailing words', (s) => { s.streams[0].columns[0].type = 'Int64 DEFAULT 0'; }, 'streams[0].columns[0].type', /nothing after the type/],
  // Names fit their limits.
  ['a region name past the bucket prefix limit', (s) => { s.name = 'a-very-long-region-nm'; }, 'name', /cold-tier bucket prefix .* at most 37/],
  ['a tier role past the operator cluster name limit', (s) => { s.ingestionTiers[0].role = 'analytics_firehose'; s.streams[0].legs[0].roles = ['analytics_firehose']; }, 'ingestionTiers[0].role', /operator cluster name .* at most 15/],
  ['a host prefix past the DNS label limit', (s) => { s.storage.hostPrefix = 'c'.repeat(60); }, 'storage.hostPrefix', /host name .* at most 63/],
  ['an operator release past the Helm limit', (s) => { s.operatorOptions = { releaseName: 'o'.repeat(54) }; }, 'operatorOptions.releaseName', /Helm release .* at most 53/],
  ['a WarpStream backend name past the IAM name prefix limit', (s) => {
    const name = 'warpstream_ingestion_for_the_firehose_eu';
    s.kafkaBackends[1].name = name;
    s.streams[1].legs[0].backend = name;
    s.kafkaBackendOptions = { [name]: s.kafkaBackendOptions.warpstream_ingestion };
  }, 'kafkaBackends[1].name', /IAM role name prefix .* at most 38/],
  // Ports are the ones the hosts listen on.
  ['a native port the hosts use for HTTP', (s) => { s.storage.tcpPort = 8123; }, 'storage.tcpPort', /8123 is the HTTP interface/],
  // Server versions.
  ['a storage version without the MSK IAM fix', (s) => { s.storageClusterOptions = { clickhouseVersion: '26.3.4.29' }; }, 'storageClusterOptions.clickhouseVersion',
    /MSK IAM re-authentication under IRSA without the hourly failure, first in 26\.7\.6\.37 .*26\.3\.4\.29 lacks it/],
  ['a storage version without AWS_MSK_IAM at all', (s) => { s.storageClusterOptions = { clickhouseVersion: '25.8.8.26' }; }, 'storageClusterOptions.clickhouseVersion', /AWS_MSK_IAM in the Kafka engine/],
  ['a floating image tag', (s) => { s.ingestionTierOptions = { small: { image: 'clickhouse/clickhouse-server:26.3' } }; }, 'ingestionTierOptions.small.image', /tag 26\.3 floats/],
  ['an image without a tag (latest)', (s) => { s.ingestionTierOptions = { small: { image: 'clickhouse/clickhouse-server' } }; }, 'ingestionTierOptions.small.image', /tag latest floats/],
  ['a tier on another server version than storage', (s) => { s.ingestionTierOptions = { small: { image: 'clickhouse/clickhouse-server:26.9.2.10' } }; }, 'ingestionTierOptions.small.image', /one server version per region/],
  // Retention.
  ['a delete before the data reaches the cold volume', (s) => { s.streams[0].retention = { hotDays: 7, warmDays: 30, deleteAfterDays: 20 }; }, 'streams[0].retention.deleteAfterDays', /more than hotDays \+ warmDays \(37\)/],
  // Malformed shapes.
  ['a null stream', (s) => { s.streams[0] = null; }, 'streams[0]', /well-formed: an object, not null/],
  ['columns as a string', (s) => { s.streams[0].columns = 'group_key String'; }, 'streams[0].columns', /well-formed: a list, not string/],
  ['a null leg role list', (s) => { s.streams[0].legs[0].roles = null; }, 'streams[0].legs[0].roles', /well-formed: a list, not null/],
  ['an engine given as a string', (s) => { s.streams[0].engine = 'ReplacingMergeTree'; }, 'streams[0].engine', /well-formed: a DataEngine/],
  ['sharded as a string', (s) => { s.streams[1].sharded = 'yes'; }, 'streams[1].sharded', /well-formed: true or false/],
  ['tiers as an object', (s) => { s.ingestionTiers = { small: 2 }; }, 'ingestionTiers', /well-formed: a list, not an object/],
  ['a stream that contains itself', (s) => { s.streams[0].self = s.streams[0]; }, 'streams[0].self', /cycle/],
  ['a spec that contains itself', (s) => { s.storage.region = s; }, 'storage.region', /cycle/],
];

describe('synth-time rules: one error naming the field, nothing written', () => {
  test.each(cases)('refuses %s', (name, breakSpec, field, expected) => {
    const spec = mutable(smallRegion());
    breakSpec(spec);
    const outdir = path.join(tmp, name.replace(/[^a-z0-9]+/gi, '-'));
    const error = rejection((app) => new RegionStack(app, 'bad', spec as RegionStackProps), outdir);
    const matching = error.problems.filter((p) => p.field === field);
    if (!matching.some((p) => expected.test(p.expected))) throw new Error(`no problem at ${field} expecting ${expected}; got:\n${error.message}`);
    expect(error.message).toContain(`  - ${field}: got `);
    expect(filesUnder(outdir)).toEqual([]);
  });

  test('every malformed part is reported at once, never a TypeError', () => {
    const spec: any = mutable(smallRegion());
    spec.streams[0] = null;
    spec.kafkaBackends[0].topics = [undefined];
    spec.ingestionTiers[1] = 7;
    const error = rejection((app) => new RegionStack(app, 'bad', spec as RegionStackProps), path.join(tmp, 'many-shapes'));
    expect(error.problems.map((p) => p.field)).toEqual(expect.arrayContaining(['streams[0]', 'kafkaBackends[0].topics[0]', 'ingestionTiers[1]']));
  });

  const second = (change: (s: any) => void): RegionStackProps => {
    const spec = mutable(smallRegion());
    spec.name = 'other';
    spec.stateBackend = { bucket: 'clickhouse-ingest-tfstate-other' };
    change(spec);
    return spec as RegionStackProps;
  };

  test.each<[string, (s: any) => void, string, RegExp]>([
    ['the same state object', (s) => { s.stateBackend = { bucket: 'clickhouse-ingest-tfstate-test', key: 'clickhouse-ingest/test.tfstate' }; }, 'stateBackend.key', /stack first already keeps its state at/],
    ['a consumer group on the same MSK cluster', () => undefined, 'streams[].legs[].consumerGroup', /stack first already consumes msk:us-east-1:msk_cluster\/clickhouse_groups\/clickhouse_groups/],
    ['a broker variable in the same EKS cluster', (s) => { s.region = 'us-east-1'; }, 'kafkaBackends[].brokerListEnv', /stack first already uses KAFKA_HOSTS_MSK_CLUSTER in EKS cluster us-east-1:ingestion-test/],
  ])('refuses a second stack sharing %s', (name, change, field, expected) => {
    const outdir = path.join(tmp, `apart-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    const error = rejection((app) => {
      new RegionStack(app, 'first', smallRegion());
      new RegionStack(app, 'second', second(change));
    }, outdir);
    expect(error.problems.some((p) => p.field === field && expected.test(p.expected))).toBe(true);
    expect(filesUnder(outdir)).toEqual([]);
  });

  test('stacks in other AWS regions and EKS clusters share nothing, and synthesize', () => {
    const outdir = path.join(tmp, 'apart-ok');
    const app = new App({ outdir });
    new RegionStack(app, 'first', smallRegion());
    const other: any = mutable(second(() => undefined));
    other.region = 'eu-central-1';
    other.availabilityZones = ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'];
    other.subnetIds = { 'eu-central-1a': 'subnet-0a1b2c3d4e5f6a701', 'eu-central-1b': 'subnet-0a1b2c3d4e5f6b702', 'eu-central-1c': 'subnet-0a1b2c3d4e5f6c703' };
    other.eksClusterName = 'ingestion-eu';
    // Its own WarpStream virtual cluster: the same one would be the same Kafka, and its groups shared.
    other.kafkaBackendOptions = { warpstream_ingestion: KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_eu' }) };
    new RegionStack(app, 'second', other as RegionStackProps);
    app.synth();
    expect(filesUnder(outdir).filter((f) => f === 'cdk.tf.json')).toHaveLength(2);
  });
});
