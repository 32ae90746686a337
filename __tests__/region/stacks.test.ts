import { create } from 'xmlbuilder2';
import { parse } from 'yaml';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { expectToMatchGolden } from './support/golden';
import { addRegionStacks } from '../../stacks/app';
import { cleanUp, readTree, resources, SynthesizedStack, synthApp, synthStacks } from './support/synth';

const REGIONS = { us: US_REGION, eu: EU_REGION };

interface TopologyJson {
  storage: { shards: number; replicas: number; hosts: { name: string; availabilityZone: string }[] };
  ingestionTiers: { role: string; nodes: number; cores: number; consumersPerNode: number }[];
  consumers: { topic: string; consumerGroup: string; consumers: number; partitions: number }[];
  streams: { name: string }[];
}

describe('the us and eu stacks', () => {
  let stacks: Record<string, SynthesizedStack>;
  beforeAll(() => {
    // One app with both stacks, exactly as stacks/main.ts builds it.
    stacks = synthApp(addRegionStacks);
  });
  afterAll(cleanUp);

  const topologyOf = (id: string): TopologyJson => JSON.parse(stacks[id].artifacts.get('topology.json')!) as TopologyJson;

  test.each([
    ['us', 30, { small: 6, medium: 12, events: 20 }, 38],
    ['eu', 24, { small: 4, medium: 6, events: 12 }, 22],
  ])('%s: %i data nodes and the ingestion nodes per tier', (id, dataNodes, perTier, ingestionNodes) => {
    const topology = topologyOf(id);
    expect(topology.storage.hosts).toHaveLength(dataNodes);
    expect(Object.fromEntries(topology.ingestionTiers.map((t) => [t.role, t.nodes]))).toEqual(perTier);
    expect(topology.ingestionTiers.reduce((n, t) => n + t.nodes, 0)).toBe(ingestionNodes);
  });

  test.each(['us', 'eu'])('%s: replica i of every shard in zone i, an equal count per zone', (id) => {
    const topology = topologyOf(id);
    const perZone = new Map<string, number>();
    for (const h of topology.storage.hosts) perZone.set(h.availabilityZone, (perZone.get(h.availabilityZone) ?? 0) + 1);
    expect([...perZone.values()]).toEqual([topology.storage.shards, topology.storage.shards, topology.storage.shards]);
    for (const h of topology.storage.hosts) {
      const replica = Number(/-r(\d+)$/.exec(h.name)![1]);
      expect(h.availabilityZone).toBe(US_REGION.availabilityZones.concat(EU_REGION.availabilityZones)
        .filter((az) => az.startsWith(id === 'us' ? 'us' : 'eu'))[replica - 1]);
    }
  });

  test.each([['us', 10], ['eu', 8]] as const)('%s: Terraform holds %i data instances per zone, in that zone\'s subnet, plus the ZooKeeper ensemble', (id, perZone) => {
    const instances = Object.values(resources(stacks[id].config, 'aws_instance')) as { subnet_id: string; tags: Record<string, string> }[];
    const data = instances.filter((i) => i.tags['clickhouse-ingest:component'] === 'storage');
    expect(data).toHaveLength(perZone * 3);
    const spec = REGIONS[id];
    for (const [i, az] of spec.availabilityZones.entries()) {
      const inZone = data.filter((d) => d.tags['clickhouse-ingest:replica'] === String(i + 1));
      expect(inZone).toHaveLength(perZone);
      expect(new Set(inZone.map((d) => d.subnet_id))).toEqual(new Set([spec.subnetIds[az]]));
    }
    expect(instances.length - data.length).toBe(3);
  });

  test.each([
    ['us', { 'ingestion-small': 6, 'ingestion-medium': 12, 'ingestion-events': 20 }],
    ['eu', { 'ingestion-small': 4, 'ingestion-medium': 6, 'ingestion-events': 12 }],
  ])('%s: one ClickHouseInstallation per tier with its node count as shards of one replica', (id, perTier) => {
    const shards: Record<string, number> = {};
    for (const [file, content] of stacks[id].artifacts) {
      const release = /^helm\/(ingestion-[a-z-]+)\.values\.yaml$/.exec(file)?.[1];
      if (!release) continue;
      const chi = (parse(content) as { installation: { spec: { configuration: { clusters: { layout: { shardsCount: number; replicasCount: number } }[] } } } })
        .installation;
      const [cluster] = chi.spec.configuration.clusters;
      expect(cluster.layout.replicasCount).toBe(1);
      shards[release] = cluster.layout.shardsCount;
    }
    expect(shards).toEqual(perTier);
  });

  test.each(['us', 'eu'])('%s: each installation runs exactly the config files of its artifacts folder', (id) => {
    for (const [file, content] of stacks[id].artifacts) {
      const release = /^helm\/(ingestion-[a-z-]+)\.values\.yaml$/.exec(file)?.[1];
      if (!release) continue;
      const files = (parse(content) as { installation: { spec: { configuration: { files: Record<string, string> } } } })
        .installation.spec.configuration.files;
      // Terraform reads `$${` as a literal `${`.
      const delivered = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replace(/\$\$\{/g, '${')]));
      const prefix = `clickhouse/${release}/`;
      const folder = Object.fromEntries([...stacks[id].artifacts].filter(([p]) => p.startsWith(prefix)).map(([p, c]) => [p.slice(prefix.length), c]));
      expect(Object.keys(delivered).sort()).toEqual(Object.keys(folder).sort());
      expect(delivered).toEqual(folder);
    }
  });

  test.each(['us', 'eu'])('%s: the storage hosts sync exactly the shared config files of artifacts/clickhouse/data', (id) => {
    const objects = Object.values(resources(stacks[id].config, 'aws_s3_object')) as { key: string; content: string }[];
    const synced = Object.fromEntries(objects.filter((o) => o.key.startsWith('config/data/'))
      .map((o) => [o.key.slice('config/data/'.length), o.content.replace(/\$\$\{/g, '${')]));
    const folder = Object.fromEntries([...stacks[id].artifacts]
      .filter(([p]) => p.startsWith('clickhouse/data/') && !p.startsWith('clickhouse/data/hosts/'))
      .map(([p, c]) => [p.slice('clickhouse/data/'.length), c]));
    expect(Object.keys(synced).length).toBeGreaterThan(0);
    expect(synced).toEqual(folder);
  });

  test.each(['us', 'eu'])('%s: consumers per topic and group never exceed the partitions', (id) => {
    const { consumers } = topologyOf(id);
    expect(consumers.length).toBeGreaterThan(0);
    for (const c of consumers) expect(c.consumers).toBeLessThanOrEqual(c.partitions);
  });

  test.each(['us', 'eu'])('%s: one macros file per storage host, naming its own shard and replica', (id) => {
    const { storage } = topologyOf(id);
    const macroFiles = [...stacks[id].artifacts.keys()].filter((p) => /^clickhouse\/data\/hosts\/[^/]+\/config\.d\/macros\.xml$/.test(p));
    expect(macroFiles).toHaveLength(storage.hosts.length);
    for (const host of storage.hosts) {
      const xml = stacks[id].artifacts.get(`clickhouse/data/hosts/${host.name}/config.d/macros.xml`)!;
      const { macros } = (create(xml).end({ format: 'object' }) as { clickhouse: { macros: Record<string, string> } }).clickhouse;
      const [, shard, replica] = /-s(\d+)-r(\d+)$/.exec(host.name)!;
      expect(macros).toEqual({ shard, replica: host.name, hostClusterRole: 'data', hostClusterType: 'online' });
      expect(replica).toBe(String(storage.hosts.filter((h) => h.name.includes(`-s${shard}-`)).indexOf(host) + 1));
    }
  });

  test.each(['us', 'eu'])('%s: passes the policy pack with no rule suppressed', (id) => {
    expect(stacks[id].policy).toEqual({ violations: [], suppressed: [] });
  });

  test.each(['us', 'eu'])('%s: carries the groups and events streams', (id) => {
    expect(topologyOf(id).streams.map((s) => s.name)).toEqual(expect.arrayContaining(['groups', 'events']));
  });

  test.each(['us', 'eu'])('%s: local state while its placeholder IDs remain (terraform init calls no AWS API)', (id) => {
    expect(stacks[id].config.terraform?.backend).toEqual({ local: { path: `${id}.placeholder.tfstate` } });
  });

  test.each(['us', 'eu'])('%s with the account\'s own values: S3 state backend with native locking and encryption', (id) => {
    // The same description once every placeholder is replaced (here: declared not to be one).
    const { [id]: own } = synthStacks({ [id]: { ...REGIONS[id as 'us' | 'eu'], placeholders: {} } });
    expect(own.config.terraform?.backend).toEqual({
      s3: {
        bucket: `clickhouse-ingest-tfstate-${id === 'us' ? 'us-east-1' : 'eu-central-1'}`,
        key: `clickhouse-ingest/${id}.tfstate`,
        region: id === 'us' ? 'us-east-1' : 'eu-central-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  test('providers: aws with default tags; kubernetes and helm authenticated from the EKS data sources', () => {
    const { config } = stacks.us;
    const aws = config.provider!.aws[0] as { region: string; default_tags: { tags: Record<string, string> }[] };
    // The region, behind the placeholder guard (see first-apply.test.ts).
    expect(aws.region).toBe('${(length(var.placeholder_values) < 1) ? "us-east-1" : "us-east-1"}');
    expect(aws.default_tags[0].tags).toMatchObject({ 'clickhouse-ingest:region': 'us', environment: 'production' });
    expect(config.data?.aws_eks_cluster?.eks).toMatchObject({ name: 'ingestion-us-east-1' });
    const kubernetes = config.provider!.kubernetes[0];
    expect(kubernetes).toEqual({
      host: '${data.aws_eks_cluster.eks.endpoint}',
      cluster_ca_certificate: '${base64decode(data.aws_eks_cluster.eks.certificate_authority[0].data)}',
      exec: [{ api_version: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'ingestion-us-east-1', '--region', 'us-east-1'] }],
    });
    expect(config.provider!.helm[0]).toEqual({ kubernetes: { ...kubernetes, exec: (kubernetes.exec as unknown[])[0] } });
  });

  test.each(['us', 'eu'])('%s: Terraform JSON and artifacts match the golden copy', (id) => {
    expectToMatchGolden(stacks[id].dir, id);
  });

  test('two synths of the same input are byte-identical', () => {
    const again = synthApp(addRegionStacks);
    for (const id of ['us', 'eu']) expect(readTree(again[id].dir)).toEqual(readTree(stacks[id].dir));
  });
});
