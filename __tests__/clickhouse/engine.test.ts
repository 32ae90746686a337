/**
 * Every node group's rendered config loaded into a real ClickHouse (chdb, 26.x) the way a server
 * loads it, next to files that stand in for what is already there in production (the package's
 * sample cluster, the Altinity operator's generated macros, remote_servers, ZooKeeper and
 * query_log). A file ClickHouse rejects makes `TestEngine.open` throw, which fails the test.
 * Assertions read ClickHouse's own view: system.clusters, system.macros,
 * system.named_collections, system.storage_policies, system.disks, getSetting, server settings.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ClickHouseConfigOptions, ConsumedLeg, consumedLegs, NodeGroup, nodeGroups, renderNodeGroupConfig, renderStorageHostConfig,
  requiredEnvironment, SYSTEM_LOGS_FILE, TIERED_STORAGE_POLICY,
} from '../../lib/clickhouse';
import { clickhouseXml } from '../../lib/clickhouse/xml';
import { KafkaAuth } from '../../lib/model';
import { ConfigFile, TestEngine } from '../support/engine';
import { hasKcat, MockKafka } from './support/mock-kafka';
import { issueTopology } from './support/topologies';
import { elements, parseClickHouseXml, textAt } from './support/xml';

const topology = issueTopology();
const groups = nodeGroups(topology);
const group = (name: string): NodeGroup => groups.find((g) => g.name === name)!;

/** What the package's config.xml ships and the operator's query_log file declares (with a full engine). */
const PACKAGE_DEFAULTS: ConfigFile = {
  path: 'config.d/00-package-defaults.xml',
  content: `<clickhouse>
  <remote_servers><test_shard_localhost><shard><replica><host>localhost</host><port>9000</port></replica></shard></test_shard_localhost></remote_servers>
  <query_log replace="1"><database>system</database><table>query_log</table>
    <engine>ENGINE = MergeTree PARTITION BY event_date ORDER BY event_time TTL event_date + INTERVAL 30 DAY</engine></query_log>
</clickhouse>`,
};

/** What the Altinity operator writes for pod 0 of a tier (altinity.md §1.3, §1.7, §1.8). */
function operatorFiles(g: NodeGroup): ConfigFile[] {
  const chi = g.name;
  const cluster = g.tier!.kubernetesName;
  return [
    {
      path: 'conf.d/chop-generated-macros.xml',
      content: `<clickhouse><macros><installation>${chi}</installation><all-sharded-shard>0</all-sharded-shard><cluster>${cluster}</cluster>` +
        `<shard>0</shard><replica>chi-${chi}-${cluster}-0-0</replica></macros></clickhouse>`,
    },
    {
      path: 'conf.d/chop-generated-zookeeper.xml',
      content: `<clickhouse><zookeeper><node><host>zookeeper.zoo.svc</host><port>2181</port></node></zookeeper>` +
        `<distributed_ddl><path>/clickhouse/${chi}/task_queue/ddl</path></distributed_ddl></clickhouse>`,
    },
    {
      path: 'config.d/chop-generated-remote_servers.xml',
      content: `<clickhouse><remote_servers><${cluster}><shard><internal_replication>false</internal_replication>` +
        `<replica><host>chi-${chi}-${cluster}-0-0</host><port>9000</port></replica></shard></${cluster}>` +
        `<all-sharded><shard><replica><host>chi-${chi}-${cluster}-0-0</host><port>9000</port></replica></shard></all-sharded></remote_servers></clickhouse>`,
    },
  ];
}

/** Made-up values for every variable the group needs: MSK-shaped hosts for IAM (the region is read from them). */
function fakeEnvironment(g: NodeGroup, overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of requiredEnvironment(topology, g)) {
    env[name] = name.startsWith('KAFKA_HOSTS_')
      ? 'b-1.test.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.test.abc123.c2.kafka.us-east-1.amazonaws.com:9098'
      : `test-value-of-${name.toLowerCase()}`;
  }
  return { ...env, ...overrides };
}

/** Replicas per shard of every cluster ClickHouse knows, e.g. `{ posthog: [3, 3, ...] }`. */
async function clusterShape(engine: TestEngine): Promise<Record<string, number[]>> {
  const rows = await engine.rows<{ cluster: string; shard_num: number; replicas: string }>(
    'SELECT cluster, shard_num, count() AS replicas FROM system.clusters GROUP BY cluster, shard_num ORDER BY cluster, shard_num');
  const shape: Record<string, number[]> = {};
  for (const r of rows) (shape[r.cluster] ??= []).push(Number(r.replicas));
  return shape;
}

const ones = (n: number): number[] => Array<number>(n).fill(1);

async function macros(engine: TestEngine): Promise<Record<string, string>> {
  const rows = await engine.rows<{ macro: string; substitution: string }>('SELECT macro, substitution FROM system.macros');
  return Object.fromEntries(rows.map((r) => [r.macro, r.substitution]));
}

function serverSetting(engine: TestEngine, name: string): Promise<string> {
  return engine.value(`SELECT value FROM system.server_settings WHERE name = '${name}'`);
}

/** A Kafka table on a leg's named collection with the leg's consumers, as the schema renders it. */
function createKafkaTable(engine: TestEngine, consumed: ConsumedLeg): Promise<void> {
  const { leg, consumers } = consumed;
  return engine.exec(`CREATE TABLE ${leg.kafkaTable} (uuid String, event String) ENGINE = Kafka(${leg.backend.name}, ` +
    `kafka_topic_list = '${leg.topic.name}', kafka_group_name = '${leg.consumerGroup}', kafka_format = '${leg.format}') ` +
    `SETTINGS kafka_num_consumers = ${consumers}, kafka_thread_per_consumer = 1`);
}

/** Reads a Kafka table directly, which makes ClickHouse build the librdkafka consumer from the collection. */
const readKafkaSql = (table: string): string => `SELECT * FROM ${table} SETTINGS stream_like_engine_allow_direct_select = 1`;

/** The storage host whose files are loaded. */
const STORAGE_HOST = topology.storage.hosts.find((h) => h.name === 'ch-data-s02-r2')!;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-storage-'));
const engines = new Map<string, TestEngine>();
let kafka: MockKafka | undefined;

async function openGroup(g: NodeGroup): Promise<TestEngine> {
  let engine: TestEngine;
  if (g.kind === 'storage') {
    // chdb cannot reach S3: skip the startup probe; the disks live in temporary folders.
    const options: ClickHouseConfigOptions = {
      storagePaths: { root: `${dir}/ebs/`, nvme: `${dir}/nvme/` },
      coldStorage: { skipAccessCheck: true },
    };
    const files = [PACKAGE_DEFAULTS, ...renderStorageHostConfig(topology, STORAGE_HOST, options)];
    engine = await TestEngine.open(files, fakeEnvironment(g, { CLICKHOUSE_COLD_S3_ENDPOINT: 'http://127.0.0.1:9/cold/test/' }));
  } else {
    // The plaintext WarpStream collection points at a real (mock) broker, so its Kafka table can be read end to end.
    const overrides: Record<string, string> = kafka === undefined ? {} : { KAFKA_HOSTS_WARPSTREAM_INGESTION: kafka.bootstrap };
    engine = await TestEngine.open([PACKAGE_DEFAULTS, ...operatorFiles(g), ...renderNodeGroupConfig(topology, g)], fakeEnvironment(g, overrides));
  }
  // ClickHouse resolves every remote_servers host when it first builds the clusters; do it for all groups at once.
  await engine.value('SELECT count() FROM system.clusters');
  return engine;
}

beforeAll(async () => {
  if (hasKcat) kafka = await MockKafka.start('clickhouse_events_json');
  const opened = await Promise.allSettled(groups.map(async (g) => engines.set(g.name, await openGroup(g))));
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
});

afterAll(async () => {
  await Promise.all([...engines.values()].map((e) => e.kill()));
  kafka?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('storage nodes in ClickHouse', () => {
  let engine: TestEngine;
  beforeAll(() => {
    engine = engines.get('data')!;
  });

  test('exactly the region\'s clusters, shards and replicas; the package sample cluster is gone', async () => {
    expect(await clusterShape(engine)).toEqual({
      posthog: Array<number>(10).fill(3),
      posthog_single_shard: [3],
      // DDL fan-out over the storage hosts only: names every member resolves.
      posthog_migrations: ones(30),
      ingestion_small: ones(2),
      ingestion_medium: ones(4),
      ingestion_events: ones(8),
    });
    const shard2 = await engine.rows<{ host_name: string; port: number; replica_num: number }>(
      "SELECT host_name, port, replica_num FROM system.clusters WHERE cluster = 'posthog' AND shard_num = 2 ORDER BY replica_num");
    expect(shard2).toEqual([1, 2, 3].map((r) => ({ host_name: `ch-data-s02-r${r}.test.clickhouse.internal`, port: 9000, replica_num: r })));
  });

  test('the host\'s macros and the name it announces to its replicas', async () => {
    expect(await macros(engine)).toEqual({ shard: '02', replica: 'ch-data-s02-r2', hostClusterRole: 'data', hostClusterType: 'online' });
    expect(await serverSetting(engine, 'interserver_http_host')).toBe('ch-data-s02-r2.test.clickhouse.internal');
    expect(await serverSetting(engine, 'listen_try')).toBe('1');
  });

  test('one tiered policy, hot → warm → cold over NVMe, EBS and S3; root path and S3 metadata on EBS', async () => {
    const volumes = await engine.rows<{ volume_name: string; volume_priority: number; disks: string[] }>(
      `SELECT volume_name, volume_priority, disks FROM system.storage_policies WHERE policy_name = '${TIERED_STORAGE_POLICY}' ORDER BY volume_priority`);
    expect(volumes).toEqual([
      { volume_name: 'hot', volume_priority: 1, disks: ['nvme'] },
      { volume_name: 'warm', volume_priority: 2, disks: ['ebs'] },
      { volume_name: 'cold', volume_priority: 3, disks: ['s3_cold'] },
    ]);
    const disks = Object.fromEntries((await engine.rows<{ name: string; path: string; type: string }>('SELECT name, path, type FROM system.disks')).map((d) => [d.name, d]));
    expect(disks.nvme).toMatchObject({ path: `${dir}/nvme/`, type: 'Local' });
    expect(disks.ebs).toMatchObject({ path: `${dir}/ebs/disks/ebs/`, type: 'Local' });
    expect(disks.s3_cold.type).toBe('ObjectStorage');
    expect(disks.s3_cold.path).toBe(`${dir}/ebs/disks/s3_cold/`);
    expect(await serverSetting(engine, 'path')).toBe(`${dir}/ebs/`);
  });

  test('new parts land on NVMe and move forward to EBS', async () => {
    await engine.exec(`CREATE TABLE tiered_probe (d Date, x UInt64) ENGINE = MergeTree ORDER BY x SETTINGS storage_policy = '${TIERED_STORAGE_POLICY}'`);
    await engine.exec('INSERT INTO tiered_probe VALUES (today(), 1)');
    expect(await engine.value("SELECT disk_name FROM system.parts WHERE table = 'tiered_probe' AND active")).toBe('nvme');
    await engine.exec("ALTER TABLE tiered_probe MOVE PARTITION tuple() TO VOLUME 'warm'");
    expect(await engine.value("SELECT disk_name FROM system.parts WHERE table = 'tiered_probe' AND active")).toBe('ebs');
  });

  test('the default user may log in from loopback only, where the package lets it in from anywhere without a password', async () => {
    const users = await engine.rows("SELECT name, host_ip, host_names, host_names_regexp, host_names_like FROM system.users WHERE name != 'clickhouse_migrator' ORDER BY name");
    // ClickHouse folds ::1 and 127.0.0.1 into `localhost`; the package's ::/0 is gone, not merged in.
    expect(users).toEqual([{ name: 'default', host_ip: [], host_names: ['localhost'], host_names_regexp: [], host_names_like: [] }]);
    // The only other user: the migration runner's, with a password (lib/clickhouse/migrator-user.ts, tested on its own).
    expect(await engine.rows("SELECT name, auth_type FROM system.users WHERE name != 'default'")).toEqual([{ name: 'clickhouse_migrator', auth_type: ['plaintext_password'] }]);
    // Local tools (this session, clickhouse-client on the host, the backup timers) still run as default.
    expect(await engine.value('SELECT currentUser()')).toBe('default');
  });

  test('storage nodes keep background Distributed inserts (the default)', async () => {
    expect(await engine.value("SELECT getSetting('distributed_foreground_insert')")).toBe('false');
  });

  test('distributed_ddl queue and replicas paths', async () => {
    expect(await serverSetting(engine, 'distributed_ddl.path')).toBe('/clickhouse/task_queue/ddl');
    expect(await serverSetting(engine, 'distributed_ddl.replicas_path')).toBe('/clickhouse/task_queue/replicas');
  });

  test('system log partition and TTL expressions are valid ClickHouse (chdb itself writes no system logs)', async () => {
    const logs = parseClickHouseXml(renderNodeGroupConfig(topology, group('data')).find((f) => f.path === SYSTEM_LOGS_FILE)!.content);
    for (const log of elements(logs)) {
      await engine.exec(`CREATE TABLE ttl_probe_${log.tagName} (event_date Date, event_time DateTime) ENGINE = MergeTree ` +
        `PARTITION BY ${textAt(log, 'partition_by')} ORDER BY event_time TTL ${textAt(log, 'ttl')}`);
    }
    expect(await engine.value("SELECT count() FROM system.tables WHERE name LIKE 'ttl_probe_%' AND engine_full LIKE '%TTL event_date + toIntervalDay(30)%'"))
      .toBe(String(elements(logs).length));
  });
});

/** Expected per tier: the clusters it must see (besides the operator's) and its Kafka consumers per node. */
const TIERS = [
  { name: 'ingestion-small', role: 'small', clusters: { posthog_single_shard: [3], posthog_migrations: ones(30), ingestion_small: ones(2) }, collections: ['msk_cluster'], pool: '16' },
  // heatmaps is sharded (sharded_heatmaps on posthog); its dead letters go to posthog_single_shard.
  { name: 'ingestion-medium', role: 'medium', clusters: { posthog: Array<number>(10).fill(3), posthog_single_shard: [3], posthog_migrations: ones(30), ingestion_medium: ones(4) }, collections: ['msk_cluster', 'msk_scram'], pool: '16' },
  { name: 'ingestion-events', role: 'events', clusters: { posthog: Array<number>(10).fill(3), posthog_single_shard: [3], posthog_migrations: ones(30), ingestion_events: ones(8) }, collections: ['warpstream_ingestion', 'warpstream_tls'], pool: '24' },
] as const;

describe.each(TIERS)('$name nodes in ClickHouse', (tier) => {
  let engine: TestEngine;
  const g = group(tier.name);
  beforeAll(() => {
    engine = engines.get(tier.name)!;
  });

  test('its own cluster, the storage cluster it writes to and the migrations cluster, beside the operator\'s', async () => {
    const { test_shard_localhost: sample, ...shape } = await clusterShape(engine);
    expect(shape).toEqual({ ...tier.clusters, [g.tier!.kubernetesName]: [1], 'all-sharded': [1] });
    // Ingestion files merge: only the storage group replaces what came before.
    expect(sample).toEqual([1]);
  });

  test('role macros beside the operator\'s shard and replica', async () => {
    expect(await macros(engine)).toEqual({
      installation: g.name, 'all-sharded-shard': '0', cluster: g.tier!.kubernetesName, shard: '0', replica: `chi-${g.name}-${g.tier!.kubernetesName}-0-0`,
      hostClusterRole: tier.role, hostClusterType: 'online',
    });
  });

  test('the region\'s distributed_ddl paths win over the operator\'s per-installation queue', async () => {
    expect(await serverSetting(engine, 'distributed_ddl.path')).toBe('/clickhouse/task_queue/ddl');
    expect(await serverSetting(engine, 'distributed_ddl.replicas_path')).toBe('/clickhouse/task_queue/replicas');
  });

  test('the default user is left as it was (the operator confines it to the installation\'s pods)', async () => {
    expect(await engine.rows("SELECT host_ip, host_names FROM system.users WHERE name = 'default'")).toEqual([{ host_ip: ['::/0'], host_names: [] }]);
  });

  test('distributed_foreground_insert=1 for the default profile', async () => {
    expect(await engine.value("SELECT getSetting('distributed_foreground_insert')")).toBe('true');
  });

  test('a named collection per backend its streams use, with the keys its auth needs', async () => {
    const rows = await engine.rows<{ name: string; keys: string[] }>('SELECT name, arraySort(mapKeys(collection)) AS keys FROM system.named_collections ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual([...tier.collections]);
    const expectedKeys: Record<KafkaAuth, string[]> = {
      [KafkaAuth.PLAINTEXT]: ['kafka_broker_list'],
      [KafkaAuth.TLS]: ['kafka_broker_list', 'kafka_security_protocol'],
      [KafkaAuth.SASL_IAM]: ['kafka_broker_list', 'kafka_sasl_mechanism', 'kafka_security_protocol'],
      [KafkaAuth.SASL_SCRAM]: ['kafka_broker_list', 'kafka_sasl_mechanism', 'kafka_sasl_password', 'kafka_sasl_username', 'kafka_security_protocol'],
    };
    // Plus where a new consumer group starts (config.d/kafka_offsets.xml, merged into the collection).
    for (const r of rows) expect(r.keys).toEqual(['kafka.auto_offset_reset', ...expectedKeys[topology.kafkaBackends.find((b) => b.name === r.name)!.auth]]);
  });

  test('Kafka tables on every collection with the leg\'s consumers; the broker pool covers them all', async () => {
    const legs = consumedLegs(topology, g);
    for (const l of legs) await createKafkaTable(engine, l);
    expect(await engine.value('SELECT count() FROM system.tables WHERE engine = \'Kafka\'')).toBe(String(legs.length));
    // The pool is created with the first Kafka table, from the rendered server setting.
    expect(await engine.value("SELECT getServerSetting('background_message_broker_schedule_pool_size')")).toBe(tier.pool);
    expect(Number(tier.pool)).toBeGreaterThanOrEqual(legs.reduce((n, l) => n + l.consumers, 0));
  });

  test('ClickHouse turns each collection into a librdkafka consumer configuration', async () => {
    for (const l of consumedLegs(topology, g)) {
      switch (l.leg.backend.auth) {
        case KafkaAuth.SASL_IAM: {
          // ClickHouse accepted AWS_MSK_IAM, read the region from the MSK host names and set up librdkafka's
          // OAUTHBEARER token callback; chdb's librdkafka is built without SASL providers, a server's is not.
          expect(await engine.errorOf(readKafkaSql(l.leg.kafkaTable))).toMatch(/SASL mechanism OAUTHBEARER/);
          break;
        }
        case KafkaAuth.SASL_SCRAM: {
          expect(await engine.errorOf(readKafkaSql(l.leg.kafkaTable))).toMatch(/SASL mechanism SCRAM-SHA-512/);
          break;
        }
        default:
          // Plaintext is read end to end below; TLS against no broker would only wait for the poll timeout.
          break;
      }
    }
  });

  // Only the events tier consumes the plaintext WarpStream backend.
  if (tier.role === 'events') (hasKcat ? test : test.skip)('the plaintext WarpStream collection reads messages from a real Kafka broker', async () => {
    await kafka!.produce([
      '{"uuid":"u1","event":"$pageview"}', '{"uuid":"u2","event":"$autocapture"}', '{"uuid":"u3","event":"$identify"}',
    ]);
    const probe = consumedLegs(topology, g).find((l) => l.leg.backend.name === 'warpstream_ingestion')!;
    await engine.exec(`CREATE TABLE kafka_probe (uuid String, event String) ENGINE = Kafka(${probe.leg.backend.name}, ` +
      `kafka_topic_list = '${probe.leg.topic.name}', kafka_group_name = 'probe', kafka_format = 'JSONEachRow') ` +
      // A direct SELECT ends after a poll that brings nothing new, so a short poll can return the
      // message of the first partition fetched alone (1 of 3 under load). A poll waits until it
      // holds a block of 3 or its timeout: long timeouts, which cost nothing once all 3 are in.
      'SETTINGS kafka_max_block_size = 3, kafka_poll_timeout_ms = 15000, kafka_flush_interval_ms = 20000');
    const rows = await engine.rows<{ event: string }>(readKafkaSql('kafka_probe'));
    expect(rows.map((r) => r.event).sort()).toEqual(['$autocapture', '$identify', '$pageview']);
  });
});

if (!hasKcat) console.warn('kcat is not installed (Debian package `kcat`): the end-to-end Kafka read in engine.test.ts is skipped');

test('text in a rendered file reaches ClickHouse literally: XML-special, entity-like and line-end values', async () => {
  // ClickHouse's parser turns a literal CR or CRLF into LF, the library's reader also NEL, LINE and
  // PARAGRAPH SEPARATOR; written as character references, each comes back as itself. The renderers'
  // property test checks the same values, and attribute values, against the library's reader.
  const values = ['&amp;', '&#65;', '<b> & "q"', "it's ]]>", 'a\rb', 'a\r\nb', 'a\u0085b', 'a\u2028b', 'a\u2029b', 'tab\there\nnext line'];
  const literal = { path: 'config.d/zz_literal.xml', content: clickhouseXml({ macros: Object.fromEntries(values.map((v, i) => [`literal_${i}`, v])) }) };
  const g = group('ingestion-small');
  const engine = await TestEngine.open([...renderNodeGroupConfig(topology, g), literal], fakeEnvironment(g));
  try {
    const read: string[] = [];
    for (const i of values.keys()) read.push(await engine.value(`SELECT getMacro('literal_${i}')`));
    expect(read).toEqual(values);
  } finally {
    await engine.kill();
  }
}, 120_000);

test('a config ClickHouse rejects fails to open', async () => {
  const broken = renderNodeGroupConfig(topology, group('ingestion-small')).map((f) => (f.path === 'config.d/zookeeper.xml' ? { ...f, content: f.content.replace('</zookeeper>', '') } : f));
  await expect(TestEngine.open(broken, fakeEnvironment(group('ingestion-small')))).rejects.toThrow(/rejected the config/);
});

