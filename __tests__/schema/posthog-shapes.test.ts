/**
 * The default stacks' stored tables against PostHog's naming and metadata columns
 * (shared/research/posthog.md §6, and posthog/heatmaps/sql.py for heatmaps), column by column,
 * in chdb: the DATA role's statements are created (non-replicated twins) and system.columns is
 * compared with what §6 says. Also: the ingestion profile's settings all exist in the server,
 * and the role statements parse.
 */
import { buildRegionTopology } from '../../lib/constructs/region-stack';
import { INGESTION_PROFILE_SETTINGS } from '../../lib/clickhouse';
import { accessRoleNames, isAccessRoleStatement, statementsForRole } from '../../lib/schema';
import { NodeRole, Topology } from '../../lib/model';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { TestEngine } from '../support/engine';

/** posthog.md §6: PostHog's KAFKA_COLUMNS, plus `_partition`, which PostHog's event tables also keep. */
const METADATA = [['_timestamp', 'DateTime'], ['_offset', 'UInt64'], ['_partition', 'UInt64']];

/** §6 ① (deck slide 13, posthog/models/group/sql.py): groups is single-shard `<t>`, replicated to every data node. */
const GROUPS = [['group_type_index', 'UInt8'], ['group_key', 'String'], ['created_at', 'DateTime64(3)'], ['team_id', 'Int64'], ['group_properties', 'String']];
/** posthog/heatmaps/sql.py: sharded_heatmaps, read through `heatmaps`. */
const HEATMAPS = [['session_id', 'String'], ['team_id', 'Int64'], ['distinct_id', 'String'], ['timestamp', "DateTime64(6, 'UTC')"], ['x', 'Int16'], ['y', 'Int16'],
  ['scale_factor', 'Int16'], ['viewport_width', 'Int16'], ['viewport_height', 'Int16'], ['pointer_target_fixed', 'Bool'], ['current_url', 'String'],
  ['type', 'LowCardinality(String)']];

const DEAD_LETTERS = [['_topic', 'LowCardinality(String)'], ['_partition', 'UInt64'], ['_offset', 'UInt64'], ['_timestamp', 'DateTime'], ['_error', 'String'], ['_raw_message', 'String']];

describe.each<[string, Topology]>([['us', buildRegionTopology(US_REGION)], ['eu', buildRegionTopology(EU_REGION)]])('the %s stack stores PostHog\'s tables', (_, topology) => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.open([]);
    for (const s of statementsForRole(topology, NodeRole.DATA, { replicated: false, tieredStorage: false })) {
      // The read tables name the storage cluster, which this bare engine has not; they are compared below from their SQL.
      if (isAccessRoleStatement(s.sql) || s.sql.includes('ENGINE = Distributed(')) continue;
      await engine.exec(s.sql);
    }
  }, 60_000);
  afterAll(async () => { await engine?.kill(); });

  const columns = async (table: string): Promise<string[][]> => (await engine.rows<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns WHERE database = '${topology.database}' AND table = '${table}' ORDER BY position`)).map((c) => [c.name, c.type]);

  test('names: sharded_<t> for sharded streams with <t> as their read table, <t> for single-shard ones, <t>_dead_letters', () => {
    const names = topology.streams.map((s) => [s.name, s.dataTable, s.readTable ?? null, s.deadLetterTable]);
    expect(names).toEqual([
      ['groups', 'groups', null, 'groups_dead_letters'],
      ['heatmaps', 'sharded_heatmaps', 'heatmaps', 'heatmaps_dead_letters'],
      ['events', 'sharded_events', 'events', 'events_dead_letters'],
    ]);
    // Every stream that PostHog shards is sharded here, heatmaps included, with PostHog's key.
    expect(topology.streams.map((s) => [s.name, s.sharded, s.shardingKey ?? null])).toEqual([
      ['groups', false, null],
      ['heatmaps', true, "cityHash64(concat(toString(team_id), '-', session_id, '-', toString(toDate(timestamp))))"],
      ['events', true, 'sipHash64(distinct_id)'],
    ]);
  });

  test('groups: §6\'s columns, then _timestamp, _offset, _partition', async () => {
    expect(await columns('groups')).toEqual([...GROUPS, ...METADATA]);
  });

  test('heatmaps: PostHog\'s columns, then the metadata columns', async () => {
    expect(await columns('sharded_heatmaps')).toEqual([...HEATMAPS, ...METADATA]);
  });

  test('events: the stream\'s columns, then the metadata columns', async () => {
    const events = topology.streams.find((s) => s.name === 'events')!;
    expect((await columns('sharded_events')).slice(-3)).toEqual(METADATA);
    expect((await columns('sharded_events')).map(([n]) => n)).toEqual([...events.columns.map((c) => c.name), '_timestamp', '_offset', '_partition']);
  });

  test('every dead-letter table keeps the raw message, the error, topic, partition and offset', async () => {
    for (const s of topology.streams) expect({ table: s.deadLetterTable, columns: await columns(s.deadLetterTable) }).toEqual({ table: s.deadLetterTable, columns: DEAD_LETTERS });
  });

  test('the read tables have the stored columns and read every shard', () => {
    for (const s of topology.streams.filter((x) => x.readTable !== undefined)) {
      const read = statementsForRole(topology, NodeRole.DATA).find((st) => st.name === s.readTable)!;
      expect(read.sql).toContain(`ENGINE = Distributed('${topology.clusterNames.sharded}', '${topology.database}', '${s.dataTable}'`);
      for (const [name] of [...s.columns.map((c) => [c.name]), ...METADATA]) expect(read.sql).toMatch(new RegExp(`\\n\\s+${name}\\s`));
    }
  });

  test('replays do not duplicate: every data table folds (Replacing) or is deduplicated by its position', () => {
    for (const s of topology.streams) expect({ stream: s.name, folds: s.engine.folds }).toEqual({ stream: s.name, folds: true });
  });
});

describe('the server has what the rendered config names', () => {
  let engine: TestEngine;
  beforeAll(async () => { engine = await TestEngine.open([]); }, 60_000);
  afterAll(async () => { await engine?.kill(); });

  test('every ingestion profile setting exists in system.settings', async () => {
    const names = Object.keys(INGESTION_PROFILE_SETTINGS);
    const found = (await engine.rows<{ name: string }>(`SELECT name FROM system.settings WHERE name IN (${names.map((n) => `'${n}'`).join(', ')})`)).map((r) => r.name);
    expect(found.sort()).toEqual([...names].sort());
  });

  test('the role statements parse (chdb has no writable access storage to run them)', async () => {
    const topology = buildRegionTopology(US_REGION);
    const roles = [NodeRole.DATA, NodeRole.SMALL].flatMap((r) => statementsForRole(topology, r)).filter((s) => isAccessRoleStatement(s.sql));
    expect(roles.length).toBeGreaterThan(5);
    for (const s of roles) {
      const formatted = await engine.value(`SELECT formatQuerySingleLine('${s.sql.replace(/'/g, "\\'")}')`);
      expect(formatted.length).toBeGreaterThan(0);
    }
    const names = accessRoleNames(topology);
    const data = statementsForRole(topology, NodeRole.DATA).map((s) => s.sql);
    expect(data).toContain(`GRANT SELECT ON posthog.* TO ${names.reader}`);
    expect(data).toContain(`GRANT INSERT ON posthog.sharded_events TO ${names.ingestionWriter}`);
    // The writer never gets a Kafka table on an ingestion node (inserting there would produce to the topic).
    const small = statementsForRole(topology, NodeRole.SMALL).map((s) => s.sql).filter((q) => q.includes(names.ingestionWriter) && q.startsWith('GRANT'));
    expect(small).toEqual([`GRANT INSERT ON posthog.writable_groups TO ${names.ingestionWriter}`, `GRANT INSERT ON posthog.writable_groups_dead_letters TO ${names.ingestionWriter}`]);
  });
});
