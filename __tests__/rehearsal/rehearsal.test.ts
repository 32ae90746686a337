import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { migrationRegion, MigrationPhase } from '../../examples/backend-migration/region';
import { DEV_REGION } from '../../examples/dev-region/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { RehearsalBundle, withArtifact, withStreams } from '../../lib/rehearsal/bundle';
import { compareRows } from '../../lib/rehearsal/compare';
import { backendMigrationDrill, DrillReport, formatDrill, podReplacementDrill, shuffleHogDrill } from '../../lib/rehearsal/drills';
import {
  capKafkaSettings, nonReplicatedTwin, REHEARSAL_TCP_PORT, rehearsalOverrides, renderedClusters, renderedNamedCollections,
} from '../../lib/rehearsal/overrides';
import { expectedMessages, flowOf, formatReport, rehearse, RehearsalReport } from '../../lib/rehearsal/rehearse';
import { sampleEvents } from '../../lib/rehearsal/sample-events';
import { nodeConfigFiles } from '../../lib/rehearsal/bundle';
import { topicKey } from '../../lib/rehearsal/session';
import { EU_TOPOLOGY } from '../../stacks/eu';
import { US_TOPOLOGY } from '../../stacks/us';
import { brokerOutageDrill, storageReplicaDrill } from '../../lib/rehearsal/fault-drills';
import { MockKafkaCluster } from '../../lib/rehearsal/mock-kafka';
import { rehearsalTopologySpec } from '../../lib/rehearsal/rehearsal-topology';
import { bundleOf, hasKcat, limited, withKcat } from './support';

const us = bundleOf(US_TOPOLOGY);
/** The default regions' rehearsal topologies: 2 shards × 2 replicas, 2 nodes per tier, partitions and consumers as declared. */
const usRehearsal = bundleOf(rehearsalTopologySpec(US_TOPOLOGY));
const euRehearsal = bundleOf(rehearsalTopologySpec(EU_TOPOLOGY));
/** A statement's file in sql/<role>/ (`<phase>_<id>.sql`). */
const fileOf = (role: string, id: string): string => [...us.files.keys()].find((p) => new RegExp(`^sql/${role}/\\d_${id}\\.sql$`).test(p))!;
const GROUPS_MV_FILE = fileOf('small', 'groups_mv');

const DEV_EVENTS = [
  { group_type_index: 0, group_key: 'acme', created_at: '2026-01-01 00:00:00', team_id: 1, group_properties: '{}' },
  { group_type_index: 0, group_key: 'acme', created_at: '2026-01-01 00:00:00', team_id: 1, group_properties: '{"plan":"pro"}' },
  { group_type_index: 1, group_key: 'globex', created_at: '2026-01-02 00:00:00', team_id: 1, group_properties: '{}' },
].map((e) => JSON.stringify(e));

describe('what the rehearsal changes in rendered artifacts', () => {
  test('Replicated engines become their twins; nothing else in the statement changes', () => {
    const sql = "CREATE TABLE t (a Int8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/posthog.t', '{replica}', _timestamp) ORDER BY a";
    expect(nonReplicatedTwin(sql)).toBe('CREATE TABLE t (a Int8) ENGINE = ReplacingMergeTree(_timestamp) ORDER BY a');
    expect(nonReplicatedTwin("ENGINE = ReplicatedMergeTree('/p/it\\'s', '{replica}')")).toBe('ENGINE = MergeTree()');
    const data = us.files.get('sql/data/1_groups.sql')!;
    expect(data).toContain('ReplicatedReplacingMergeTree');
    expect(nonReplicatedTwin(data)).toContain('ENGINE = ReplacingMergeTree(_timestamp)');
  });

  test('polls are capped for the mock, one streaming task per table, both reported; consumer counts stay as declared', () => {
    const r = capKafkaSettings('SETTINGS kafka_num_consumers = 8, kafka_poll_timeout_ms = 10000, kafka_max_block_size = 100000, kafka_thread_per_consumer = 1');
    expect(r.sql).toBe('SETTINGS kafka_num_consumers = 8, kafka_poll_timeout_ms = 500, kafka_max_block_size = 100000, kafka_thread_per_consumer = 0');
    expect([...r.changed]).toEqual([['kafka_poll_timeout_ms', 10000], ['kafka_thread_per_consumer', 1]]);
    expect(capKafkaSettings('kafka_num_consumers = 4, kafka_poll_timeout_ms = 200, kafka_thread_per_consumer = 0').changed.size).toBe(0);
  });

  test('the rehearsal topology keeps names, partitions and consumers per node, on fewer hosts', () => {
    const t = usRehearsal.topology;
    expect(t.storage?.hosts.map((h) => h.name)).toEqual(['ch-data-s01-r1', 'ch-data-s01-r2', 'ch-data-s02-r1', 'ch-data-s02-r2']);
    expect(t.ingestionTiers.map((x) => [x.role, x.nodes, x.consumersPerNode])).toEqual(us.topology.ingestionTiers.map((x) => [x.role, 2, x.consumersPerNode]));
    expect(t.kafkaBackends).toEqual(us.topology.kafkaBackends);
    expect(t.streams.map((x) => x.legs.map((l) => [l.topic, l.partitions, l.consumerGroup]))).toEqual(us.topology.streams.map((x) => x.legs.map((l) => [l.topic, l.partitions, l.consumerGroup])));
  });

  test('overrides keep every rendered cluster and collection, on the engine itself and without auth', () => {
    const files = nodeConfigFiles(us, 'small');
    const { file, authDropped } = rehearsalOverrides(files);
    expect(renderedClusters([file])).toEqual(renderedClusters(files));
    expect(file.content).toContain(`<port>${REHEARSAL_TCP_PORT}</port>`);
    expect(file.content).not.toContain('clickhouse.internal');
    expect([...renderedNamedCollections([file]).keys()]).toEqual([...renderedNamedCollections(files).keys()]);
    expect(authDropped.get('msk_cluster')).toEqual(['kafka_security_protocol', 'kafka_sasl_mechanism']);
    expect(file.content).toContain('<kafka_broker_list from_env="KAFKA_HOSTS_MSK_CLUSTER"/>');
  });

  test('sample events fill every column, with edge values and an omitted field, and never repeat a whole row', () => {
    const columns = [
      { name: 'team_id', type: 'Int64' }, { name: 'group_key', type: 'VARCHAR' }, { name: 'uuid', type: 'UUID' },
      { name: 'ts', type: "DateTime64(6, 'UTC')" }, { name: 'type', type: 'LowCardinality(String)' }, { name: 'x', type: 'Int16' },
    ];
    const lines = sampleEvents(columns, 50);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(new Set(lines).size).toBe(50);
    expect(events.filter((e) => Object.keys(e).length === columns.length).length).toBe(40);
    expect(events[4]).not.toHaveProperty('team_id');
    expect(events.map((e) => e.group_key)).toContain('');
    expect(events.some((e) => typeof e.group_key === 'string' && /東京 🦔 "q" \\/.test(e.group_key))).toBe(true);
    expect(events.map((e) => e.team_id)).toContain('9223372036854775806');
    expect(events.some((e) => typeof e.x === 'number' && e.x < 0)).toBe(true);
    // Every column except the omitted one stays distinct, so no two rows share a whole sorting key.
    for (const column of ['uuid', 'ts']) expect(new Set(events.map((e) => String(e[column]))).size).toBeGreaterThanOrEqual(49);
  });

  test('rows are paired with events field by field: identical first, then the closest, each differing field counted', () => {
    const produced = ['{"a":"1","b":"x"}', '{"a":"2","b":"y"}', '{"a":"3","b":"z"}'];
    const landed = ['{"a":"2","b":"y"}', '{"a":"1","b":"X"}'];
    const c = compareRows(['a', 'b'], produced, landed);
    expect([c.matched, c.mismatches, c.missing, c.unexpected]).toEqual([1, 1, 1, 0]);
    expect(c.examples).toEqual(['b: produced "x", landed "X"']);
    expect(compareRows(['a'], ['{"a":"1"}'], ['{"a":"1"}', '{"a":"1"}']).unexpected).toBe(1);
  });

  test('--stream keeps the stream and the ShuffleHog stream feeding it; an unknown stream is named', () => {
    const shuffle = bundleOf(SHUFFLEHOG_REGION);
    expect(withStreams(shuffle, ['events']).topology.streams.map((s) => s.name)).toEqual(['events_shufflehog', 'events']);
    expect(withStreams(usRehearsal, ['heatmaps']).topology.streams.map((s) => s.name)).toEqual(['heatmaps']);
    expect(() => withStreams(usRehearsal, ['evnets'])).toThrow('no stream evnets in us (streams: groups, heatmaps, events)');
  });

  test('a ShuffleHog sink counts as produced by the region: only raw topics get sample events', () => {
    const shuffle = bundleOf(SHUFFLEHOG_REGION);
    const flow = flowOf(shuffle.topology.streams);
    expect(flow.sources.map(topicKey)).toEqual(['warpstream_ingestion/events_json']);
    const expected = expectedMessages(flow, new Map([['warpstream_ingestion/events_json', 20]]));
    expect(expected.get('warpstream_ingestion/events_json_by_team_event')).toBe(20);
  });
});

function breakArtifact(bundle: RehearsalBundle, path: string, from: string, to: string): RehearsalBundle {
  const content = bundle.files.get(path);
  if (content === undefined || !content.includes(from)) throw new Error(`${path} does not contain ${from}`);
  return withArtifact(bundle, { path, content: content.replace(from, to) });
}

describe('rehearsal end to end (mock Kafka via kcat, chdb)', () => {
  const migration = (): RehearsalBundle => bundleOf(migrationRegion(MigrationPhase.BOTH_LEGS));
  // Everything starts at once (a few engines at a time): most of the time is spent waiting for
  // Kafka groups, the pod replacement longest (the mock drops a killed node after 6 s).
  type Run = RehearsalReport | DrillReport;
  // Every run starts when the file loads and queues for one of three slots, so a test's await spans
  // the runs ahead of it: its limit is the whole queue's on a busy machine (a limit, not a wait).
  const QUEUED_RUN_LIMIT_MS = 900_000;
  const BROKEN_TIME_LIMIT_MS = 600_000;
  const runs: Record<string, Promise<Run>> = hasKcat ? limited<Run>(3, {
    us: () => rehearse({ bundle: usRehearsal, timeoutMs: 60_000 }),
    eu: () => rehearse({ bundle: euRehearsal, timeoutMs: 60_000 }),
    podDrill: () => podReplacementDrill(us, { timeoutMs: 60_000 }),
    brokerDrill: () => brokerOutageDrill(usRehearsal, { timeoutMs: 60_000 }),
    replicaDrill: () => storageReplicaDrill(usRehearsal, { timeoutMs: 60_000 }),
    heatmapsOnly: () => rehearse({ bundle: usRehearsal, stream: 'heatmaps', timeoutMs: 60_000 }),
    // The user's own events (as with --events-file), one of them a replacement of another.
    dev: () => rehearse({ bundle: bundleOf(DEV_REGION), timeoutMs: 60_000, events: { clickhouse_groups: DEV_EVENTS } }),
    // The examples without the storage half (their ingestion engines hold the data tables): the
    // default regions above run it, and the machine's two cores are shared.
    migration: () => rehearse({ bundle: migration(), timeoutMs: 60_000, storage: false }),
    shufflehog: () => rehearse({ bundle: bundleOf(SHUFFLEHOG_REGION), timeoutMs: 60_000, storage: false }),
    // Three breakages at once: a view whose target table is missing and a Kafka table naming an
    // unknown collection (ClickHouse refuses both at CREATE), and a writable table sending to a data
    // table that does not exist (accepted at CREATE, so only the running chain shows it).
    broken: () => rehearse({
      bundle: breakArtifact(breakArtifact(
        breakArtifact(us, GROUPS_MV_FILE, 'TO posthog.writable_groups', 'TO posthog.writable_groupz'),
        fileOf('medium', 'kafka_heatmaps'), 'Kafka(msk_cluster', 'Kafka(msk_clustr'),
        fileOf('events', 'writable_events_ws'), "'sharded_events'", "'sharded_eventz'"),
      // Without the storage half: its static check would name these before anything ran (mutations.test.ts).
      // A time limit the test never reaches: finishing at all shows the rehearsal gave up because it
      // saw every chain broken, not because the clock ran out.
      timeoutMs: BROKEN_TIME_LIMIT_MS, storage: false,
    }),
    migrationDrill: () => backendMigrationDrill(migration(), { timeoutMs: 60_000 }),
    shuffleDrill: () => shuffleHogDrill(bundleOf(SHUFFLEHOG_REGION), { timeoutMs: 60_000 }),
    migrationDrillOnUs: () => backendMigrationDrill(us),
  }) : {};
  const report = (name: string): Promise<RehearsalReport> => runs[name] as Promise<RehearsalReport>;

  // The command users run, over artifacts on disk laid out as a synth writes them.
  const cliOut = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearse-cli-'));
  afterAll(() => fs.rmSync(cliOut, { recursive: true, force: true }));
  const cli: Promise<{ code: number; stdout: string; stderr: string }> = hasKcat ? (async () => {
    for (const [file, content] of bundleOf(DEV_REGION).files) {
      const target = path.join(cliOut, 'stacks', 'dev', 'artifacts', file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    return new Promise((resolve) => {
      execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bin/rehearse.ts', 'dev', '--out', cliOut, '--events', '5'],
        { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, timeout: 100_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    });
  })() : Promise.resolve({ code: -1, stdout: '', stderr: '' });
  const drill = (name: string): Promise<DrillReport> => runs[name] as Promise<DrillReport>;

  function expectAllLanded(report: RehearsalReport): void {
    if (!report.ok) throw new Error(formatReport(report));
    for (const s of report.streams) {
      expect(s.landed).toBe(s.expected);
      expect(s.expected).toBeGreaterThan(0);
      expect(s.secondsToLand).toBeDefined();
      for (const leg of s.legs) expect(leg.lag).toBe(0);
    }
  }

  /** The whole path: every leg's events compared field by field, partitions split over two engines, each shard's replicas in ZooKeeper. */
  function expectWholePath(report: RehearsalReport): void {
    expectAllLanded(report);
    for (const s of report.streams) {
      expect(s.mismatches).toBe(0);
      for (const leg of s.legs) {
        expect([leg.landed, leg.mismatches, leg.committed]).toEqual([leg.produced, 0, leg.produced]);
        expect(leg.produced).toBeGreaterThanOrEqual(Math.max(20, leg.partitions ?? 0));
        expect(leg.partitionsPerEngine).toHaveLength(2);
        expect(leg.partitionsPerEngine!.every((n) => n > 0)).toBe(true);
        expect(leg.partitionsPerEngine!.reduce((a, b) => a + b, 0)).toBe(leg.partitions);
      }
      expect(s.replication?.problems).toEqual([]);
    }
  }

  withKcat('us (rehearsal topology): every event lands on the storage engines, field by field, with zero lag', async () => {
    const r = await report('us');
    expectWholePath(r);
    expect(r.streams.map((s) => [s.name, s.target])).toEqual([
      ['groups', 'posthog.groups'], ['heatmaps', 'posthog.sharded_heatmaps'], ['events', 'posthog.sharded_events'],
    ]);
    // The declared partitions (16, 64, 256), each holding at least one event; the broker's view: every group committed every message.
    for (const leg of r.streams.flatMap((s) => s.legs)) expect([leg.committed, leg.lag]).toEqual([leg.produced, 0]);
    expect(r.streams.flatMap((s) => s.legs).map((l) => [l.partitions, l.produced])).toEqual([[16, 20], [64, 64], [256, 256]]);
    // From ZooKeeper's tree: each shard's replicas on one path, shards apart, every replica registered.
    const events = r.streams.find((s) => s.name === 'events')!.replication!;
    expect(events.shards).toEqual([
      { shard: '01', path: '/clickhouse/tables/01/posthog.sharded_events', replicas: ['ch-data-s01-r1', 'ch-data-s01-r2'] },
      { shard: '02', path: '/clickhouse/tables/02/posthog.sharded_events', replicas: ['ch-data-s02-r1', 'ch-data-s02-r2'] },
    ]);
    expect(r.streams.find((s) => s.name === 'groups')!.replication!.shards).toEqual([{
      shard: 'all', path: '/clickhouse/tables/noshard/posthog.groups',
      replicas: ['ch-data-s01-r1-01', 'ch-data-s01-r2-01', 'ch-data-s02-r1-02', 'ch-data-s02-r2-02'],
    }]);
    expect(r.notes.join('\n')).toContain('posthog.kafka_events_ws: kafka_poll_timeout_ms 10000 → 500');
    expect(r.notes.join('\n')).toContain('posthog.kafka_events_ws: kafka_thread_per_consumer 1 → 0');
    expect(formatReport(r)).toMatch(/leg warpstream_ingestion\/clickhouse_events_json .*produced 256, landed 256, field mismatches 0, committed 256, lag 0; 256 partitions split \d+ \+ \d+ over 2 engines/);
    expect(formatReport(r)).toContain('ZooKeeper: shard 01 2 replicas at /clickhouse/tables/01/posthog.sharded_events; shard 02 2 replicas at /clickhouse/tables/02/posthog.sharded_events');
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('eu (rehearsal topology): every event lands, field by field', async () => expectWholePath(await report('eu')), QUEUED_RUN_LIMIT_MS);

  withKcat('--stream: a run limited to one stream starts and reports only that stream', async () => {
    const r = await report('heatmapsOnly');
    expectWholePath(r);
    expect(r.streams.map((s) => s.name)).toEqual(['heatmaps']);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('the lag probe reads committed offsets without committing: a group that never consumed keeps its whole backlog', async () => {
    const mock = await MockKafkaCluster.start();
    try {
      await mock.createTopic('probe', 4);
      expect(await mock.partitionCount('probe')).toBe(4);
      await mock.produce('probe', Array.from({ length: 10 }, (_, i) => ({ payload: `{"i":${i}}` })));
      expect(await mock.uncommitted('probe', 'never_consumed')).toBe(10);
      // Asked again: still everything, so the first probe committed nothing.
      expect(await mock.uncommitted('probe', 'never_consumed')).toBe(10);
      expect((await mock.offsets('probe', 'never_consumed')).map((p) => [p.committed, p.high])).toEqual([[-1, 3], [-1, 3], [-1, 2], [-1, 2]]);
    } finally {
      mock.stop();
    }
  }, 60_000);

  withKcat('example dev-region with the user\'s own events: each lands, equal keys folded by ReplacingMergeTree', async () => {
    const r = await report('dev');
    if (!r.ok) throw new Error(formatReport(r));
    const groups = r.streams[0];
    // Three lines, two of them the same group: all three land; FINAL folds them into two rows.
    expect([groups.expected, groups.landed, groups.duplicates, groups.distinct]).toEqual([3, 3, 0, 2]);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('example backend-migration (both legs): events of both backends land in one table', async () => {
    const r = await report('migration');
    expectAllLanded(r);
    const groups = r.streams.find((s) => s.name === 'groups')!;
    expect(groups.legs.map((l) => l.backend).sort()).toEqual(['msk_cluster', 'warpstream_ingestion']);
    expect(groups.landed).toBe(40);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('example shufflehog: raw events go through the re-keyed topic into sharded_events', async () => {
    const r = await report('shufflehog');
    expectAllLanded(r);
    expect(r.streams.map((s) => [s.name, s.landed])).toEqual([['events_shufflehog', 20], ['events', 20]]);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('npm run rehearse -- <stack>: reads the artifacts, prints the report and progress, exits 0', async () => {
    const { code, stdout, stderr } = await cli;
    expect(stdout).toContain('Rehearsal of dev: every event landed');
    expect(stdout).toMatch(/✓ groups → posthog\.groups: 5\/5 landed in [\d.]+ s/);
    expect(stdout).toMatch(/leg warpstream_dev\/clickhouse_groups \(group clickhouse_groups_ws, small\): produced 5, landed 5, field mismatches 0, committed 5, lag 0; \d+ partitions split/);
    expect(stderr).toContain('dev: produced 5 events to 1 topic; waiting for them to land');
    expect(code).toBe(0);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('a broken stream fails the rehearsal with a message naming the broken object', async () => {
    const r = await report('broken');
    expect(r.ok).toBe(false);
    const problem = (name: string): string => r.streams.find((s) => s.name === name)!.problem ?? '';
    expect(problem('groups')).toContain(`${GROUPS_MV_FILE} (posthog.groups_mv) failed on a small node`);
    expect(problem('groups')).toContain('posthog.writable_groupz does not exist');
    expect(problem('heatmaps')).toContain(`${fileOf('medium', 'kafka_heatmaps')} (posthog.kafka_heatmaps) failed on a medium node`);
    expect(problem('heatmaps')).toMatch(/msk_clustr/);
    expect(problem('events')).toBe('events: 0 of 256 landed in posthog.sharded_events; ' +
      'writable table posthog.writable_events_ws sends to posthog.sharded_eventz, which does not exist on the data nodes');
    expect(formatReport(r)).toMatch(/✗ events[\s\S]*broken: events: 0 of 256 landed/);
    // Given up as soon as every chain was seen broken, long before the time limit.
    expect(r.seconds * 1000).toBeLessThan(BROKEN_TIME_LIMIT_MS);
  }, QUEUED_RUN_LIMIT_MS);

  function expectPassed(d: DrillReport): void {
    if (!d.ok || d.skipped !== undefined) throw new Error(formatDrill(d));
  }

  withKcat('drill pod replacement: a killed node\'s successor with an empty disk and the same group lands every event', async () => {
    const d = await drill('podDrill');
    expectPassed(d);
    const text = d.details.join('\n');
    const killed = /node A killed with (\d+) of 20 events landed and (\d+) of the second 10 produced/.exec(text);
    expect(killed).not.toBeNull();
    // Part-way: the first batch had landed, the second had not entirely.
    expect(Number(killed![1])).toBeGreaterThanOrEqual(10);
    expect(Number(killed![1])).toBeLessThan(20);
    expect(text).toContain('node B started on an empty ingestion disk: 5 objects recreated (groups_dead_letters_mv, groups_mv, kafka_groups, writable_groups, writable_groups_dead_letters)');
    expect(text).toMatch(/resumed group clickhouse_groups .*: \d+ rows, 20 with FINAL, for 20 events/);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('drill backend migration: MSK and WarpStream legs land in one table; without the MSK leg, WarpStream keeps landing', async () => {
    const d = await drill('migrationDrill');
    expectPassed(d);
    expect(d.details.join('\n')).toContain('20/20 landed in posthog.groups from both backends');
    expect(d.details.join('\n')).toMatch(/after removal: 10 of 10 events from warpstream_ingestion landed; the 10 produced to msk_cluster\/clickhouse_groups did not \(leg removed\)/);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('drill ShuffleHog: re-keyed messages come out keyed, each key on exactly one partition', async () => {
    const d = await drill('shuffleDrill');
    expectPassed(d);
    expect(d.details.join('\n')).toMatch(/\d+ messages on warpstream_ingestion\/events_json_by_team_event keyed by .*: 4 keys over \d partitions/);
    expect(d.details).toContain('every key on exactly one partition');
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('drill broker outage: a broker down and back, every event lands exactly once', async () => {
    const d = await drill('brokerDrill');
    expectPassed(d);
    const text = d.details.join('\n');
    expect(text).toMatch(/broker 1 down for [\d.]+ s: \d+ of the second 16 events landed meanwhile/);
    expect(text).toContain('broker 1 back: 32 rows for 32 events, lag 0');
    expect(text).toContain('every event landed exactly once');
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('drill storage replicas: one read-only, another lost, events land once on the rest; a shard without replicas stops visibly', async () => {
    const d = await drill('replicaDrill');
    expectPassed(d);
    const text = d.details.join('\n');
    // The first sharded stream of the rehearsal topology (heatmaps is sharded since its read table
    // came in); one event per declared partition of its topic.
    expect(text).toContain('64 events landed in sharded_heatmaps over 4 storage engines (2 shards)');
    expect(text).toContain('ch-data-s01-r1: ZooKeeper connection cut, session expired (read-only)');
    expect(text).toContain('ch-data-s02-r2: lost (killed)');
    expect(text).toMatch(/second batch: 64 of 64 landed on the replicas left, 0 on the read-only one/);
    expect(text).toContain('ch-data-s01-r1: reconnected, writable again');
    expect(text).toMatch(/shard 02 without a replica: .* outbox parts held: no replica of shard 2 of posthog accepted the insert/);
    expect(text).toMatch(/back on its disk: the held parts landed; (\d+) rows for \1 events/);
  }, QUEUED_RUN_LIMIT_MS);

  withKcat('a drill that does not apply to a region says so instead of passing silently', async () => {
    expect((await drill('migrationDrillOnUs')).skipped).toBe('no stream with legs on two backends');
  }, QUEUED_RUN_LIMIT_MS);
});
