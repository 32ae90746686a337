/**
 * Plausible faults in the generated files of a rehearsal topology: each must make the rehearsal
 * fail, naming what broke. Most are caught before anything runs, by the static check of what the
 * stand-ins replace (remote_servers, ZooKeeper, macros) and of the objects each role creates;
 * the rest only when events flow (field by field). When a fault slips through, add it here.
 */
import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../../examples/schema-evolution/region';
import { evolveRegion, withBootMigrations } from '../../lib/migrations';
import { buildTopology } from '../../lib/model';
import { buildRegionTopology } from '../../lib/constructs/region-stack';
import { groupOfRole, RehearsalBundle, startupStatements, withArtifact, withStreams } from '../../lib/rehearsal/bundle';
import { bundleFromTopology } from '../../lib/rehearsal/bundle';
import { rehearsalTopologySpec } from '../../lib/rehearsal/rehearsal-topology';
import { formatReport, rehearse, RehearsalReport } from '../../lib/rehearsal/rehearse';
import { checkArtifactsAgainstModel } from '../../lib/rehearsal/static-checks';
import { US_TOPOLOGY } from '../../stacks/us';
import { hasKcat } from './support';

const base = bundleFromTopology(buildTopology(rehearsalTopologySpec(US_TOPOLOGY)));

interface Mutation {
  /** What a faulty renderer might do. */
  readonly name: string;
  /** Files changed (an SQL file and the startup script that carries the same statement change together). */
  readonly files: readonly string[];
  readonly from: string;
  readonly to: string;
  /** Every occurrence (a renamed element's opening and closing tags). @default the first only */
  readonly all?: boolean;
  /** What the failure must name. */
  readonly names: RegExp;
}

const DATA_SQL = (file: string): string[] => [`sql/data/${file}`, 'clickhouse/data/config.d/startup_scripts.xml'];
const ROLE_SQL = (role: string, file: string): string[] => [`sql/${role}/${file}`, `clickhouse/ingestion-${role}/config.d/startup_scripts.xml`];
const HOST = (host: string): string => `clickhouse/data/hosts/${host}/config.d/macros.xml`;

/** Caught before anything runs. */
const STATIC: readonly Mutation[] = [
  { name: 'macros: a replica of shard 01 says shard 02', files: [HOST('ch-data-s01-r2')], from: '<shard>01</shard>', to: '<shard>02</shard>', names: /ch-data-s01-r2.*macro shard is 02/ },
  { name: 'macros: two hosts share a replica name', files: [HOST('ch-data-s01-r2')], from: '<replica>ch-data-s01-r2</replica>', to: '<replica>ch-data-s01-r1</replica>', names: /macro replica is ch-data-s01-r1/ },
  { name: 'macros: hostClusterRole of a data host', files: [HOST('ch-data-s02-r1')], from: '<hostClusterRole>data</hostClusterRole>', to: '<hostClusterRole>events</hostClusterRole>', names: /macro hostClusterRole is events/ },
  { name: 'macros: interserver_http_host of another host', files: [HOST('ch-data-s02-r2')], from: 'ch-data-s02-r2.us.clickhouse.internal', to: 'ch-data-s02-r1.us.clickhouse.internal', names: /interserver_http_host is ch-data-s02-r1/ },
  { name: 'ports: a replica on the wrong native port (storage remote_servers)', files: ['clickhouse/data/config.d/remote_servers_no_restart.xml'], from: '<port>9000</port>', to: '<port>9440</port>', names: /data\/config\.d\/remote_servers_no_restart\.xml: cluster posthog shard 1 replicas are .*:9440/ },
  { name: 'ports: a tier sends to the wrong port', files: ['clickhouse/ingestion-events/config.d/remote_servers_no_restart.xml'], from: '<port>9000</port>', to: '<port>9001</port>', names: /ingestion-events.*cluster posthog shard 1 replicas/ },
  { name: 'hosts: two shards swapped in a tier\'s cluster', files: ['clickhouse/ingestion-events/config.d/remote_servers_no_restart.xml'], from: 'ch-data-s01-r1.us.clickhouse.internal', to: 'ch-data-s02-r1.us.clickhouse.internal', names: /ingestion-events.*shard 1 replicas are ch-data-s02-r1/ },
  { name: 'internal_replication off (every replica written twice)', files: ['clickhouse/ingestion-events/config.d/remote_servers_no_restart.xml'], from: '<internal_replication>true</internal_replication>', to: '<internal_replication>false</internal_replication>', names: /internal_replication is false, the model true/ },
  { name: 'secret: the cluster secret from another variable', files: ['clickhouse/ingestion-small/config.d/remote_servers_no_restart.xml'], from: 'from_env="CLICKHOUSE_INTERSERVER_SECRET"', to: 'from_env="CLICKHOUSE_SECRET"', names: /secret from_env is CLICKHOUSE_SECRET/ },
  { name: 'weights: a shard weighted twice', files: ['clickhouse/ingestion-events/config.d/remote_servers_no_restart.xml'], from: '<weight>1</weight>', to: '<weight>2</weight>', names: /shard 1 weight is 2/ },
  { name: 'clusters: a tier lacks its target cluster', files: ['clickhouse/ingestion-events/config.d/remote_servers_no_restart.xml'], from: 'posthog>', to: 'posthog_x>', all: true, names: /ingestion-events: remote_servers has no cluster posthog|cluster posthog_x is not in the model/ },
  { name: 'paths: the ZooKeeper root of another region', files: ['clickhouse/data/config.d/zookeeper.xml'], from: '<root>/clickhouse/us</root>', to: '<root>/clickhouse/eu</root>', names: /zookeeper root is \/clickhouse\/eu/ },
  { name: 'ports: ZooKeeper on the wrong client port', files: ['clickhouse/data/config.d/zookeeper.xml'], from: '<port>2181</port>', to: '<port>2182</port>', names: /zookeeper nodes are .*:2182/ },
  { name: 'paths: the sharded table\'s ZooKeeper path without {shard}', files: DATA_SQL('1_sharded_events.sql'), from: "'/clickhouse/tables/{shard}/posthog.sharded_events'", to: "'/clickhouse/tables/posthog.sharded_events'", names: /lacks \{shard\}/ },
  { name: 'paths: a table on another table\'s ZooKeeper path', files: DATA_SQL('1_groups.sql'), from: "'/clickhouse/tables/noshard/posthog.groups'", to: "'/clickhouse/tables/noshard/posthog.heatmaps'", names: /1_groups\.sql: ZooKeeper path .*posthog\.heatmaps does not name posthog\.groups/ },
  { name: 'paths: the data table on its dead-letter table\'s ZooKeeper path', files: DATA_SQL('1_groups.sql'), from: "'/clickhouse/tables/noshard/posthog.groups'", to: "'/clickhouse/tables/noshard/posthog.groups_dead_letters'", names: /ZooKeeper path .*posthog\.groups_dead_letters does not name posthog\.groups \(/ },
  { name: 'paths: a dead-letter table without {replica}', files: DATA_SQL('1_events_dead_letters.sql'), from: "'{replica}-{shard}'", to: "'{shard}'", names: /1_events_dead_letters\.sql: replica name \{shard\} lacks \{replica\}/ },
  { name: 'paths: a replica name without {replica}', files: DATA_SQL('1_sharded_events.sql'), from: "'{replica}'", to: "'r1'", names: /replica name r1 lacks \{replica\}/ },
  { name: 'startup: a host boots with a statement the migrations do not run', files: ['clickhouse/data/config.d/startup_scripts.xml'], from: 'ORDER BY (team_id, group_type_index, group_key)', to: 'ORDER BY (team_id, group_key)', names: /startup_scripts\.xml: statement 4 differs from sql\/data\/1_groups\.sql/ },
  { name: 'engine settings: the data table loses its Replacing engine', files: DATA_SQL('1_groups.sql'), from: 'ReplicatedReplacingMergeTree(', to: 'ReplicatedMergeTree(', names: /engine ReplicatedMergeTree, the model ReplicatedReplacingMergeTree/ },
  { name: 'column lists: the data table lacks a column', files: DATA_SQL('1_sharded_heatmaps.sql'), from: '    current_url          VARCHAR,\n', to: '', names: /sharded_heatmaps has no column current_url/ },
  { name: 'column lists: the read table lacks a column of its data table', files: DATA_SQL('1_heatmaps.sql'), from: '    current_url          VARCHAR,\n', to: '', names: /1_heatmaps\.sql: columns are .*, the data table posthog\.sharded_heatmaps has/ },
  { name: 'views: the read table reads the dead-letter table', files: DATA_SQL('1_events.sql'), from: "'sharded_events'", to: "'events_dead_letters'", names: /1_events\.sql: reads posthog\.events_dead_letters, the model's data table is posthog\.sharded_events/ },
  { name: 'views: the view lets unparsable messages through', files: ROLE_SQL('small', '3_groups_mv.sql'), from: 'WHERE empty(_error)', to: 'WHERE 1', names: /3_groups_mv\.sql: the view does not keep to WHERE empty\(_error\)/ },
  { name: 'views: the dead-letter view reads another stream\'s Kafka table', files: ROLE_SQL('medium', '3_heatmaps_dead_letters_mv.sql'), from: 'FROM posthog.kafka_heatmaps', to: 'FROM posthog.kafka_groups', names: /3_heatmaps_dead_letters_mv\.sql: the dead-letter view reads posthog\.kafka_groups, not posthog\.kafka_heatmaps/ },
  { name: 'views: the dead-letter view keeps the parsed rows', files: ROLE_SQL('events', '3_events_ws_dead_letters_mv.sql'), from: 'WHERE notEmpty(_error)', to: 'WHERE empty(_error)', names: /dead-letter view does not keep to WHERE notEmpty\(_error\)/ },
  { name: 'clusters: dead letters sent over the sharded cluster', files: ROLE_SQL('small', '1_writable_groups_dead_letters.sql'), from: "Distributed('posthog_single_shard',", to: "Distributed('posthog',", names: /sends dead letters to cluster posthog, the model's single-shard cluster is posthog_single_shard/ },
  { name: 'clusters: a tier lacks the dead-letter cluster', files: ['clickhouse/ingestion-events/config.d/remote_servers_no_restart.xml'], from: 'posthog_single_shard>', to: 'posthog_single_x>', all: true, names: /ingestion-events: remote_servers has no cluster posthog_single_shard/ },
  { name: 'column lists: the Kafka table parses a column with another type', files: ROLE_SQL('small', '2_kafka_groups.sql'), from: 'team_id          Int64', to: 'team_id          Int32', names: /2_kafka_groups\.sql: columns are .*team_id Int32/ },
  { name: 'column lists: the view drops a column', files: ROLE_SQL('small', '3_groups_mv.sql'), from: '    group_properties,\n', to: '', names: /groups_mv\.sql: the view does not select column group_properties/ },
  { name: 'topics: a leg reads another topic', files: ROLE_SQL('medium', '2_kafka_heatmaps.sql'), from: "kafka_topic_list = 'clickhouse_heatmaps'", to: "kafka_topic_list = 'clickhouse_groups'", names: /kafka_topic_list is clickhouse_groups, the model says clickhouse_heatmaps/ },
  { name: 'groups: a leg consumes with another group', files: ROLE_SQL('events', '2_kafka_events_ws.sql'), from: "kafka_group_name = 'clickhouse_events_ws'", to: "kafka_group_name = 'clickhouse_events'", names: /kafka_group_name is clickhouse_events, the model says clickhouse_events_ws/ },
  { name: 'consumers: a node runs another consumer count', files: ROLE_SQL('events', '2_kafka_events_ws.sql'), from: 'kafka_num_consumers = 8', to: 'kafka_num_consumers = 16', names: /kafka_num_consumers is 16, the model says 8/ },
  { name: 'backends: a leg on another named collection', files: ROLE_SQL('medium', '2_kafka_heatmaps.sql'), from: 'Kafka(msk_cluster', to: 'Kafka(warpstream_ingestion', names: /named collection warpstream_ingestion, the model's backend is msk_cluster/ },
  { name: 'sharding keys: the writable table shards by another column', files: ROLE_SQL('events', '1_writable_events_ws.sql'), from: 'sipHash64(distinct_id)', to: 'sipHash64(uuid)', names: /sharding key is sipHash64\(uuid\), the model says sipHash64\(distinct_id\)/ },
  { name: 'clusters: the writable table sends to the single-shard cluster', files: ROLE_SQL('events', '1_writable_events_ws.sql'), from: "Distributed('posthog',", to: "Distributed('posthog_single_shard',", names: /sends to cluster posthog_single_shard, the model's target cluster is posthog/ },
  { name: 'views: the view writes straight to the data table', files: ROLE_SQL('small', '3_groups_mv.sql'), from: 'TO posthog.writable_groups', to: 'TO posthog.groups', names: /the view writes to posthog\.groups, not posthog\.writable_groups/ },
  { name: 'users: the storage default user open to every network', files: ['clickhouse/data/users.d/default_user.xml'], from: '<ip>127.0.0.1</ip>', to: '<ip>0.0.0.0/0</ip>', names: /default user accepts 0\.0\.0\.0\/0/ },
  { name: 'users: the ingestion profile inserts in the background', files: ['clickhouse/ingestion-events/users.d/ingestion_profile.xml'], from: '<distributed_foreground_insert>1</distributed_foreground_insert>', to: '<distributed_foreground_insert>0</distributed_foreground_insert>', names: /distributed_foreground_insert 0, not 1/ },
  { name: 'engine settings: too few broker threads for the consumers', files: ['clickhouse/ingestion-events/config.d/kafka_consumers.xml'], from: '<background_message_broker_schedule_pool_size>16</background_message_broker_schedule_pool_size>', to: '<background_message_broker_schedule_pool_size>4</background_message_broker_schedule_pool_size>', names: /background_message_broker_schedule_pool_size 4 is below the 8 consumers/ },
];

/** Only events flowing show these: the names are right, the values are not. */
const FLOWING: readonly Mutation[] = [
  { name: 'column lists: the view maps one column onto another', files: ROLE_SQL('small', '3_groups_mv.sql'), from: '    group_properties,\n', to: '    group_key AS group_properties,\n', names: /groups: \d+ fields differ .*group_properties: produced/ },
  { name: 'column lists: the view writes x from y', files: ROLE_SQL('medium', '3_heatmaps_mv.sql'), from: '    x,\n', to: '    y AS x,\n', names: /heatmaps: \d+ fields differ .*x: produced/ },
];

function apply(bundle: RehearsalBundle, m: Mutation): RehearsalBundle {
  let out = bundle;
  for (const file of m.files) {
    const content = out.files.get(file);
    if (content === undefined) throw new Error(`${m.name}: no ${file}`);
    if (!content.includes(m.from)) throw new Error(`${m.name}: ${file} does not contain ${JSON.stringify(m.from)}`);
    out = withArtifact(out, { path: file, content: m.all === true ? content.split(m.from).join(m.to) : content.replace(m.from, m.to) });
  }
  return out;
}

test('the unmutated rehearsal topology passes the static check (so every failure below is the mutation\'s)', () => {
  expect(checkArtifactsAgainstModel(base)).toEqual([]);
});

test(`at least 20 kinds of mutation, covering macros, ports, paths, column lists, topics, groups, sharding keys, engine settings and users`, () => {
  const all = [...STATIC, ...FLOWING];
  expect(all.length).toBeGreaterThanOrEqual(20);
  for (const kind of ['macros', 'ports', 'paths', 'column lists', 'topics', 'groups', 'sharding keys', 'engine settings', 'users']) {
    expect(all.some((m) => m.name.startsWith(kind + ':'))).toBe(true);
  }
});

describe.each(STATIC.map((m) => [m.name, m] as const))('caught before anything runs: %s', (_name, m) => {
  test('the static check names what broke', () => {
    const problems = checkArtifactsAgainstModel(apply(base, m));
    expect(problems.join('\n')).toMatch(m.names);
  });
});

// support.ts says which package is missing when the engines cannot run.
(hasKcat ? describe : describe.skip)('caught when events flow (one rehearsal, each mutation on its own stream)', () => {
  let report: RehearsalReport;
  beforeAll(async () => {
    const mutated = FLOWING.reduce(apply, withStreams(base, ['groups', 'heatmaps']));
    // The view's select list still names every column: the static check passes, the rows do not.
    expect(checkArtifactsAgainstModel(mutated)).toEqual([]);
    report = await rehearse({ bundle: mutated, timeoutMs: 60_000 });
  }, 150_000);

  test.each(FLOWING.map((m) => [m.name, m] as const))('%s', (_name, m) => {
    expect(report.ok).toBe(false);
    const problems = report.streams.map((s) => s.problem ?? '').join('\n');
    if (!m.names.test(problems)) throw new Error(`not named (${m.names}):\n${formatReport(report)}`);
  });
});

/**
 * A region after a spec change: ingestion pods boot with the migration ledger and the pending
 * steps (each under its ledger condition, followed by its record) before the schema.
 */
describe('startup scripts with boot migrations', () => {
  const v1 = evolveRegion({ topology: buildRegionTopology(EVOLVING_REGION), stack: 'evo', stateKey: 'k' });
  const v2 = evolveRegion({ topology: buildRegionTopology(EVOLVING_REGION_V2), stack: 'evo', stateKey: 'k', lock: v1.lock });
  const evolved = bundleFromTopology(withBootMigrations(buildRegionTopology(EVOLVING_REGION_V2), v2.migrations));
  const role = Object.keys(evolved.topology.artifacts?.sql ?? {}).find((r) => r !== 'data' && (startupStatements(evolved, r)?.scripts.some((s) => s.condition !== undefined) ?? false))!;
  const file = `clickhouse/${groupOfRole(evolved, role)}/config.d/startup_scripts.xml`;
  const scripts = startupStatements(evolved, role)!.scripts;
  const records = scripts.filter((s) => /^INSERT INTO clickhouse_ingest\.schema_migrations/.test(s.query) && !/system\.tables/.test(s.condition ?? ''));
  const mutate = (edit: (xml: string) => string): RehearsalBundle => withArtifact(evolved, { path: file, content: edit(evolved.files.get(file)!) });

  test('pass as rendered: the ledger, the baseline, each step with its record, then the schema', () => {
    expect(role).toBeDefined();
    expect(records.length).toBeGreaterThan(0);
    expect(checkArtifactsAgainstModel(evolved)).toEqual([]);
  });

  test('a step without its record (it would run again at every boot) is named', () => {
    const record = records[0].query.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const xml = evolved.files.get(file)!;
    expect(xml).toContain(record);
    const problems = checkArtifactsAgainstModel(mutate((x) => x.replace(record, `SELECT 1`)));
    expect(problems.join('\n')).toMatch(/startup_scripts\.xml: statement \d+ \(a migration step\) is not followed by its record in clickhouse_ingest\.schema_migrations/);
  });

  test('a file without the ledger\'s CREATEs is named', () => {
    const problems = checkArtifactsAgainstModel(mutate((x) => x.replace('CREATE DATABASE IF NOT EXISTS clickhouse_ingest', 'SELECT 1')));
    expect(problems.join('\n')).toMatch(/startup_scripts\.xml: statement \d+ runs under a condition but the file does not first create the migration ledger/);
  });
});
