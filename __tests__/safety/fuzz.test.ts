import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import * as fc from 'fast-check';
import {
  DataEngine, KafkaBackendKind, KafkaBackendSpec, NodeRole, StreamSpec, Topology, TopologyValidationError,
} from '../../lib/model';
import { buildRegionTopology, KafkaBackendOptions, RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { nodeGroups, renderHostMacros, renderNodeGroupConfig } from '../../lib/clickhouse';
import { evaluatePolicies } from '../../lib/policy';
import { underFolder } from '../../lib/render/artifacts';
import { RenderedFile } from '../../lib/render/file';
import { renderTopologyJson } from '../../lib/render/topology-json';
import { renderTopologyMarkdown } from '../../lib/render/topology-md';
import { migrationFiles, renderStartupScripts } from '../../lib/schema';
import { renderZooCfg } from '../../lib/constructs/zookeeper';

/**
 * Property: a region description is either accepted, and then renders (model → SQL, zoo.cfg,
 * topology docs) and synthesizes, or rejected with a TopologyValidationError naming fields. Never
 * another exception. The generator stays close to valid descriptions so both outcomes are common.
 */

const HOSTILE = ['', ' ', 'a b', '"', "'; DROP TABLE x; --", '<x/>', ']]>', '${jndi}', 'ünï', '🦔', 'A'.repeat(300), '../..', '\n'];
const hostile = fc.constantFrom(...HOSTILE);

/** A whole number in range most of the time, something absurd now and then. */
function count(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 2.5, NaN, Infinity, 1e9, '3' as unknown as number, null as unknown as number) },
  );
}

/** Usually undefined (the default), sometimes a value. */
function rarely<T>(value: fc.Arbitrary<T>, weight = 8): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

function sometimes<T>(valid: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<T> {
  return fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: hostile as unknown as fc.Arbitrary<T> });
}

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
const ROLES = ['small', 'medium', 'events', 'ai_events'];
const TOPICS = ['clickhouse_events_json', 'clickhouse_groups', 'session_replay'];
const COLUMNS = [
  { name: 'team_id', type: 'Int64' }, { name: 'uuid', type: 'UUID' }, { name: 'event', type: 'String' },
  { name: 'timestamp', type: "DateTime64(6, 'UTC')" }, { name: 'distinct_id', type: 'String' },
];

const tierArb = fc.record({
  role: sometimes(fc.constantFrom(...ROLES), 20),
  nodes: count(1, 5),
  cores: fc.option(count(1, 8), { nil: undefined }),
  consumersPerNode: fc.option(count(1, 4), { nil: undefined }),
  fitCores: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

const backendArb = fc.record({
  name: sometimes(fc.constantFrom('msk_cluster', 'warpstream_ingestion', 'msk_new'), 20),
  kind: fc.oneof({ weight: 20, arbitrary: fc.constantFrom(KafkaBackendKind.MSK, KafkaBackendKind.WARPSTREAM) }, { weight: 1, arbitrary: fc.constant('kinesis' as KafkaBackendKind) }),
  topics: fc.uniqueArray(fc.record({ name: sometimes(fc.constantFrom(...TOPICS), 60), partitions: fc.oneof(count(1, 512), fc.constantFrom(64, 256)) }),
    { minLength: 1, maxLength: 3, selector: (t) => t.name }),
});

const legArb = fc.record({
  backend: fc.nat(), role: fc.nat(),
  /** Usually the stream's own topic (two streams on one topic and group are a separate, rarer case). */
  otherTopic: rarely(fc.nat(), 12),
  consumersPerNode: fc.option(count(1, 4), { nil: undefined }),
  suffix: rarely(fc.constantFrom('_ws', '_v2', 'bad suffix')),
});

const streamArb = fc.record({
  name: sometimes(fc.constantFrom('events', 'groups', 'heatmaps', 'ai_events'), 20),
  columns: fc.subarray(COLUMNS, { minLength: 1 }),
  badType: rarely(hostile),
  sharded: fc.boolean(),
  /** Whether the sharding key matches `sharded` (a key exactly when sharded). */
  keyMatches: fc.oneof({ weight: 12, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  shardingKey: sometimes(fc.constant('sipHash64(team_id)'), 15),
  engine: fc.constantFrom(DataEngine.replicatedMergeTree(), DataEngine.replicatedReplacingMergeTree('_timestamp')),
  legs: fc.oneof({ weight: 4, arbitrary: fc.array(legArb, { minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.array(legArb, { minLength: 1, maxLength: 2 }) }),
});

/** Region descriptions: mostly plausible, with hostile names, absurd counts and dangling references mixed in. */
const regionArb: fc.Arbitrary<RegionStackProps> = fc.record({
  name: sometimes(fc.constantFrom('us', 'eu', 'fuzz', 'dr-1'), 15),
  zones: fc.oneof({ weight: 6, arbitrary: fc.subarray(ZONES, { minLength: 3 }) }, { weight: 1, arbitrary: fc.subarray(ZONES, { minLength: 1 }) }),
  dropSubnet: rarely(fc.constant(true)),
  shards: count(1, 4),
  replicas: rarely(count(1, 4), 3),
  zookeeper: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(undefined, 3, 5) }, { weight: 1, arbitrary: count(0, 11) }),
  tiers: fc.oneof({ weight: 10, arbitrary: fc.uniqueArray(tierArb, { minLength: 1, maxLength: 3, selector: (t) => t.role }) },
    { weight: 1, arbitrary: fc.array(tierArb, { maxLength: 3 }) }),
  backends: fc.oneof({ weight: 10, arbitrary: fc.uniqueArray(backendArb, { minLength: 1, maxLength: 2, selector: (b) => b.name }) },
    { weight: 1, arbitrary: fc.array(backendArb, { maxLength: 2 }) }),
  forgetOptions: rarely(fc.constant(true), 15),
  streams: fc.oneof({ weight: 10, arbitrary: fc.uniqueArray(streamArb, { maxLength: 3, selector: (st) => st.name }) },
    { weight: 1, arbitrary: fc.array(streamArb, { maxLength: 3 }) }),
}).map((g): RegionStackProps => {
  const backends = g.backends as unknown as KafkaBackendSpec[];
  const streams: StreamSpec[] = g.streams.map((s, i) => ({
    name: s.name,
    columns: s.badType === undefined ? s.columns : [...s.columns.slice(1), { name: 'payload', type: s.badType }],
    orderBy: [s.columns[0].name],
    engine: s.engine,
    sharded: s.sharded,
    shardingKey: s.sharded === s.keyMatches ? s.shardingKey : undefined,
    legs: s.legs.map((l, j) => {
      const backend = backends.length > 0 ? backends[l.backend % backends.length] : undefined;
      const topics = backend?.topics ?? [];
      return {
        backend: backend?.name ?? 'undeclared',
        topic: topics.length > 0 ? topics[(l.otherTopic ?? i) % topics.length].name : 'undeclared',
        roles: [g.tiers.length > 0 ? g.tiers[l.role % g.tiers.length].role : NodeRole.SMALL],
        consumersPerNode: l.consumersPerNode,
        // A second leg needs a suffix of its own; the first usually takes the backend's default.
        suffix: j === 0 ? l.suffix : l.suffix ?? `_l${j}`,
      };
    }),
  }));
  const zones = g.zones;
  const subnets = Object.fromEntries(zones.map((z, i) => [z, `subnet-0a1b2c3d4e5f6a7${String(i).padStart(2, '0')}`]));
  if (g.dropSubnet === true) delete subnets[zones[zones.length - 1]];
  return {
    name: g.name,
    region: 'us-east-1',
    availabilityZones: zones,
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    subnetIds: subnets,
    eksClusterName: 'fuzz',
    stateBackend: { bucket: 'clickhouse-ingest-tfstate-fuzz' },
    storage: { shards: g.shards, replicas: g.replicas },
    zookeeper: g.zookeeper === undefined ? undefined : { nodes: g.zookeeper },
    // Mostly cores ≥ consumers, so that other rules get their turn.
    ingestionTiers: g.tiers.map((t) => (t.fitCores && typeof t.consumersPerNode === 'number' && typeof t.cores === 'number' && t.cores < t.consumersPerNode
      ? { ...t, cores: t.consumersPerNode } : t)),
    kafkaBackends: backends,
    // A WarpStream backend needs its virtual cluster id; now and then one goes without.
    kafkaBackendOptions: Object.fromEntries(backends
      .filter((b, i) => b.kind === KafkaBackendKind.WARPSTREAM && typeof b.name === 'string' && !(g.forgetOptions && i === 0))
      .map((b) => [b.name, KafkaBackendOptions.warpStream({ virtualClusterId: 'vci_fuzz' })])),
    streams,
  };
});

/** Everything the pure renderers produce for a topology: ClickHouse config per node group, SQL, zoo.cfg, docs. */
function renderFiles(topology: Topology): RenderedFile[] {
  return [
    ...nodeGroups(topology).flatMap((g) => underFolder(`clickhouse/${g.name}`, renderNodeGroupConfig(topology, g))),
    // Macros differ only by shard and replica: the first and the last host stand for the rest.
    ...[...new Set([topology.storage.hosts[0], topology.storage.hosts[topology.storage.hosts.length - 1]])].map((h) => renderHostMacros(topology, h)),
    ...nodeGroups(topology).map((g) => renderStartupScripts(topology, g.role)),
    ...migrationFiles(topology),
    { path: 'zookeeper/zoo.cfg', content: renderZooCfg(topology.zookeeper) },
    renderTopologyMarkdown(topology),
    renderTopologyJson(topology),
  ];
}

function renderAll(topology: Topology): string[] {
  const files = renderFiles(topology);
  // The rendered files alone pass the policy rules that read artifacts (secrets, one consumer per group).
  expect(evaluatePolicies({ terraform: {}, topology, artifacts: files })).toEqual([]);
  return files.map((f) => `${f.path}\n${f.content}`);
}

/** Runs `fn` and sorts the outcome: accepted, rejected properly, or anything else (a crash). */
function outcome<T>(fn: () => T): { accepted: T } | { rejected: TopologyValidationError } {
  try {
    return { accepted: fn() };
  } catch (e) {
    if (e instanceof TopologyValidationError) return { rejected: e };
    throw new Error(`crashed instead of a validation error: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

describe('fuzzing region descriptions', () => {
  test('1,000 descriptions: each is rejected with field-level problems, or accepted and renders deterministically', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(fc.property(regionArb, (spec) => {
      const result = outcome(() => buildRegionTopology(spec));
      if ('rejected' in result) {
        rejected++;
        expect(result.rejected.problems.length).toBeGreaterThan(0);
        for (const p of result.rejected.problems) {
          expect(typeof p.field).toBe('string');
          expect(p.field.length).toBeGreaterThan(0);
          expect(p.expected.length).toBeGreaterThan(0);
        }
        return;
      }
      accepted++;
      const first = outcome(() => renderAll(result.accepted));
      if (!('accepted' in first)) throw new Error(`an accepted description failed to render: ${first.rejected.message}`);
      // Determinism on a sample (rendering twice doubles the cost): a fresh model renders the same bytes.
      if (accepted % 5 === 0) expect(renderAll(buildRegionTopology(spec))).toEqual(first.accepted);
    }), { numRuns: 1000, seed: 20261122 });
    // Both branches must be exercised, or the property says little.
    expect(accepted).toBeGreaterThanOrEqual(100);
    expect(rejected).toBeGreaterThanOrEqual(100);
  });

  test('a sample through RegionStack: 4 accepted descriptions synthesize (policy pack included), 4 rejected ones write nothing', () => {
    // Validation is cheap and synthesis is not: pick the sample by outcome from a seeded stream.
    const sample = fc.sample(regionArb, { numRuns: 200, seed: 7 });
    const isAccepted = (spec: RegionStackProps): boolean => 'accepted' in outcome(() => buildRegionTopology(spec));
    const accepted = sample.filter(isAccepted).slice(0, 4);
    const rejected = sample.filter((spec) => !isAccepted(spec)).slice(0, 4);
    expect([accepted.length, rejected.length]).toEqual([4, 4]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-synth-'));
    try {
      [...accepted, ...rejected].forEach((spec, i) => {
        const outdir = path.join(tmp, String(i));
        const app = new App({ outdir });
        const result = outcome(() => new RegionStack(app, 'fuzz', spec));
        if ('rejected' in result) {
          expect(i).toBeGreaterThanOrEqual(accepted.length);
          const written = fs.readdirSync(outdir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
          expect(written).toEqual([]);
          return;
        }
        app.synth();
        expect(fs.existsSync(path.join(outdir, 'stacks', 'fuzz', 'cdk.tf.json'))).toBe(true);
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
