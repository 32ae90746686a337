import { buildTopology, NodeRole, Topology, TopologySpec, TopologyValidationError } from '../../lib/model';
import {
  dataTableStatement, migrationFiles, renderStartupScripts, SchemaObjectKind, startupScriptQueries, Statement,
  statementsForRole, STARTUP_SCRIPTS_PATH,
} from '../../lib/schema';
import {
  DUAL_LEG_GROUPS, HEATMAPS, RICH_TOPOLOGY, SHUFFLEHOG, TALK_GROUPS, TALK_TOPOLOGY,
} from './support/topologies';

/** Kind and name of each statement, without the access roles and grants (placement.test's last describe covers them). */
const kinds = (statements: readonly Statement[]): string[][] => statements.filter((s) => s.kind !== SchemaObjectKind.ACCESS_ROLE).map((s) => [s.kind, s.name]);
const objects = (statements: readonly Statement[]): Statement[] => statements.filter((s) => s.kind !== SchemaObjectKind.ACCESS_ROLE);
const named = (statements: readonly Statement[], name: string): Statement => statements.find((s) => s.name === name)!;

/** Statement identities of every role: `role/id` with its SQL, for before/after comparisons. */
function allStatements(topology: Topology): Map<string, string> {
  const out = new Map<string, string>();
  for (const role of [NodeRole.DATA, ...topology.ingestionTiers.map((t) => t.role)]) {
    for (const s of statementsForRole(topology, role)) out.set(`${role.value}/${s.id}`, s.sql);
  }
  return out;
}

describe('the groups stream from the talk', () => {
  const topology = buildTopology(TALK_TOPOLOGY);

  test('DATA runs the data table; INGESTION_SMALL runs writable, Kafka, view in that order; other roles nothing', () => {
    expect(kinds(statementsForRole(topology, NodeRole.DATA))).toEqual([
      [SchemaObjectKind.DATABASE, 'posthog'],
      [SchemaObjectKind.DATA_TABLE, 'groups'],
      [SchemaObjectKind.DEAD_LETTER_TABLE, 'groups_dead_letters'],
    ]);
    expect(kinds(statementsForRole(topology, NodeRole.SMALL))).toEqual([
      [SchemaObjectKind.DATABASE, 'posthog'],
      [SchemaObjectKind.WRITABLE_TABLE, 'writable_groups'],
      [SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE, 'writable_groups_dead_letters'],
      [SchemaObjectKind.KAFKA_TABLE, 'kafka_groups'],
      [SchemaObjectKind.DEAD_LETTER_VIEW, 'groups_dead_letters_mv'],
      [SchemaObjectKind.MATERIALIZED_VIEW, 'groups_mv'],
    ]);
    expect(statementsForRole(topology, NodeRole.MEDIUM)).toEqual([]);
  });

  test("the four objects have the talk's engines and targets", () => {
    const data = named(statementsForRole(topology, NodeRole.DATA), 'groups');
    const small = statementsForRole(topology, NodeRole.SMALL);
    const [writable, kafka, view] = [named(small, 'writable_groups'), named(small, 'kafka_groups'), named(small, 'groups_mv')];
    expect(data.sql).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/noshard/posthog.groups', '{replica}-{shard}', _timestamp)\n" +
      'ORDER BY (team_id, group_type_index, group_key)');
    expect(writable.sql).toContain("ENGINE = Distributed('posthog_single_shard', 'posthog', 'groups')");
    expect(kafka.sql).toContain(
      "ENGINE = Kafka(warpstream_ingestion, kafka_topic_list = 'groups', kafka_group_name = 'group1', kafka_format = 'JSONEachRow')");
    expect(view.sql).toBe([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.groups_mv',
      'TO posthog.writable_groups',
      'AS SELECT',
      '    group_type_index,', '    group_key,', '    created_at,', '    team_id,', '    group_properties,',
      // A message without a Kafka timestamp gets the time it was consumed (a NULL would fail every retry).
      '    coalesce(_timestamp, now()) AS _timestamp,', '    _offset,', '    _partition',
      'FROM posthog.kafka_groups',
      // Messages that failed to parse go to the dead-letter view instead.
      'WHERE empty(_error)',
    ].join('\n'));
  });

  test('the non-replicated twin keeps everything but the replication arguments', () => {
    const stream = topology.streams[0];
    const twin = dataTableStatement(topology, stream, { replicated: false }).sql;
    expect(twin).toContain('ENGINE = ReplacingMergeTree(_timestamp)\n');
    expect(twin.replace('ReplacingMergeTree(_timestamp)', '')).toBe(
      dataTableStatement(topology, stream).sql.replace("ReplicatedReplacingMergeTree('/clickhouse/tables/noshard/posthog.groups', '{replica}-{shard}', _timestamp)", ''));
  });
});

describe('sharded streams', () => {
  const topology = buildTopology(RICH_TOPOLOGY);
  const events = topology.streams.find((s) => s.name === 'events')!;

  test('sharded_<t> replicates within its shard; the writable table shards by the key over the sharded cluster', () => {
    expect(dataTableStatement(topology, events).sql).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/posthog.sharded_events', '{replica}', _timestamp)\n" +
      'PARTITION BY toYYYYMM(timestamp)\n');
    const writable = statementsForRole(topology, NodeRole.EVENTS).find((s) => s.kind === SchemaObjectKind.WRITABLE_TABLE)!;
    expect(writable.sql).toContain("ENGINE = Distributed('posthog', 'posthog', 'sharded_events', sipHash64(distinct_id))");
  });

  test('transforms are applied in the view; the Kafka table has the source columns', () => {
    const statements = statementsForRole(topology, NodeRole.EVENTS);
    const kafka = statements.find((s) => s.kind === SchemaObjectKind.KAFKA_TABLE)!;
    const view = statements.find((s) => s.kind === SchemaObjectKind.MATERIALIZED_VIEW)!;
    expect(view.sql).toContain("    arrayConcat(_headers.value, ['clickhouse']) AS consumer_breadcrumbs,\n");
    expect(kafka.sql).not.toContain('consumer_breadcrumbs');
  });
});

describe('zero-downtime backend migration: legs', () => {
  const msk = { ...TALK_GROUPS, legs: [DUAL_LEG_GROUPS.legs[0]] };
  const ws = { ...TALK_GROUPS, legs: [DUAL_LEG_GROUPS.legs[1]] };
  const spec = (streams: TopologySpec['streams']): Topology => buildTopology({ ...TALK_TOPOLOGY, streams });
  const before = allStatements(spec([msk]));
  const during = allStatements(spec([DUAL_LEG_GROUPS]));
  const after = allStatements(spec([ws]));

  const added = (from: Map<string, string>, to: Map<string, string>): string[] => [...to.keys()].filter((k) => !from.has(k));
  const removed = (from: Map<string, string>, to: Map<string, string>): string[] => added(to, from);
  const changed = (from: Map<string, string>, to: Map<string, string>): string[] =>
    [...to.keys()].filter((k) => from.has(k) && from.get(k) !== to.get(k));

  test('adding WarpStream adds exactly a parallel _ws leg with its own group, landing in the same data table', () => {
    expect(added(before, during).sort()).toEqual([
      'small/writable_groups_ws', 'small/grant_posthog_ingestion_writer_writable_groups_ws',
      'small/writable_groups_ws_dead_letters', 'small/grant_posthog_ingestion_writer_writable_groups_ws_dead_letters',
      'small/kafka_groups_ws', 'small/groups_ws_mv', 'small/groups_ws_dead_letters_mv',
    ].sort());
    expect(removed(before, during)).toEqual([]);
    expect(changed(before, during)).toEqual([]);
    expect(during.get('small/kafka_groups_ws')).toContain("kafka_group_name = 'clickhouse_groups_ws'");
    expect(during.get('small/kafka_groups')).toContain("kafka_group_name = 'clickhouse_groups'");
    expect(during.get('small/writable_groups_ws')).toContain("Distributed('posthog_single_shard', 'posthog', 'groups')");
    expect(during.get('small/groups_ws_mv')).toContain('TO posthog.writable_groups_ws\n');
  });

  test('removing MSK removes only its leg; the data table and the _ws leg are untouched', () => {
    expect(removed(during, after).sort()).toEqual([
      'small/writable_groups', 'small/grant_posthog_ingestion_writer_writable_groups',
      'small/writable_groups_dead_letters', 'small/grant_posthog_ingestion_writer_writable_groups_dead_letters',
      'small/kafka_groups', 'small/groups_mv', 'small/groups_dead_letters_mv',
    ].sort());
    expect(added(during, after)).toEqual([]);
    expect(changed(during, after)).toEqual([]);
    expect(after.get('data/groups')).toBe(before.get('data/groups'));
  });
});

describe('ShuffleHog', () => {
  const topology = buildTopology(RICH_TOPOLOGY);

  test('no data table; the producer table, then the Kafka table and a view that sets _key', () => {
    expect(statementsForRole(topology, NodeRole.DATA).map((s) => s.name)).not.toContain(SHUFFLEHOG.name);
    const statements = statementsForRole(topology, NodeRole.SHUFFLEHOG);
    expect(kinds(statements)).toEqual([
      [SchemaObjectKind.DATABASE, 'posthog'],
      [SchemaObjectKind.PRODUCER_TABLE, 'kafka_events_shuffle_shuffled'],
      // WarpStream legs take the _ws suffix by default; malformed messages still go to the storage cluster's dead-letter table.
      [SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE, 'writable_events_shuffle_ws_dead_letters'],
      [SchemaObjectKind.KAFKA_TABLE, 'kafka_events_shuffle_ws'],
      [SchemaObjectKind.DEAD_LETTER_VIEW, 'events_shuffle_ws_dead_letters_mv'],
      [SchemaObjectKind.MATERIALIZED_VIEW, 'events_shuffle_ws_mv'],
    ]);
    const [producer, consumer, view] = [named(statements, 'kafka_events_shuffle_shuffled'), named(statements, 'kafka_events_shuffle_ws'), named(statements, 'events_shuffle_ws_mv')];
    expect(producer.sql).toContain('    _key       String,\n');
    // The re-keyed message keeps the time Kafka first received the event.
    expect(producer.sql).toContain('    _timestamp DateTime\n');
    expect(producer.sql).toContain("kafka_topic_list = 'events_by_team_event'");
    expect(producer.sql).not.toContain('kafka_num_consumers');
    expect(consumer.sql).toContain("kafka_group_name = 'clickhouse_shufflehog'");
    expect(consumer.sql).toContain('kafka_num_consumers = 2,');
    expect(view.sql).toContain("    toString(concat(toString(team_id), ':', event)) AS _key,\n    coalesce(_timestamp, now()) AS _timestamp\nFROM posthog.kafka_events_shuffle_ws");
    expect(view.sql).toContain('TO posthog.kafka_events_shuffle_shuffled\n');
  });
});

describe('migration files and startup scripts', () => {
  const topology = buildTopology(RICH_TOPOLOGY);

  test('sql/<role>/<phase>_<id>.sql, names sorting into run order, one statement each; roles without statements get no folder', () => {
    const files = migrationFiles(topology);
    const small = files.filter((f) => f.path.startsWith('sql/small/')).map((f) => f.path);
    expect(small).toEqual([
      'sql/small/0_database_posthog.sql',
      // The roles with the database, before anything that names them.
      'sql/small/0_role_posthog_ingestion_writer.sql', 'sql/small/0_role_posthog_migrator.sql',
      'sql/small/1_writable_groups.sql', 'sql/small/1_writable_groups_dead_letters.sql',
      'sql/small/1_writable_groups_ws.sql', 'sql/small/1_writable_groups_ws_dead_letters.sql',
      'sql/small/2_kafka_groups.sql', 'sql/small/2_kafka_groups_ws.sql',
      'sql/small/3_groups_dead_letters_mv.sql', 'sql/small/3_groups_mv.sql',
      'sql/small/3_groups_ws_dead_letters_mv.sql', 'sql/small/3_groups_ws_mv.sql',
      // The grants last: the writer's INSERT on every table it may fill, once the roles and tables exist.
      'sql/small/4_grant_posthog_ingestion_writer_writable_groups.sql', 'sql/small/4_grant_posthog_ingestion_writer_writable_groups_dead_letters.sql',
      'sql/small/4_grant_posthog_ingestion_writer_writable_groups_ws.sql', 'sql/small/4_grant_posthog_ingestion_writer_writable_groups_ws_dead_letters.sql',
      'sql/small/4_grant_posthog_migrator.sql',
    ]);
    expect([...small].sort()).toEqual(small);
    expect(new Set(files.map((f) => f.path.split('/')[1]))).toEqual(new Set(['data', 'small', 'medium', 'events', 'shufflehog']));
    expect(files.every((f) => f.content.endsWith(';\n') && f.content.indexOf(';') === f.content.length - 2)).toBe(true);
    expect(buildTopology({ ...TALK_TOPOLOGY, streams: [] }) && migrationFiles(buildTopology({ ...TALK_TOPOLOGY, streams: [] }))).toEqual([]);
  });

  test('the startup script holds the same statements in the same order, and fails the boot on ingestion roles only', () => {
    for (const role of [NodeRole.DATA, NodeRole.SMALL, NodeRole.SHUFFLEHOG]) {
      const file = renderStartupScripts(topology, role);
      expect(file.path).toBe(STARTUP_SCRIPTS_PATH);
      // Roles and grants are the migration runner's: a failing GRANT must not stop a pod that consumes.
      expect(startupScriptQueries(file)).toEqual(objects(statementsForRole(topology, role)).map((s) => s.sql));
      expect(file.content).toContain(`<throw_on_error>${!role.isData}</throw_on_error>`);
    }
    // XML-special characters in an expression survive the round trip.
    const view = startupScriptQueries(renderStartupScripts(topology, NodeRole.EVENTS)).find((q) => q.includes('_mv') && !q.includes('_dead_letters_mv'))!;
    expect(view).toContain("arrayConcat(_headers.value, ['clickhouse'])");
  });

  test('the startup script reads back the SQL exactly: `<`, `>` and `&` in a transform included', () => {
    const transform = "if(1 < 2 AND 'a & b' != 'c' AND arrayExists(x -> x > 0, [1]), now64(), now64())";
    const stream = { ...TALK_GROUPS, sourceColumns: TALK_GROUPS.columns.filter((c) => c.name !== 'created_at'), transforms: { created_at: transform } };
    const t = buildTopology({ ...TALK_TOPOLOGY, streams: [stream] });
    const role = stream.legs[0].roles[0];
    const queries = startupScriptQueries(renderStartupScripts(t, role));
    expect(queries).toEqual(objects(statementsForRole(t, role)).map((s) => s.sql));
    expect(queries.filter((q) => q.includes(transform))).not.toEqual([]);
  });

  test('adding a stream only adds files: every existing file keeps its name and content', () => {
    const without = buildTopology({ ...RICH_TOPOLOGY, streams: (RICH_TOPOLOGY.streams ?? []).filter((s) => s !== HEATMAPS) });
    const before = new Map(migrationFiles(without).map((f) => [f.path, f.content]));
    const after = new Map(migrationFiles(topology).map((f) => [f.path, f.content]));
    expect(before.size).toBeLessThan(after.size);
    for (const [file, content] of before) expect({ file, content: after.get(file) }).toEqual({ file, content });
  });

  test('every view comes after the Kafka table it reads and the table it writes to', () => {
    for (const role of [NodeRole.DATA, ...topology.ingestionTiers.map((t) => t.role)]) {
      const names = statementsForRole(topology, role).map((s) => s.name);
      statementsForRole(topology, role).forEach((s, i) => {
        if (s.kind !== SchemaObjectKind.MATERIALIZED_VIEW) return;
        const [, from] = /FROM ([\w.]+)/.exec(s.sql)!;
        const [, to] = /TO ([\w.]+)/.exec(s.sql)!;
        for (const table of [from, to]) expect({ view: s.name, table, before: names.indexOf(table.split('.')[1]) < i }).toEqual({ view: s.name, table, before: true });
      });
    }
  });

  test('output is deterministic: two renders of equal input are byte-identical', () => {
    const again = buildTopology(RICH_TOPOLOGY);
    expect(migrationFiles(again)).toEqual(migrationFiles(topology));
    expect(renderStartupScripts(again, NodeRole.SMALL)).toEqual(renderStartupScripts(topology, NodeRole.SMALL));
  });

  test('asking for a role the topology does not have is an error that names the roles it has', () => {
    expect(() => statementsForRole(topology, 'nobody')).toThrow(TopologyValidationError);
    expect(() => statementsForRole(topology, 'nobody')).toThrow(/role: got "nobody"; expected a role of this topology \(data, small, medium, events, shufflehog\)/);
  });
});
