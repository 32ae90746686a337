import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { migrationRegion, MigrationPhase } from '../../examples/backend-migration/region';
import { DEV_REGION } from '../../examples/dev-region/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { RehearsalBundle, withArtifact } from '../../lib/rehearsal/bundle';
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
import { bundleOf, hasKcat, limited, withKcat } from './support';

const us = bundleOf(US_TOPOLOGY);

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

  test('Kafka settings above the mock\'s caps are lowered and reported; lower ones stay', () => {
    const r = capKafkaSettings('SETTINGS kafka_num_consumers = 8, kafka_poll_timeout_ms = 10000, kafka_max_block_size = 100000');
    expect(r.sql).toBe('SETTINGS kafka_num_consumers = 4, kafka_poll_timeout_ms = 500, kafka_max_block_size = 100000');
    expect([...r.changed]).toEqual([['kafka_num_consumers', 8], ['kafka_poll_timeout_ms', 10000]]);
    expect(capKafkaSettings('kafka_num_consumers = 4, kafka_poll_timeout_ms = 200').changed.size).toBe(0);
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

  test('sample events never share a value in a column, so Replacing tables keep every row', () => {
    const events = sampleEvents([
      { name: 'team_id', type: 'Int64' }, { name: 'group_key', type: 'VARCHAR' }, { name: 'uuid', type: 'UUID' },
      { name: 'ts', type: "DateTime64(6, 'UTC')" }, { name: 'type', type: 'LowCardinality(String)' }, { name: 'x', type: 'Int16' },
    ], 50).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const column of ['team_id', 'group_key', 'uuid', 'ts', 'type', 'x']) {
      expect(new Set(events.map((e) => String(e[column]))).size).toBe(50);
    }
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
  const BROKEN_TIME_LIMIT_MS = 600_000;
  const runs: Record<string, Promise<Run>> = hasKcat ? limited<Run>(6, {
    podDrill: () => podReplacementDrill(us, { timeoutMs: 60_000 }),
    us: () => rehearse({ bundle: us, timeoutMs: 60_000 }),
    eu: () => rehearse({ bundle: bundleOf(EU_TOPOLOGY), timeoutMs: 60_000 }),
    // The user's own events (as with --events-file), one of them a replacement of another.
    dev: () => rehearse({ bundle: bundleOf(DEV_REGION), timeoutMs: 60_000, events: { clickhouse_groups: DEV_EVENTS } }),
    migration: () => rehearse({ bundle: migration(), timeoutMs: 60_000 }),
    shufflehog: () => rehearse({ bundle: bundleOf(SHUFFLEHOG_REGION), timeoutMs: 60_000 }),
    // Three breakages at once: a view whose target table is missing and a Kafka table naming an
    // unknown collection (ClickHouse refuses both at CREATE), and a writable table sending to a data
    // table that does not exist (accepted at CREATE, so only the running chain shows it).
    broken: () => rehearse({
      bundle: breakArtifact(breakArtifact(
        breakArtifact(us, 'sql/small/3_groups_mv.sql', 'TO posthog.writable_groups', 'TO posthog.writable_groupz'),
        'sql/medium/2_kafka_heatmaps.sql', 'Kafka(msk_cluster', 'Kafka(msk_clustr'),
        'sql/events/1_writable_events_ws.sql', "'sharded_events'", "'sharded_eventz'"),
      // A time limit the test never reaches (its own limit is 120 s): finishing at all shows the
      // rehearsal gave up because it saw every chain broken, not because the clock ran out.
      timeoutMs: BROKEN_TIME_LIMIT_MS,
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

  withKcat('us: every event of every stream lands in its data table, with zero lag', async () => {
    const r = await report('us');
    expectAllLanded(r);
    expect(r.streams.map((s) => [s.name, s.target])).toEqual([
      ['groups', 'posthog.groups'], ['heatmaps', 'posthog.heatmaps'], ['events', 'posthog.sharded_events'],
    ]);
    // The broker's view: every group committed every message of its topic.
    for (const leg of r.streams.flatMap((s) => s.legs)) expect([leg.produced, leg.committed, leg.lag]).toEqual([20, 20, 0]);
    expect(r.notes.join('\n')).toContain('posthog.kafka_events_ws: kafka_poll_timeout_ms 10000 → 500');
  }, 120_000);

  withKcat('eu: every event lands', async () => expectAllLanded(await report('eu')), 120_000);

  withKcat('example dev-region with the user\'s own events: each lands, equal keys folded by ReplacingMergeTree', async () => {
    const r = await report('dev');
    if (!r.ok) throw new Error(formatReport(r));
    const groups = r.streams[0];
    // Three lines, two of them the same group: all three land; FINAL folds them into two rows.
    expect([groups.expected, groups.landed, groups.duplicates, groups.distinct]).toEqual([3, 3, 0, 2]);
  }, 120_000);

  withKcat('example backend-migration (both legs): events of both backends land in one table', async () => {
    const r = await report('migration');
    expectAllLanded(r);
    const groups = r.streams.find((s) => s.name === 'groups')!;
    expect(groups.legs.map((l) => l.backend).sort()).toEqual(['msk_cluster', 'warpstream_ingestion']);
    expect(groups.landed).toBe(40);
  }, 120_000);

  withKcat('example shufflehog: raw events go through the re-keyed topic into sharded_events', async () => {
    const r = await report('shufflehog');
    expectAllLanded(r);
    expect(r.streams.map((s) => [s.name, s.landed])).toEqual([['events_shufflehog', 20], ['events', 20]]);
  }, 120_000);

  withKcat('npm run rehearse -- <stack>: reads the artifacts, prints the report and progress, exits 0', async () => {
    const { code, stdout, stderr } = await cli;
    expect(stdout).toContain('Rehearsal of dev: every event landed');
    expect(stdout).toMatch(/✓ groups → posthog\.groups: 5\/5 landed in [\d.]+ s/);
    expect(stdout).toContain('leg warpstream_dev/clickhouse_groups (group clickhouse_groups_ws, small): produced 5, committed 5, lag 0');
    expect(stderr).toContain('dev: produced 5 events to 1 topic; waiting for them to land');
    expect(code).toBe(0);
  }, 120_000);

  withKcat('a broken stream fails the rehearsal with a message naming the broken object', async () => {
    const r = await report('broken');
    expect(r.ok).toBe(false);
    const problem = (name: string): string => r.streams.find((s) => s.name === name)!.problem ?? '';
    expect(problem('groups')).toContain('sql/small/3_groups_mv.sql (posthog.groups_mv) failed on a small node');
    expect(problem('groups')).toContain('posthog.writable_groupz does not exist');
    expect(problem('heatmaps')).toContain('sql/medium/2_kafka_heatmaps.sql (posthog.kafka_heatmaps) failed on a medium node');
    expect(problem('heatmaps')).toMatch(/msk_clustr/);
    expect(problem('events')).toBe('events: 0 of 20 landed in posthog.sharded_events; ' +
      'writable table posthog.writable_events_ws sends to posthog.sharded_eventz, which does not exist on the data nodes');
    expect(formatReport(r)).toMatch(/✗ events[\s\S]*broken: events: 0 of 20 landed/);
    // Given up as soon as every chain was seen broken, long before the time limit.
    expect(r.seconds * 1000).toBeLessThan(BROKEN_TIME_LIMIT_MS);
  }, 120_000);

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
    expect(text).toContain('node B started on an empty ingestion disk: 3 objects recreated (groups_mv, kafka_groups, writable_groups)');
    expect(text).toMatch(/resumed group clickhouse_groups .*: \d+ rows, 20 with FINAL, for 20 events/);
  }, 120_000);

  withKcat('drill backend migration: MSK and WarpStream legs land in one table; without the MSK leg, WarpStream keeps landing', async () => {
    const d = await drill('migrationDrill');
    expectPassed(d);
    expect(d.details.join('\n')).toContain('20/20 landed in posthog.groups from both backends');
    expect(d.details.join('\n')).toMatch(/after removal: 10 of 10 events from warpstream_ingestion landed; the 10 produced to msk_cluster\/clickhouse_groups did not \(leg removed\)/);
  }, 120_000);

  withKcat('drill ShuffleHog: re-keyed messages come out keyed, each key on exactly one partition', async () => {
    const d = await drill('shuffleDrill');
    expectPassed(d);
    expect(d.details.join('\n')).toMatch(/\d+ messages on warpstream_ingestion\/events_json_by_team_event keyed by .*: 4 keys over \d partitions/);
    expect(d.details).toContain('every key on exactly one partition');
  }, 120_000);

  withKcat('a drill that does not apply to a region says so instead of passing silently', async () => {
    expect((await drill('migrationDrillOnUs')).skipped).toBe('no stream with legs on two backends');
  }, 120_000);
});
