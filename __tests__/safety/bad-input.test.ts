import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { Architecture, MachineImage } from '../../lib/cloud-init';
import { TopologyValidationError } from '../../lib/model';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { mutable, smallRegion } from './specs';

// The battery writes values the types forbid, on purpose.
type Breaker = (spec: any) => void;

/**
 * Hostile and invalid region descriptions. Each names the field the error must point at and a
 * fragment of what the error must say is expected.
 */
const battery: [string, Breaker, string | RegExp, RegExp][] = [
  // Counts: zero, negative, fractional, absurd.
  ['zero shards', (s) => { s.storage.shards = 0; }, 'storage.shards', /whole number from 1 to 500/],
  ['negative shards', (s) => { s.storage.shards = -3; }, 'storage.shards', /whole number from 1/],
  ['a billion shards', (s) => { s.storage.shards = 1e9; }, 'storage.shards', /whole number from 1 to 500/],
  ['fractional shards', (s) => { s.storage.shards = 2.5; }, 'storage.shards', /whole number/],
  ['NaN shards', (s) => { s.storage.shards = NaN; }, 'storage.shards', /whole number/],
  ['shards as a string', (s) => { s.storage.shards = '10'; }, 'storage.shards', /whole number/],
  ['zero replicas', (s) => { s.storage.replicas = 0; }, 'storage.replicas', /whole number from 1/],
  ['replicas above the availability zones', (s) => { s.storage.replicas = 4; }, 'storage.replicas', /at most the number of availability zones \(3\)/],
  ['a tier of zero nodes', (s) => { s.ingestionTiers[0].nodes = 0; }, 'ingestionTiers[0].nodes', /whole number from 1/],
  ['a tier of a million nodes', (s) => { s.ingestionTiers[0].nodes = 1_000_000; }, 'ingestionTiers[0].nodes', /whole number from 1 to 2000/],
  ['negative cores', (s) => { s.ingestionTiers[1].cores = -4; }, 'ingestionTiers[1].cores', /whole number from 1/],
  ['zero topic partitions', (s) => { s.kafkaBackends[0].topics[0].partitions = 0; }, 'kafkaBackends[0].topics[0].partitions', /whole number from 1/],
  ['a port above 65535', (s) => { s.storage.tcpPort = 70000; }, 'storage.tcpPort', /whole number from 1 to 65535/],
  ['ZooKeeper client port 0', (s) => { s.zookeeper.clientPort = 0; }, 'zookeeper.clientPort', /whole number from 1 to 65535/],

  // ZooKeeper ensembles.
  ['an even ZooKeeper ensemble (4)', (s) => { s.zookeeper.nodes = 4; }, 'zookeeper.nodes', /odd ensemble of 3 or more/],
  ['a ZooKeeper ensemble of 2', (s) => { s.zookeeper.nodes = 2; }, 'zookeeper.nodes', /odd ensemble/],
  ['a ZooKeeper ensemble of 0', (s) => { s.zookeeper.nodes = 0; }, 'zookeeper.nodes', /whole number from 1 to 9/],
  ['a ZooKeeper ensemble of 11', (s) => { s.zookeeper.nodes = 11; }, 'zookeeper.nodes', /whole number from 1 to 9/],

  // Names that would inject XML, SQL, YAML or shell.
  ['a region name with a double quote', (s) => { s.name = 'us"; DROP'; }, 'name', /DNS label/],
  ['a region name with angle brackets', (s) => { s.name = '<us>'; }, 'name', /DNS label/],
  ['a region name with a space', (s) => { s.name = 'u s'; }, 'name', /DNS label/],
  ['a unicode region name', (s) => { s.name = 'zürich'; }, 'name', /DNS label/],
  ['an empty region name', (s) => { s.name = ''; }, 'name', /DNS label/],
  ['a database with an SQL terminator', (s) => { s.database = 'posthog; DROP DATABASE system'; }, 'database', /lower-case identifier/],
  ['a database with a quote and comment', (s) => { s.database = "db'--"; }, 'database', /lower-case identifier/],
  ['a cluster name closing an XML element', (s) => { s.clusterNames = { sharded: '</posthog><evil>' }; }, 'clusterNames.sharded', /lower-case identifier/],
  ['a host prefix with upper case and _', (s) => { s.storage.hostPrefix = 'CH_DATA'; }, 'storage.hostPrefix', /DNS label/],
  ['a stream name with a double quote', (s) => { s.streams[0].name = 'groups"'; }, 'streams[0].name', /lower-case identifier/],
  ['a column name with a space', (s) => { s.streams[0].columns[0].name = 'group key'; }, 'streams[0].columns[0].name', /lower-case identifier/],
  ['a column type smuggling a statement', (s) => { s.streams[0].columns[0].type = 'String; DROP TABLE x'; }, 'streams[0].columns[0].type', /ClickHouse type/],
  ['an ORDER BY with a comment', (s) => { s.streams[0].orderBy[0] = 'team_id) -- x'; }, 'streams[0].orderBy[0]', /without ;, comments/],
  ['a PARTITION BY with a block comment', (s) => { s.streams[1].partitionBy = '/* x */ toYYYYMM(timestamp)'; }, 'streams[1].partitionBy', /without ;, comments/],
  ['a sharding key with an unbalanced quote', (s) => { s.streams[1].shardingKey = "sipHash64('x)"; }, 'streams[1].shardingKey', /balanced quotes/],
  ['a role with a space', (s) => { s.ingestionTiers[0].role = 'ai events'; }, 'ingestionTiers[0].role', /lower-case identifier/],
  ['an emoji role', (s) => { s.ingestionTiers[0].role = '🦔'; }, 'ingestionTiers[0].role', /lower-case identifier/],
  ['a topic name with a space', (s) => { s.kafkaBackends[0].topics[0].name = 'click house'; }, 'kafkaBackends[0].topics[0].name', /Kafka topic name/],
  ['a consumer group with a quote', (s) => { s.streams[0].legs[0].consumerGroup = "g'; DROP"; }, 'streams[0].legs[0].consumerGroup', /consumer group name/],
  ['a broker env variable in lower case', (s) => { s.kafkaBackends[0].brokerListEnv = 'kafka-hosts'; }, 'kafkaBackends[0].brokerListEnv', /environment variable name/],
  ['a DNS zone with spaces', (s) => { s.dnsZone = 'Evil Zone'; }, 'dnsZone', /DNS name/],
  ['a VPC id with markup', (s) => { s.vpcId = 'vpc-<script>'; }, 'vpcId', /VPC id/],
  ['a region with a shell suffix', (s) => { s.region = 'us-east-1; rm -rf /'; }, 'region', /AWS region/],
  ['an EKS cluster name with quotes', (s) => { s.eksClusterName = '"eks"'; }, 'eksClusterName', /EKS cluster name/],
  ['a reserved aws: tag key', (s) => { s.defaultTags = { 'aws:owner': 'x' }; }, 'defaultTags.aws:owner', /not starting with aws:/],

  // Duplicates.
  ['duplicate availability zones', (s) => { s.availabilityZones = ['us-east-1a', 'us-east-1a', 'us-east-1b']; }, 'availabilityZones', /unique availability zones/],
  ['duplicate tier roles', (s) => { s.ingestionTiers[1].role = 'small'; }, 'ingestionTiers[].role', /unique tier roles/],
  ['duplicate backend names', (s) => { s.kafkaBackends[1].name = 'msk_cluster'; }, 'kafkaBackends[].name', /unique backend names/],
  ['duplicate topic names', (s) => { s.kafkaBackends[0].topics.push({ name: 'clickhouse_groups', partitions: 1 }); }, 'kafkaBackends[0].topics[].name', /unique topic names/],
  ['duplicate stream names', (s) => { s.streams[1].name = 'groups'; }, 'streams[].name', /unique stream names/],
  ['duplicate column names', (s) => { s.streams[0].columns[1].name = 'group_key'; }, 'streams[0].columns[].name', /unique column names/],

  // Kafka consumers.
  ['consumers above the topic partitions', (s) => { s.kafkaBackends[1].topics[0].partitions = 2; }, 'streams[1].legs[0].consumersPerNode', /at most the partitions of topic clickhouse_events_json \(2\)/],
  ['a group larger than the partitions', (s) => { s.ingestionTiers[1].nodes = 40; }, 'streams[1].legs[0].consumersPerNode', /160 in group .* at most the\s+32 partitions/],
  ['consumers above the cores', (s) => { s.streams[1].legs[0].consumersPerNode = 8; }, 'streams[1].legs[0].consumersPerNode', /at most the cores of a events node \(4\)/],
  ['a leg on an undeclared backend', (s) => { s.streams[0].legs[0].backend = 'kinesis'; }, 'streams[0].legs[0].backend', /a declared Kafka backend/],
  ['a leg on an undeclared topic', (s) => { s.streams[0].legs[0].topic = 'nope'; }, 'streams[0].legs[0].topic', /a topic declared on backend msk_cluster/],
  ['a leg on a role without a tier', (s) => { s.streams[0].legs[0].roles = ['medium']; }, 'streams[0].legs[0].roles[0]', /an ingestion role that has nodes/],
  ['an unknown backend kind', (s) => { s.kafkaBackends[0].kind = 'kinesis'; }, 'kafkaBackends[0].kind', /one of msk, warpstream/],

  // AWS placement.
  ['a missing subnet', (s) => { delete s.subnetIds['us-east-1c']; }, 'subnetIds.us-east-1c', /subnet id .* for zone us-east-1c/],
  ['a subnet for an unlisted zone', (s) => { s.subnetIds['us-east-1d'] = 'subnet-0a1b2c3d4e5f6d704'; }, 'subnetIds.us-east-1d', /a zone listed in availabilityZones/],
  ['a malformed subnet id', (s) => { s.subnetIds['us-east-1a'] = 'subnet-XYZ'; }, 'subnetIds.us-east-1a', /subnet id/],
  ['zones of another region', (s) => { s.region = 'eu-central-1'; }, 'availabilityZones', /zones of region eu-central-1/],
  ['no availability zones', (s) => { s.availabilityZones = []; }, 'availabilityZones', /1 to 6 availability zones/],
  ['no state backend', (s) => { delete s.stateBackend; }, 'stateBackend', /S3 bucket for Terraform state/],
  ['a state bucket with upper case', (s) => { s.stateBackend.bucket = 'Bad_Bucket'; }, 'stateBackend.bucket', /S3 bucket name/],
  ['no storage at all', (s) => { delete s.storage; }, 'storage', /storage description/],
  ['development as a string', (s) => { s.development = 'yes'; }, 'development', /true or false/],

  // Machine images and instance types.
  ['an x86_64 image on arm64 i8ge storage', (s) => {
    s.storageClusterOptions = { instanceType: 'i8ge.metal-48xl', machineImage: MachineImage.fromAmiId('ami-0123456789abcdef0', Architecture.X86_64) };
  }, 'storageClusterOptions.machineImage', /an arm64 image: i8ge\.metal-48xl is arm64/],
  ['an arm64 image on x86_64 i7ie storage', (s) => {
    s.storageClusterOptions = { instanceType: 'i7ie.48xlarge', machineImage: MachineImage.debian12(Architecture.ARM64) };
  }, 'storageClusterOptions.machineImage', /an x86_64 image/],
  ['an unknown storage instance type', (s) => { s.storageClusterOptions = { instanceType: 'x9.fake' }; }, 'storageClusterOptions.instanceType', /storage type with NVMe instance store/],
  ['an x86_64 image on a Graviton ZooKeeper', (s) => {
    s.zooKeeperOptions = { instanceType: 'm7g.large', machineImage: MachineImage.debian12(Architecture.X86_64) };
  }, 'zooKeeperOptions.machineImage', /an arm64 image/],
  ['a malformed AMI id', (s) => {
    s.storageClusterOptions = { machineImage: MachineImage.fromAmiId('ami-<x>', Architecture.ARM64) };
  }, 'storageClusterOptions.machineImage', /AMI id such as ami-/],
];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir` (App's constructor creates empty folders; files are what a synth leaves). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function rejection(spec: RegionStackProps, outdir: string): TopologyValidationError {
  const app = new App({ outdir });
  let error: unknown;
  try {
    new RegionStack(app, 'bad', spec);
    app.synth();
  } catch (e) {
    error = e;
  }
  if (!(error instanceof TopologyValidationError)) {
    throw new Error(`expected a TopologyValidationError, got ${error === undefined ? 'a successful synth' : String(error)}`);
  }
  return error;
}

describe('bad input: every hostile region description is rejected before anything is written', () => {
  test('the battery holds at least 40 distinct cases', () => {
    expect(battery.length).toBeGreaterThanOrEqual(40);
    expect(new Set(battery.map(([name]) => name)).size).toBe(battery.length);
  });

  test('the unbroken base region synthesizes (so each rejection below is caused by its one change)', () => {
    const outdir = path.join(tmp, 'base');
    const app = new App({ outdir });
    new RegionStack(app, 'base', smallRegion());
    app.synth();
    expect(filesUnder(outdir).some((f) => f.endsWith('cdk.tf.json'))).toBe(true);
  });

  test.each(battery)('fails: %s', (name, breakSpec, field, expected) => {
    const spec = mutable(smallRegion());
    breakSpec(spec);
    const outdir = path.join(tmp, name.replace(/[^a-z0-9]+/gi, '-'));
    const error = rejection(spec as RegionStackProps, outdir);
    const matching = error.problems.filter((p) => (typeof field === 'string' ? p.field === field : field.test(p.field)));
    if (!matching.some((p) => expected.test(p.expected))) {
      throw new Error(`no problem at ${String(field)} expecting ${expected}; got:\n${error.message}`);
    }
    // The message a user sees names the field and what is expected.
    expect(error.message).toContain(`${typeof field === 'string' ? field : ''}`);
    expect(error.message).toMatch(/expected /);
    expect(filesUnder(outdir)).toEqual([]);
  });

  test('fails: not an object at all', () => {
    for (const hostile of [null, undefined, 42, 'us', []]) {
      expect(() => new RegionStack(new App({ outdir: path.join(tmp, 'not-object') }), 'bad', hostile as unknown as RegionStackProps))
        .toThrow(TopologyValidationError);
    }
    expect(filesUnder(path.join(tmp, 'not-object'))).toEqual([]);
  });

  test('every problem is reported at once', () => {
    const spec = mutable(smallRegion());
    spec.storage.shards = 0;
    spec.zookeeper = { nodes: 4 };
    spec.name = '<x>';
    delete spec.subnetIds['us-east-1b'];
    const fields = rejection(spec as RegionStackProps, path.join(tmp, 'many')).problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['storage.shards', 'zookeeper.nodes', 'name', 'subnetIds.us-east-1b']));
  });
});
