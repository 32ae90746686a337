/**
 * What the rehearsal changes in a node's rendered config and SQL so that one local engine can
 * stand in for a whole region, and nothing else: remote hosts become the engine itself, broker
 * lists and auth point at the mock cluster, consumer groups start at the earliest offset; on an
 * ingestion engine the storage tables it carries as its outbox are non-replicated twins, while
 * storage engines keep their Replicated engines on a local ZooKeeper.
 */
import { clickhouseXml, readXmlObject, XmlObject, XmlTree } from '../clickhouse/xml';
import { renderStorageConfiguration } from '../clickhouse/storage';
import { RenderedFile } from '../render/file';

/** The native port the engine believes it listens on; a Distributed replica on localhost:PORT is the engine itself. */
export const REHEARSAL_TCP_PORT = 19000;

/** The interserver HTTP port a storage engine announces (chdb does not listen on it). */
export const REHEARSAL_INTERSERVER_PORT = 9009;

/** Consumer session timeout in the rehearsal (librdkafka's default is 45 s). */
export const REHEARSAL_SESSION_TIMEOUT_MS = 6000;

/**
 * librdkafka settings of every rehearsal consumer: groups start at the earliest offset, and short
 * group timeouts, because librdkafka's mock coordinator waits session.timeout.ms − 1 s for members
 * that join late and drops a member that died (a replaced node) only after session.timeout.ms.
 */
export const REHEARSAL_LIBRDKAFKA = {
  auto_offset_reset: 'earliest',
  session_timeout_ms: REHEARSAL_SESSION_TIMEOUT_MS,
  heartbeat_interval_ms: 500,
} as const;

/** Profile settings for every query and materialized view of the rehearsal engine. */
export const REHEARSAL_PROFILE = {
  // Rows are counted exactly: equal keys of Replacing/Collapsing tables must not fold on insert.
  optimize_on_insert: 0,
  // The Kafka engine flushes a block at least this often (ClickHouse's default is 7.5 s).
  stream_flush_interval_ms: 500,
} as const;

function xml(root: XmlObject): string {
  return clickhouseXml(root as XmlTree);
}

/** The engine's main config: paths, a quiet log to a file, and the users file beside it. */
export function mainConfigXml(o: { readonly dataDir: string; readonly usersFile: string; readonly logFile: string }): string {
  return xml({
    path: o.dataDir,
    users_config: o.usersFile,
    logger: { level: 'warning', console: 0, log: o.logFile, errorlog: o.logFile + '.err' },
  });
}

/** A `default` user that may read named collections (the checks look at them). */
export function usersXml(): string {
  return xml({
    profiles: { default: {} },
    users: {
      default: {
        password: '', networks: { ip: '::/0' }, profile: 'default', quota: 'default', access_management: 1,
        named_collection_control: 1, show_named_collections: 1,
      },
    },
    quotas: { default: {} },
  });
}

function asArray(v: unknown): unknown[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Variables named by `from_env` attributes in a set of config files, sorted. */
export function fromEnvVariables(files: readonly RenderedFile[]): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '@from_env' && typeof v === 'string') names.add(v);
        else walk(v);
      }
    }
  };
  for (const f of files) if (f.path.endsWith('.xml')) walk(readXmlObject(f.content));
  return [...names].sort();
}

/** The clusters of the rendered `remote_servers`, with their shard counts. */
export function renderedClusters(files: readonly RenderedFile[]): Map<string, number> {
  const clusters = new Map<string, number>();
  for (const f of files) {
    if (!f.path.endsWith('.xml')) continue;
    const root = readXmlObject(f.content).clickhouse as XmlObject | undefined;
    const servers = root?.remote_servers as XmlObject | undefined;
    if (servers === undefined || typeof servers !== 'object') continue;
    for (const [name, cluster] of Object.entries(servers)) {
      if (name.startsWith('@') || cluster === null || typeof cluster !== 'object') continue;
      clusters.set(name, asArray((cluster as XmlObject).shard).length);
    }
  }
  return clusters;
}

/** librdkafka auth keys that a plaintext mock broker would refuse. */
const AUTH_KEYS = /^kafka_(security_protocol|sasl_.*|ssl_.*)$/;

/** The rendered named collections: name → keys (values as text or `{ '@from_env': ... }`). */
export function renderedNamedCollections(files: readonly RenderedFile[]): Map<string, XmlObject> {
  const collections = new Map<string, XmlObject>();
  for (const f of files) {
    if (!f.path.endsWith('.xml')) continue;
    const root = readXmlObject(f.content).clickhouse as XmlObject | undefined;
    const named = root?.named_collections as XmlObject | undefined;
    if (named === undefined || typeof named !== 'object') continue;
    for (const [name, keys] of Object.entries(named)) {
      if (!name.startsWith('@') && keys !== null && typeof keys === 'object') collections.set(name, { ...(collections.get(name) ?? {}), ...(keys as XmlObject) });
    }
  }
  return collections;
}

/** What the override file changed, for the report. */
export interface OverrideSummary {
  readonly file: RenderedFile;
  /** Named collections whose auth was dropped for the plaintext mock, with the keys dropped. */
  readonly authDropped: ReadonlyMap<string, readonly string[]>;
}

/** How a storage engine's override differs from an ingestion engine's. */
export interface StorageOverride {
  /** The engine's data folder (the rendered `<path>` points at the host's disk). */
  readonly dataDir: string;
  /** Folder the storage policy's disks move into, one sub-folder per disk. */
  readonly disksDir: string;
  /** Port of the local ZooKeeper (or of the engine's link to it). */
  readonly zookeeperPort: number;
}

/** The rendered `storage_configuration` disks: name → type and the keys that hold local paths. */
export function renderedDisks(files: readonly RenderedFile[]): Map<string, XmlObject> {
  const disks = new Map<string, XmlObject>();
  for (const f of files) {
    if (!f.path.endsWith('.xml')) continue;
    const root = readXmlObject(f.content).clickhouse as XmlObject | undefined;
    const found = (root?.storage_configuration as XmlObject | undefined)?.disks as XmlObject | undefined;
    if (found === undefined || typeof found !== 'object') continue;
    for (const [name, disk] of Object.entries(found)) if (!name.startsWith('@') && disk !== null && typeof disk === 'object') disks.set(name, disk as XmlObject);
  }
  return disks;
}

/**
 * `config.d/zz_rehearsal.xml`, merged after every rendered file: the same clusters with every
 * shard on the engine itself, the same named collections without TLS/SASL, and consumer groups
 * that start at the earliest offset. An ingestion engine has no ZooKeeper; a storage engine
 * (`storage` given) keeps the rendered ZooKeeper root and DDL queue but reaches the local
 * ZooKeeper, and its disks move into the engine's folder (an S3 disk skips its access check).
 * A cluster or collection the rendered config lacks stays missing, so the rehearsal still catches it.
 */
export function rehearsalOverrides(files: readonly RenderedFile[], storage?: StorageOverride): OverrideSummary {
  const remote: XmlObject = { '@replace': 'replace' };
  for (const [name, shards] of renderedClusters(files)) {
    remote[name] = { shard: Array.from({ length: Math.max(1, shards) }, () => ({ replica: { host: 'localhost', port: REHEARSAL_TCP_PORT } })) };
  }
  const named: XmlObject = {};
  const authDropped = new Map<string, string[]>();
  for (const [name, keys] of renderedNamedCollections(files)) {
    // A table using a named collection ignores the global <kafka> section: its librdkafka
    // settings go in the collection's own <kafka> element.
    const kept: XmlObject = { '@replace': 'replace', kafka: { ...REHEARSAL_LIBRDKAFKA } };
    const dropped: string[] = [];
    for (const [k, v] of Object.entries(keys)) {
      if (AUTH_KEYS.test(k)) dropped.push(k);
      else if (k === 'kafka' && v !== null && typeof v === 'object') kept.kafka = { ...(v as XmlObject), ...REHEARSAL_LIBRDKAFKA };
      else kept[k] = v;
    }
    named[name] = kept;
    if (dropped.length > 0) authDropped.set(name, dropped);
  }
  const root: XmlObject = {
    tcp_port: REHEARSAL_TCP_PORT,
    remote_servers: remote,
    // Tables without a named collection read librdkafka settings from here.
    kafka: { ...REHEARSAL_LIBRDKAFKA, use_environment_credentials: { '@remove': 'remove' } },
  };
  if (storage === undefined) {
    root.zookeeper = { '@remove': 'remove' };
    root.distributed_ddl = { '@remove': 'remove' };
  } else {
    root.path = storage.dataDir;
    // Replicated tables refuse to start without it (replicas announce host:port in ZooKeeper for
    // part fetches); chdb listens on no port, so nothing is served there.
    root.interserver_http_port = REHEARSAL_INTERSERVER_PORT;
    const zookeeperRoot = renderedZooKeeperRoot(files);
    root.zookeeper = {
      '@replace': 'replace',
      node: { host: '127.0.0.1', port: storage.zookeeperPort },
      ...(zookeeperRoot !== undefined ? { root: zookeeperRoot } : {}),
      // A replica whose link is cut goes read-only within seconds instead of 30 s.
      session_timeout_ms: 4000,
      operation_timeout_ms: 2000,
    };
    const disks: XmlObject = {};
    for (const [name, disk] of renderedDisks(files)) {
      const moved: XmlObject = {};
      if (typeof disk.path === 'string') moved.path = `${storage.disksDir}/${name}/`;
      if (disk.metadata_path !== undefined) moved.metadata_path = `${storage.disksDir}/${name}-metadata/`;
      // There is no S3: the disk is declared (so policies load) but never probed.
      if (disk.type === 's3') moved.skip_access_check = 'true';
      disks[name] = moved;
    }
    if (Object.keys(disks).length > 0) root.storage_configuration = { disks };
  }
  if (Object.keys(named).length > 0) root.named_collections = named;
  return { file: { path: 'config.d/zz_rehearsal.xml', content: xml(root) }, authDropped };
}

/** The rendered `<zookeeper><root>`, if any. */
export function renderedZooKeeperRoot(files: readonly RenderedFile[]): string | undefined {
  for (const f of files) {
    if (!f.path.endsWith('.xml')) continue;
    const zk = (readXmlObject(f.content).clickhouse as XmlObject | undefined)?.zookeeper as XmlObject | undefined;
    if (zk !== undefined && typeof zk === 'object' && typeof zk.root === 'string') return zk.root;
  }
  return undefined;
}

/** `users.d/zz_rehearsal.xml`: the rehearsal's profile settings on top of the rendered ones. */
export function rehearsalProfile(): RenderedFile {
  return { path: 'users.d/zz_rehearsal.xml', content: xml({ profiles: { default: { ...REHEARSAL_PROFILE } } }) };
}

const STRING_LITERAL = String.raw`'(?:[^'\\]|\\.)*'`;
const REPLICATED_ENGINE = new RegExp(String.raw`\bReplicated(\w*MergeTree)\(\s*${STRING_LITERAL}\s*,\s*${STRING_LITERAL}\s*(,\s*)?`, 'g');

/**
 * A statement with its Replicated engines turned into their twins: `ReplicatedReplacingMergeTree(
 * '/path', '{replica}', _timestamp)` → `ReplacingMergeTree(_timestamp)`. Only the engine call
 * changes; the ZooKeeper path and replica are the first two arguments of every Replicated engine.
 */
export function nonReplicatedTwin(statement: string): string {
  return statement.replace(REPLICATED_ENGINE, (_m, family: string) => `${family}(`);
}

/**
 * Kafka table settings the rehearsal caps, with why.
 * - `kafka_poll_timeout_ms` ≤ 500: a consumer takes part in a group rebalance only between polls,
 *   so long polls (PostHog's 10 s, for WarpStream) make every join and every replacement wait.
 * - `kafka_thread_per_consumer` 0: with a thread per consumer, each streaming task takes the first
 *   free consumer of the table's pool (creating one only when none is free) and rests 500 ms
 *   between rounds. With 500 ms polls a task holds a consumer about half the time, so once the
 *   tasks drift apart (they do on a busy machine) the last consumers are seldom or never taken:
 *   their partitions stay assigned but unread until the pool closes them as idle (60 s), and each
 *   late creation or close rebalances the group. Without it, one task reads from every consumer in
 *   each round, so every consumer polls and the whole group joins at once.
 * Consumer counts are not capped: mock topics have their declared partitions, and the model checks
 * consumers against them at synth.
 */
export const REHEARSAL_KAFKA_CAPS: Readonly<Record<string, number>> = {
  kafka_poll_timeout_ms: 500,
  kafka_thread_per_consumer: 0,
};

/**
 * A statement with the capped Kafka settings lowered to the rehearsal's values. Returns the
 * statement and each setting it changed with the value it had.
 */
export function capKafkaSettings(statement: string): { readonly sql: string; readonly changed: ReadonlyMap<string, number> } {
  const changed = new Map<string, number>();
  let sql = statement;
  for (const [setting, cap] of Object.entries(REHEARSAL_KAFKA_CAPS)) {
    sql = sql.replace(new RegExp(String.raw`\b${setting}\s*=\s*(\d+)`, 'g'), (m, n: string) => {
      if (Number(n) <= cap) return m;
      changed.set(setting, Number(n));
      return `${setting} = ${cap}`;
    });
  }
  return { sql, changed };
}

/**
 * The storage hosts' `tiered` policy for the storage stand-in on a rehearsal engine, so the data
 * tables keep their storage policy and TTL moves: the rendered storage.xml with its paths under
 * the engine's folder (its root path is the engine's data folder) and the cold S3 disk replaced
 * by a local one of the same name (the only change; chdb reaches no S3).
 */
export function rehearsalStorage(engineDir: string): RenderedFile {
  const root = `${engineDir.replace(/\/+$/, '')}/data/`;
  const rendered = renderStorageConfiguration({ storagePaths: { root, nvme: `${root}disks/nvme/` }, coldStorage: { endpoint: 'https://rehearsal.invalid/bucket/' } });
  return {
    path: 'config.d/zz_rehearsal_storage.xml',
    content: rendered.content.replace(/<s3_cold>[\s\S]*?<\/s3_cold>/, `<s3_cold><type>local</type><path>${root}disks/s3_cold_local/</path></s3_cold>`),
  };
}
