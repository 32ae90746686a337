/**
 * Unit tests of each ClickHouse config renderer: structure read back through an XML parser,
 * determinism, escaping and option validation. `engine.test.ts` loads the same files into a real
 * ClickHouse.
 */
import * as fc from 'fast-check';
import {
  clustersForGroup, consumersPerNode, INGESTION_PROFILE_FILE, messageBrokerPoolSize, NodeGroup, nodeGroups,
  REMOTE_SERVERS_FILE, renderHostMacros, renderNodeGroupConfig, renderStorageConfiguration, renderSystemLogs,
  requiredEnvironment, resolveOptions, scramCredentialEnv, storageDirectories, SYSTEM_LOG_TABLES, zookeeperRootZnodes,
  DEFAULT_USER_FILE, INTERSERVER_CREDENTIALS_FILE, INTERSERVER_HTTP_PASSWORD_ENV, INTERSERVER_HTTP_USER_ENV,
} from '../../lib/clickhouse';
import { clickhouseXml, XmlTree } from '../../lib/clickhouse/xml';
import { buildTopology, INTERSERVER_SECRET_ENV, NodeRole, TopologyValidationError } from '../../lib/model';
import { RenderedFile } from '../../lib/render/file';
import { US_TOPOLOGY } from '../../stacks/us';
import { at, child, childNames, children, elements, parseClickHouseXml, textAt, XmlElement } from './support/xml';
import { issueTopology, ISSUE_SPEC, SHUFFLE_SPEC } from './support/topologies';

const topology = issueTopology();
const groups = nodeGroups(topology);
const group = (name: string): NodeGroup => {
  const g = groups.find((x) => x.name === name);
  if (g === undefined) throw new Error(`no group ${name}`);
  return g;
};
const file = (files: readonly RenderedFile[], path: string): XmlElement => {
  const f = files.find((x) => x.path === path);
  if (f === undefined) throw new Error(`no ${path} in ${files.map((x) => x.path).join(', ')}`);
  return parseClickHouseXml(f.content);
};
const configOf = (name: string): RenderedFile[] => renderNodeGroupConfig(topology, group(name));

function problemsOf(fn: () => unknown): { field: string; value: unknown; expected: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected a TopologyValidationError');
}

describe('node groups', () => {
  test('data first, then one group per tier named after its ClickHouseInstallation', () => {
    expect(groups.map((g) => [g.name, g.kind, g.role.value, g.hosts.length])).toEqual([
      ['data', 'storage', 'data', 30],
      ['ingestion-small', 'ingestion', 'small', 2],
      ['ingestion-medium', 'ingestion', 'medium', 4],
      ['ingestion-events', 'ingestion', 'events', 8],
    ]);
    expect(group('ingestion-medium').tier?.clusterName).toBe('ingestion_medium');
  });

  test('file sets: storage gets tiers and no Kafka; ingestion gets profile, macros and named collections', () => {
    expect(configOf('data').map((f) => f.path)).toEqual([
      'config.d/interserver_credentials.xml', 'config.d/network.xml', 'config.d/prometheus.xml', 'config.d/remote_servers_no_restart.xml', 'config.d/storage.xml',
      'config.d/system_logs.xml', 'config.d/zookeeper.xml', 'users.d/default_user.xml', 'users.d/schema_migrator.xml',
    ]);
    expect(configOf('ingestion-small').map((f) => f.path)).toEqual([
      'config.d/kafka_consumers.xml', 'config.d/kafka_offsets.xml', 'config.d/named_collections.xml', 'config.d/prometheus.xml',
      'config.d/remote_servers_no_restart.xml', 'config.d/role_macros.xml', 'config.d/system_logs.xml', 'config.d/zookeeper.xml', 'users.d/ingestion_profile.xml',
      'users.d/schema_migrator.xml',
    ]);
  });

  test('a tier without streams gets no named collections and the default broker pool', () => {
    const bare = buildTopology({ ...ISSUE_SPEC, kafkaBackends: [], streams: [] });
    const small = nodeGroups(bare)[1];
    const files = renderNodeGroupConfig(bare, small);
    expect(files.map((f) => f.path)).not.toContain('config.d/named_collections.xml');
    expect(textAt(file(files, 'config.d/kafka_consumers.xml'), 'background_message_broker_schedule_pool_size')).toBe('16');
  });
});

describe('remote_servers', () => {
  const clusterNames = (files: RenderedFile[]): string[] => childNames(at(file(files, REMOTE_SERVERS_FILE), 'remote_servers'));

  test('storage nodes know every cluster and replace the package sample clusters', () => {
    const rs = at(file(configOf('data'), REMOTE_SERVERS_FILE), 'remote_servers');
    expect(rs.getAttribute('replace')).toBe('replace');
    expect(childNames(rs)).toEqual(['posthog', 'posthog_single_shard', 'posthog_migrations', 'ingestion_small', 'ingestion_medium', 'ingestion_events']);
  });

  test('an ingestion tier knows its own cluster, the storage cluster it writes to and the migrations cluster; it merges with the operator\'s', () => {
    expect(clusterNames(configOf('ingestion-small'))).toEqual(['posthog_single_shard', 'posthog_migrations', 'ingestion_small']);
    // heatmaps is sharded (posthog); every tier's dead letters go to posthog_single_shard.
    expect(clusterNames(configOf('ingestion-medium'))).toEqual(['posthog', 'posthog_single_shard', 'posthog_migrations', 'ingestion_medium']);
    expect(clusterNames(configOf('ingestion-events'))).toEqual(['posthog', 'posthog_single_shard', 'posthog_migrations', 'ingestion_events']);
    expect(at(file(configOf('ingestion-small'), REMOTE_SERVERS_FILE), 'remote_servers').hasAttribute('replace')).toBe(false);
  });

  test('a ShuffleHog tier writes rows to Kafka, so it needs only the single-shard cluster of its dead letters', () => {
    const shuffle = buildTopology(SHUFFLE_SPEC);
    expect(clustersForGroup(shuffle, nodeGroups(shuffle)[1]).map((c) => c.name)).toEqual(['posthog_single_shard', 'posthog_migrations', 'ingestion_shufflehog']);
  });

  test('shards carry weight and internal_replication; replicas carry host and port', () => {
    const posthog = at(file(configOf('data'), REMOTE_SERVERS_FILE), 'remote_servers', 'posthog');
    const shards = children(posthog, 'shard');
    expect(shards).toHaveLength(10);
    for (const shard of shards) {
      expect(textAt(shard, 'weight')).toBe('1');
      expect(textAt(shard, 'internal_replication')).toBe('true');
      expect(children(shard, 'replica')).toHaveLength(3);
    }
    expect(children(shards[9], 'replica').map((r) => [textAt(r, 'host'), textAt(r, 'port')])).toEqual([
      ['ch-data-s10-r1.test.clickhouse.internal', '9000'],
      ['ch-data-s10-r2.test.clickhouse.internal', '9000'],
      ['ch-data-s10-r3.test.clickhouse.internal', '9000'],
    ]);
    const migrations = at(file(configOf('data'), REMOTE_SERVERS_FILE), 'remote_servers', 'posthog_migrations');
    // One shard per storage host (names every member resolves), none for the pods.
    expect(children(migrations, 'shard').length).toBe(30);
    expect(children(migrations, 'shard').every((s) => textAt(s, 'internal_replication') === 'false')).toBe(true);
  });

  test('every cluster takes the inter-server secret from the environment, never a literal', () => {
    for (const g of groups) {
      const rs = at(file(renderNodeGroupConfig(topology, g), REMOTE_SERVERS_FILE), 'remote_servers');
      for (const cluster of elements(rs)) {
        const secret = child(cluster, 'secret');
        expect(secret.getAttribute('from_env')).toBe(INTERSERVER_SECRET_ENV);
        expect(secret.textContent).toBe('');
      }
    }
  });
});

describe('macros', () => {
  test('a storage host: zero-padded shard, host name as replica, role data, type online', () => {
    const host = topology.storage.hosts.find((h) => h.name === 'ch-data-s10-r3')!;
    const root = parseClickHouseXml(renderHostMacros(topology, host).content);
    const macros = at(root, 'macros');
    expect(childNames(macros).map((n) => [n, textAt(macros, n)])).toEqual([
      ['shard', '10'], ['replica', 'ch-data-s10-r3'], ['hostClusterRole', 'data'], ['hostClusterType', 'online'],
    ]);
    // Peers fetch parts from the name a replica announces: its name in the region's zone.
    expect(textAt(root, 'interserver_http_host')).toBe('ch-data-s10-r3.test.clickhouse.internal');
    expect(textAt(parseClickHouseXml(renderHostMacros(topology, topology.storage.hosts[0]).content), 'macros', 'shard')).toBe('01');
  });

  test('an ingestion group gets only role and type: the operator writes shard and replica', () => {
    const macros = at(file(configOf('ingestion-events'), 'config.d/role_macros.xml'), 'macros');
    expect(childNames(macros)).toEqual(['hostClusterRole', 'hostClusterType']);
    expect(textAt(macros, 'hostClusterRole')).toBe('events');
  });

  test('the workload type is an option', () => {
    const host = topology.storage.hosts[0];
    expect(textAt(parseClickHouseXml(renderHostMacros(topology, host, { hostClusterType: 'offline' }).content), 'macros', 'hostClusterType')).toBe('offline');
  });

  test('asking for an ingestion host\'s macros is an error that names it', () => {
    const pod = topology.ingestionTiers[0].hosts[0];
    expect(problemsOf(() => renderHostMacros(topology, pod))).toEqual([
      { field: 'host', value: pod.name, expected: expect.stringContaining('a storage host of region test') },
    ]);
  });
});

describe('listen addresses', () => {
  test('storage nodes listen beyond localhost (the package default); ingestion pods get the operator\'s', () => {
    const network = file(configOf('data'), 'config.d/network.xml');
    expect(children(network, 'listen_host').map((h) => h.textContent)).toEqual(['::', '0.0.0.0']);
    expect(textAt(network, 'listen_try')).toBe('1');
    expect(configOf('ingestion-small').map((f) => f.path)).not.toContain('config.d/network.xml');
  });
});

describe('storage access', () => {
  test('the default user may log in only from loopback, replacing the package\'s ::/0 rather than adding to it', () => {
    const networks = at(file(configOf('data'), DEFAULT_USER_FILE), 'users', 'default', 'networks');
    expect(networks.getAttribute('replace')).toBe('replace');
    expect(children(networks, 'ip').map((ip) => ip.textContent)).toEqual(['::1', '127.0.0.1']);
    expect(childNames(networks)).toEqual(['ip', 'ip']);
    // Nothing else about the user changes (its password stays the package's, usable from loopback only).
    expect(childNames(at(file(configOf('data'), DEFAULT_USER_FILE), 'users', 'default'))).toEqual(['networks']);
  });

  test('replicas authenticate fetches with a user and password from the environment, never written down', () => {
    const credentials = at(file(configOf('data'), INTERSERVER_CREDENTIALS_FILE), 'interserver_http_credentials');
    expect(childNames(credentials)).toEqual(['user', 'password']);
    expect(child(credentials, 'user').getAttribute('from_env')).toBe(INTERSERVER_HTTP_USER_ENV);
    expect(child(credentials, 'password').getAttribute('from_env')).toBe(INTERSERVER_HTTP_PASSWORD_ENV);
    expect(children(credentials, 'user').concat(children(credentials, 'password')).map((e) => e.textContent)).toEqual(['', '']);
  });

  test('ingestion pods get neither: the operator owns their users, and they fetch no parts', () => {
    for (const name of ['ingestion-small', 'ingestion-medium', 'ingestion-events']) {
      expect(configOf(name).map((f) => f.path)).not.toContain(DEFAULT_USER_FILE);
      expect(configOf(name).map((f) => f.path)).not.toContain(INTERSERVER_CREDENTIALS_FILE);
    }
  });
});

describe('ZooKeeper', () => {
  test('the region\'s ensemble and root; distributed_ddl with path and replicas_path; both replace earlier definitions', () => {
    const root = file(configOf('ingestion-small'), 'config.d/zookeeper.xml');
    const zk = at(root, 'zookeeper');
    expect(zk.getAttribute('replace')).toBe('replace');
    expect(children(zk, 'node').map((n) => `${textAt(n, 'host')}:${textAt(n, 'port')}`)).toEqual([
      'zk-1.test.clickhouse.internal:2181', 'zk-2.test.clickhouse.internal:2181', 'zk-3.test.clickhouse.internal:2181',
    ]);
    expect(textAt(zk, 'root')).toBe('/clickhouse/test');
    expect(at(root, 'distributed_ddl').getAttribute('replace')).toBe('replace');
    expect(textAt(root, 'distributed_ddl', 'path')).toBe('/clickhouse/task_queue/ddl');
    expect(textAt(root, 'distributed_ddl', 'replicas_path')).toBe('/clickhouse/task_queue/replicas');
  });

  test('storage and ingestion nodes share one queue, so ON CLUSTER posthog_migrations reaches both', () => {
    const data = configOf('data').find((f) => f.path === 'config.d/zookeeper.xml');
    expect(configOf('ingestion-events').find((f) => f.path === 'config.d/zookeeper.xml')).toEqual(data);
  });

  test('the root\'s znodes, parents first, for whoever creates them before ClickHouse starts', () => {
    expect(zookeeperRootZnodes(topology)).toEqual(['/clickhouse', '/clickhouse/test']);
  });

  test('two regions never share a root', () => {
    const us = buildTopology(US_TOPOLOGY);
    expect(textAt(file(renderNodeGroupConfig(us, nodeGroups(us)[0]), 'config.d/zookeeper.xml'), 'zookeeper', 'root')).toBe('/clickhouse/us');
  });
});

describe('named collections', () => {
  const collections = (name: string): XmlElement => at(file(configOf(name), 'config.d/named_collections.xml'), 'named_collections');
  const keys = (el: XmlElement): Record<string, string> =>
    Object.fromEntries(elements(el).map((c) => [c.tagName, c.getAttribute('from_env') !== null ? `env:${c.getAttribute('from_env')}` : c.textContent ?? '']));

  test('MSK over IAM: sasl_ssl + AWS_MSK_IAM, broker list from the environment, environment credentials on', () => {
    expect(childNames(collections('ingestion-small'))).toEqual(['msk_cluster']);
    expect(keys(at(collections('ingestion-small'), 'msk_cluster'))).toEqual({
      kafka_broker_list: 'env:KAFKA_HOSTS_MSK_CLUSTER', kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'AWS_MSK_IAM',
    });
    expect(textAt(file(configOf('ingestion-small'), 'config.d/named_collections.xml'), 'kafka', 'use_environment_credentials')).toBe('true');
  });

  test('MSK over SCRAM: SCRAM-SHA-512 with username and password from the environment', () => {
    expect(keys(at(collections('ingestion-medium'), 'msk_scram'))).toEqual({
      kafka_broker_list: 'env:KAFKA_HOSTS_MSK_SCRAM', kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'SCRAM-SHA-512',
      kafka_sasl_username: 'env:KAFKA_SASL_USERNAME_MSK_SCRAM', kafka_sasl_password: 'env:KAFKA_SASL_PASSWORD_MSK_SCRAM',
    });
    expect(scramCredentialEnv({ name: 'msk_scram' })).toEqual({ username: 'KAFKA_SASL_USERNAME_MSK_SCRAM', password: 'KAFKA_SASL_PASSWORD_MSK_SCRAM' });
  });

  test('WarpStream in plaintext (agents inside the cluster network) and over TLS; no AWS credentials section', () => {
    expect(keys(at(collections('ingestion-events'), 'warpstream_ingestion'))).toEqual({ kafka_broker_list: 'env:KAFKA_HOSTS_WARPSTREAM_INGESTION' });
    expect(keys(at(collections('ingestion-events'), 'warpstream_tls'))).toEqual({
      kafka_broker_list: 'env:KAFKA_HOSTS_WARPSTREAM_TLS', kafka_security_protocol: 'ssl',
    });
    expect(children(file(configOf('ingestion-events'), 'config.d/named_collections.xml'), 'kafka')).toHaveLength(0);
  });

  test('a ShuffleHog tier gets the backend it produces to as well as the one it reads', () => {
    const shuffle = buildTopology(SHUFFLE_SPEC);
    const files = renderNodeGroupConfig(shuffle, nodeGroups(shuffle)[1]);
    expect(childNames(at(file(files, 'config.d/named_collections.xml'), 'named_collections'))).toEqual(['warpstream_ingestion', 'msk_cluster']);
  });
});

describe('Kafka consumer threads', () => {
  test('the pool is the sum of kafka_num_consumers of the node\'s Kafka tables, never below 16', () => {
    expect(consumersPerNode(topology, group('ingestion-events'))).toBe(24);
    expect(messageBrokerPoolSize(topology, group('ingestion-events'))).toBe(24);
    expect(textAt(file(configOf('ingestion-events'), 'config.d/kafka_consumers.xml'), 'background_message_broker_schedule_pool_size')).toBe('24');
    expect(consumersPerNode(topology, group('ingestion-medium'))).toBe(8);
    expect(messageBrokerPoolSize(topology, group('ingestion-medium'))).toBe(16);
    expect(consumersPerNode(topology, group('data'))).toBe(0);
  });
});

describe('ingestion profile', () => {
  test('distributed_foreground_insert=1 in the default profile of ingestion nodes, and nowhere on storage nodes', () => {
    const profile = at(file(configOf('ingestion-small'), INGESTION_PROFILE_FILE), 'profiles', 'default');
    expect(textAt(profile, 'distributed_foreground_insert')).toBe('1');
    expect(configOf('data').some((f) => f.content.includes('profiles') || f.content.includes('distributed_foreground_insert'))).toBe(false);
  });
});

describe('system logs', () => {
  test('every default log replaced with a daily-partitioned table and a TTL: 3 days on ingestion, 30 on storage', () => {
    const ingestion = parseClickHouseXml(renderSystemLogs(group('ingestion-small')).content);
    expect(childNames(ingestion)).toEqual([...SYSTEM_LOG_TABLES]);
    for (const name of SYSTEM_LOG_TABLES) {
      const log = at(ingestion, name);
      expect(log.getAttribute('replace')).toBe('replace');
      expect(textAt(log, 'table')).toBe(name);
      expect(textAt(log, 'partition_by')).toBe('event_date');
      expect(textAt(log, 'ttl')).toBe('event_date + INTERVAL 3 DAY DELETE');
      expect(children(log, 'engine')).toHaveLength(0);
    }
    expect(textAt(parseClickHouseXml(renderSystemLogs(group('data')).content), 'query_log', 'ttl')).toBe('event_date + INTERVAL 30 DAY DELETE');
    expect(textAt(parseClickHouseXml(renderSystemLogs(group('ingestion-small'), { ingestionLogRetentionDays: 1 }).content), 'part_log', 'ttl'))
      .toBe('event_date + INTERVAL 1 DAY DELETE');
  });
});

describe('storage configuration', () => {
  const storage = parseClickHouseXml(renderStorageConfiguration().content);

  test('root path on EBS; hot NVMe, warm EBS, cold S3 in one policy, in that order', () => {
    expect(textAt(storage, 'path')).toBe('/var/lib/clickhouse/');
    const disks = at(storage, 'storage_configuration', 'disks');
    expect(childNames(disks)).toEqual(['nvme', 'ebs', 's3_cold']);
    expect(textAt(disks, 'nvme', 'path')).toBe('/mnt/nvme/clickhouse/');
    expect(textAt(disks, 'ebs', 'path')).toBe('/var/lib/clickhouse/disks/ebs/');
    const volumes = at(storage, 'storage_configuration', 'policies', 'tiered', 'volumes');
    expect(childNames(volumes).map((v) => [v, textAt(volumes, v, 'disk')])).toEqual([['hot', 'nvme'], ['warm', 'ebs'], ['cold', 's3_cold']]);
    expect(textAt(volumes, 'cold', 'perform_ttl_move_on_insert')).toBe('false');
  });

  test('the S3 disk: metadata on EBS, endpoint from the environment, credentials from the instance role, access check on', () => {
    const s3 = at(storage, 'storage_configuration', 'disks', 's3_cold');
    expect(textAt(s3, 'type')).toBe('s3');
    expect(textAt(s3, 'metadata_path')).toBe('/var/lib/clickhouse/disks/s3_cold/');
    expect(at(s3, 'endpoint').getAttribute('from_env')).toBe('CLICKHOUSE_COLD_S3_ENDPOINT');
    expect(textAt(s3, 'use_environment_credentials')).toBe('true');
    expect(childNames(s3)).not.toEqual(expect.arrayContaining(['access_key_id', 'secret_access_key', 'skip_access_check']));
  });

  test('a given endpoint is written as is and drops the environment variable', () => {
    const opts = { coldStorage: { endpoint: 'https://cold.s3.us-east-1.amazonaws.com/clickhouse/us/' } };
    expect(textAt(parseClickHouseXml(renderStorageConfiguration(opts).content), 'storage_configuration', 'disks', 's3_cold', 'endpoint'))
      .toBe('https://cold.s3.us-east-1.amazonaws.com/clickhouse/us/');
    expect(requiredEnvironment(topology, group('data'), opts)).toEqual([
      INTERSERVER_HTTP_PASSWORD_ENV, INTERSERVER_HTTP_USER_ENV, INTERSERVER_SECRET_ENV, 'CLICKHOUSE_MIGRATOR_PASSWORD',
    ]);
  });

  test('folders cloud-init must create, all on the mounts it formats', () => {
    expect(storageDirectories()).toEqual([
      '/var/lib/clickhouse/', '/mnt/nvme/clickhouse/', '/var/lib/clickhouse/disks/ebs/', '/var/lib/clickhouse/disks/s3_cold/',
    ]);
  });
});

describe('environment', () => {
  test('each group names exactly the variables its files read, sorted', () => {
    expect(requiredEnvironment(topology, group('data'))).toEqual([
      'CLICKHOUSE_COLD_S3_ENDPOINT', 'CLICKHOUSE_INTERSERVER_HTTP_PASSWORD', 'CLICKHOUSE_INTERSERVER_HTTP_USER', 'CLICKHOUSE_INTERSERVER_SECRET',
      'CLICKHOUSE_MIGRATOR_PASSWORD',
    ]);
    expect(requiredEnvironment(topology, group('ingestion-small'))).toEqual(['CLICKHOUSE_INTERSERVER_SECRET', 'CLICKHOUSE_MIGRATOR_PASSWORD', 'KAFKA_HOSTS_MSK_CLUSTER']);
    expect(requiredEnvironment(topology, group('ingestion-medium'))).toEqual([
      'CLICKHOUSE_INTERSERVER_SECRET', 'CLICKHOUSE_MIGRATOR_PASSWORD', 'KAFKA_HOSTS_MSK_CLUSTER', 'KAFKA_HOSTS_MSK_SCRAM', 'KAFKA_SASL_PASSWORD_MSK_SCRAM', 'KAFKA_SASL_USERNAME_MSK_SCRAM',
    ]);
  });

  test('every from_env in every file is a required variable, and nothing else is', () => {
    for (const g of groups) {
      const files = renderNodeGroupConfig(topology, g);
      const used = new Set(files.flatMap((f) => [...f.content.matchAll(/from_env="([A-Z0-9_]+)"/g)].map((m) => m[1])));
      expect([...used].sort()).toEqual(requiredEnvironment(topology, g));
    }
  });
});

describe('options', () => {
  test('every bad option is reported at once with field, value and expectation', () => {
    const problems = problemsOf(() => resolveOptions({
      hostClusterType: 'On Line',
      storagePaths: { root: 'var/lib/clickhouse', nvme: '/mnt/nvme/../etc/' },
      coldStorage: { endpoint: 'https://AKIA:secret@bucket.s3.amazonaws.com/x/', endpointEnv: 'lower' },
      ingestionLogRetentionDays: 0,
    }));
    expect(problems.map((p) => p.field)).toEqual([
      'hostClusterType', 'storagePaths.root', 'storagePaths.nvme', 'coldStorage.endpoint', 'coldStorage.endpointEnv', 'ingestionLogRetentionDays',
    ]);
    expect(problems.find((p) => p.field === 'coldStorage.endpoint')?.expected).toContain('without credentials');
  });

  test('renderers check options before rendering anything', () => {
    expect(() => renderNodeGroupConfig(topology, group('data'), { storagePaths: { nvme: '/var/lib/clickhouse/' } })).toThrow(TopologyValidationError);
  });

  test('the caller\'s options object is not kept: changing it later changes nothing', () => {
    const opts = { storagePaths: { root: '/data/' } };
    const resolved = resolveOptions(opts);
    opts.storagePaths.root = '/elsewhere/';
    expect(resolved.rootPath).toBe('/data/');
  });
});

describe('determinism and escaping', () => {
  test('two renders of the same topology are byte-identical', () => {
    const again = issueTopology();
    for (const g of nodeGroups(again)) {
      expect(renderNodeGroupConfig(again, g)).toEqual(renderNodeGroupConfig(topology, groups.find((x) => x.name === g.name)!));
    }
  });

  test('a value can never open or close an element: text and attribute values round-trip through the parser unchanged', () => {
    // XML 1.0 forbids most control characters; every other string must come back as it went in,
    // including the characters a parser rewrites when they stand literally (line ends; tab and LF
    // in attributes), which a run of random graphemes seldom holds (once, U+2028 came back as LF).
    const xmlChar = fc.string({ unit: 'grapheme' }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''));
    const rewritten = fc.string({ unit: fc.constantFrom('\r', '\n', '\r\n', '\t', ' ', '\u0085', '\u2028', '\u2029', '&', '<', '"', 'a') });
    fc.assert(fc.property(fc.oneof(xmlChar, rewritten), (value) => {
      const root = parseClickHouseXml(clickhouseXml({ macros: { replica: value, shard: { '@from_env': value } } }));
      expect(childNames(root)).toEqual(['macros']);
      expect(childNames(at(root, 'macros'))).toEqual(['replica', 'shard']);
      expect(textAt(root, 'macros', 'replica')).toBe(value);
      expect(at(root, 'macros', 'shard').getAttribute('from_env')).toBe(value);
    }), { numRuns: 300 });
    const hostile = '</replica><remote_servers><evil/></remote_servers><replica>';
    expect(clickhouseXml({ macros: { replica: hostile } })).toContain('&lt;/replica&gt;');
  });

  test('values reach ClickHouse literally: entity-like text in elements and attributes is escaped, not decoded', () => {
    const values = ['&amp;', '&#65;', '&lt;b&gt;', 'a & b', `'single' "double"`, ']]>', 'x -- y', '${not.terraform}'];
    for (const value of values) {
      const root = parseClickHouseXml(clickhouseXml({ macros: { replica: value, shard: { '@from_env': value } } }));
      expect(textAt(root, 'macros', 'replica')).toBe(value);
      expect(at(root, 'macros', 'shard').getAttribute('from_env')).toBe(value);
    }
  });

  test('the writer keeps an attribute of "true" as a value, puts a comment first, and refuses a name that is not XML', () => {
    const text = clickhouseXml({ startup_scripts: { '@replace': 'true', throw_on_error: 'true' } }, ' rendered here ');
    expect(text).toBe('<?xml version="1.0"?>\n<clickhouse>\n  <!-- rendered here -->\n' +
      '  <startup_scripts replace="true">\n    <throw_on_error>true</throw_on_error>\n  </startup_scripts>\n</clickhouse>\n');
    expect(() => clickhouseXml({ 'not a name': 'x' })).toThrow(/not an XML element or attribute name: "not a name"/);
    expect(() => clickhouseXml({ macros: { '@a b': 'x' } })).toThrow(/not an XML element or attribute name/);
  });

  test('the writer refuses trees it would not write as elements, attributes and text, and characters XML does not allow', () => {
    const refused: [XmlTree, RegExp][] = [
      [{ a: { '#text': 'x' } }, /clickhouse\.a\.#text: not an element or attribute name/],
      [{ a: { '?pi': 'x' } }, /clickhouse\.a\.\?pi: not an element or attribute name/],
      [{ a: { '!x': 'x' } }, /not an element or attribute name/],
      [{ a: { '@x': ['1', '2'] } }, /clickhouse\.a\.@x: an attribute holds a string or a number/],
      [{ a: { '@x': { b: '1' } } }, /an attribute holds a string or a number/],
      [{ a: [['1', '2']] }, /clickhouse\.a: a list inside a list/],
      [{ a: [null as unknown as string, '1'] }, /clickhouse\.a: no value \(null\)/],
      [{ a: { b: undefined as unknown as string } }, /clickhouse\.a\.b: no value \(undefined\)/],
      [{ a: 'bell \u0007' }, /<a> holds a character XML does not allow/],
      [{ a: { '@x': 'lone \ud800' } }, /attribute x holds a character XML does not allow/],
    ];
    for (const [tree, message] of refused) expect(() => clickhouseXml(tree)).toThrow(message);
  });

  test('names that reach tags are identifiers: the model rejects a role that could not be one', () => {
    expect(() => buildTopology({ ...ISSUE_SPEC, ingestionTiers: [{ role: NodeRole.of('a><b'), nodes: 1 }], streams: [] })).toThrow(TopologyValidationError);
  });
});

