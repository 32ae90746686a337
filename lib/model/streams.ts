import { checkIdentifier, checkUnique } from './names';
import { NodeRole } from './node-role';
import { KafkaBackendKind } from './spec';
import { bareKeywordColumns, referencedColumns, typeProblem } from './sql-text';
import { ColumnSpec, DataEngine, RetentionSpec, StreamSpec } from './stream';
import type { Cluster, IngestionTier, Retention, Stream, StreamLeg, Topology } from './resolved';
import { Problems } from './validation';

// The resolved shapes live in resolved.ts; importers of this module keep their names.
export type { Retention, ShuffleSink, Stream, StreamLeg } from './resolved';

/** A stream's dead-letter table is `<stream>_dead_letters` (the metrics exporter finds them by this suffix). */
export const DEAD_LETTER_TABLE_SUFFIX = '_dead_letters';

/** Retention when a stream does not say: a week hot, a month warm, then cold; dead letters a month. */
export const DEFAULT_RETENTION: Retention = { hotDays: 7, warmDays: 30, deadLetterDays: 30 };

/**
 * Virtual columns of the Kafka engine. A stream column with one of these names would shadow it in
 * the Kafka table (and `_timestamp`/`_offset` are added to the data table from them).
 */
export const KAFKA_VIRTUAL_COLUMNS: readonly string[] = [
  '_topic', '_key', '_offset', '_timestamp', '_timestamp_ms', '_partition', '_headers', '_raw_message', '_error',
];

/**
 * Virtual columns of the MergeTree and Distributed engines (`_part`, `_shard_num`, ...): a stored
 * column of that name hides the virtual one from every query, so it is refused.
 */
export const TABLE_VIRTUAL_COLUMNS: readonly string[] = [
  '_part', '_part_index', '_part_uuid', '_part_offset', '_part_granule_offset', '_part_data_version', '_partition_id', '_partition_value',
  '_sample_factor', '_row_exists', '_block_number', '_block_offset', '_disk_name', '_shard_num', '_table', '_database', '_distance',
];

/** The Kafka metadata every data and writable table stores beside the stream's columns (PostHog's KAFKA_COLUMNS plus `_partition`). */
export const STORED_KAFKA_COLUMNS: readonly ColumnSpec[] = [
  { name: '_timestamp', type: 'DateTime' },
  { name: '_offset', type: 'UInt64' },
  { name: '_partition', type: 'UInt64' },
];

/** Characters that would end a statement or open a comment are never accepted in an expression or type. */
const UNSAFE_SQL = /;|--|\/\*|\*\/|\\|`|\0/;

/** An SQL type or expression: no statement terminators or comments, balanced quotes and parentheses. */
export function isSafeSqlFragment(text: unknown): boolean {
  if (typeof text !== 'string' || text.trim() === '' || text.length > 1000 || UNSAFE_SQL.test(text)) return false;
  let depth = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (depth < 0) return false;
    if (/[\r\n]/.test(ch)) return false;
  }
  return depth === 0 && !quoted;
}

const SQL_FRAGMENT_EXPECTED = 'an SQL expression on one line without ;, comments or backslashes, with balanced quotes and parentheses';
const FORMATS = ['JSONEachRow', 'JSONAsString', 'CSV', 'TSV', 'Avro', 'AvroConfluent', 'Protobuf', 'RawBLOB', 'JSONCompactEachRow'];

type TopologyParts = Pick<Topology, 'database' | 'ingestionTiers' | 'kafkaBackends' | 'storage' | 'clusterNames'> & {
  readonly clusters: readonly Cluster[];
};

/** Resolves and validates streams against the rest of the topology, adding every problem found. */
export function resolveStreams(specs: readonly StreamSpec[], topo: TopologyParts, problems: Problems): Stream[] {
  const streams: Stream[] = [];
  specs.forEach((s, i) => {
    const f = `streams[${i}]`;
    if (!checkIdentifier(problems, `${f}.name`, s.name)) return;
    const isShuffle = s.shuffle !== undefined;
    const columns = checkColumns(problems, `${f}.columns`, s.columns);
    const sourceColumns = s.sourceColumns === undefined ? columns : checkColumns(problems, `${f}.sourceColumns`, s.sourceColumns);
    const orderBy = Array.isArray(s.orderBy) ? s.orderBy : [];
    if (isShuffle) {
      problems.check(orderBy.length === 0, `${f}.orderBy`, s.orderBy, 'no ORDER BY on a ShuffleHog stream (it stores nothing)');
      for (const key of ['engine', 'partitionBy', 'sharded', 'shardingKey'] as const) {
        problems.check(s[key] === undefined, `${f}.${key}`, s[key], `no ${key} on a ShuffleHog stream (it has no data table)`);
      }
    } else {
      problems.check(orderBy.length > 0, `${f}.orderBy`, s.orderBy, 'at least one ORDER BY expression');
    }
    const stored = [...columns.map((c) => c.name), ...STORED_KAFKA_COLUMNS.map((c) => c.name)];
    const readable = [...sourceColumns.map((c) => c.name), ...KAFKA_VIRTUAL_COLUMNS, '_headers.name', '_headers.value'];
    orderBy.forEach((e, j) => {
      if (problems.check(isSafeSqlFragment(e), `${f}.orderBy[${j}]`, e, SQL_FRAGMENT_EXPECTED)) checkNames(problems, `${f}.orderBy[${j}]`, e, stored, 'stored');
    });
    if (s.partitionBy !== undefined && problems.check(isSafeSqlFragment(s.partitionBy), `${f}.partitionBy`, s.partitionBy, SQL_FRAGMENT_EXPECTED)) {
      checkNames(problems, `${f}.partitionBy`, s.partitionBy, stored, 'stored');
    }
    const engine = s.engine ?? DataEngine.replicatedReplacingMergeTree('_timestamp');
    problems.check(engine instanceof DataEngine, `${f}.engine`, s.engine, 'a DataEngine, e.g. DataEngine.replicatedMergeTree()');
    const allColumns = new Set(stored);
    if (engine instanceof DataEngine) {
      engine.columnArgs.forEach((c) => problems.check(allColumns.has(c), `${f}.engine`, c, `a column of the stream (${[...allColumns].join(', ')})`));
    }
    const sharded = s.sharded ?? false;
    const shards = topo.storage.shards;
    if (sharded && Number.isInteger(shards) && shards > 1) {
      problems.check(s.shardingKey !== undefined, `${f}.shardingKey`, s.shardingKey,
        `a sharding key expression: the sharded target has ${shards} shards`);
    }
    if (s.shardingKey !== undefined) {
      if (problems.check(isSafeSqlFragment(s.shardingKey), `${f}.shardingKey`, s.shardingKey, SQL_FRAGMENT_EXPECTED)) {
        checkNames(problems, `${f}.shardingKey`, s.shardingKey, stored, 'stored');
      }
      problems.check(sharded, `${f}.shardingKey`, s.shardingKey, 'no sharding key on a single-shard stream (set sharded: true)');
    }
    const transforms = s.transforms ?? {};
    for (const [col, expr] of Object.entries(transforms)) {
      problems.check(columns.some((c) => c.name === col), `${f}.transforms.${col}`, col,
        `a column of the stream (${columns.map((c) => c.name).join(', ')}): the materialized view's columns must match the writable table`);
      if (problems.check(isSafeSqlFragment(expr), `${f}.transforms.${col}`, expr, SQL_FRAGMENT_EXPECTED)) {
        checkNames(problems, `${f}.transforms.${col}`, expr, readable, 'source or Kafka virtual');
      }
    }
    // The view selects every writable column by name: each comes from the message or from a transform.
    for (const c of columns) {
      problems.check(sourceColumns.some((sc) => sc.name === c.name) || Object.prototype.hasOwnProperty.call(transforms, c.name),
        `${f}.columns.${c.name}`, c.name,
        `a column the materialized view can fill: a source column of the same name (${sourceColumns.map((sc) => sc.name).join(', ')}) ` +
        'or a transform, so that the view\'s columns match the writable table');
    }

    const legSpecs = Array.isArray(s.legs) ? s.legs : [];
    problems.check(legSpecs.length > 0, `${f}.legs`, s.legs, 'at least one leg (a backend, topic and ingestion roles)');
    const legs: StreamLeg[] = [];
    legSpecs.forEach((l, j) => {
      const lf = `${f}.legs[${j}]`;
      const backend = topo.kafkaBackends.find((b) => b.name === l.backend);
      if (!problems.check(backend !== undefined, `${lf}.backend`, l.backend,
        `a declared Kafka backend (${topo.kafkaBackends.map((b) => b.name).join(', ') || 'none declared'})`)) return;
      const topicName = l.topic ?? s.name;
      const topic = backend!.topics.find((t) => t.name === topicName);
      if (!problems.check(topic !== undefined, `${lf}.topic`, topicName,
        `a topic declared on backend ${backend!.name} (${backend!.topics.map((t) => t.name).join(', ') || 'none'})`)) return;
      const suffix = l.suffix ?? (backend!.kind === KafkaBackendKind.WARPSTREAM ? '_ws' : '');
      problems.check(/^(_[a-z0-9]+)*$/.test(suffix), `${lf}.suffix`, suffix, 'empty or _ followed by lower-case letters and digits, e.g. _ws');
      const consumerGroup = l.consumerGroup ?? `clickhouse_${s.name}${suffix}`;
      problems.check(typeof consumerGroup === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(consumerGroup), `${lf}.consumerGroup`, consumerGroup,
        'a consumer group name: letters, digits, ., _ and -');
      const format = l.format ?? 'JSONEachRow';
      problems.check(FORMATS.includes(format), `${lf}.format`, format, `one of ${FORMATS.join(', ')}`);
      const roleValues: string[] = ((Array.isArray(l.roles) ? l.roles : []) as readonly (NodeRole | string)[]).map((r) => (typeof r === 'string' ? r : r?.value));
      problems.check(roleValues.length > 0, `${lf}.roles`, l.roles, 'at least one ingestion role');
      const roles: NodeRole[] = [];
      const consumersPerNode: Record<string, number> = {};
      roleValues.forEach((rv, k) => {
        const tier: IngestionTier | undefined = topo.ingestionTiers.find((t) => t.role.value === rv);
        if (!problems.check(tier !== undefined && tier.nodes > 0, `${lf}.roles[${k}]`, rv,
          `an ingestion role that has nodes (${topo.ingestionTiers.map((t) => t.role.value).join(', ') || 'no tiers declared'})`)) return;
        roles.push(tier!.role);
        const consumers = l.consumersPerNode ?? tier!.consumersPerNode;
        if (!problems.count(`${lf}.consumersPerNode`, consumers, 1, 256)) return;
        consumersPerNode[rv] = consumers;
        problems.check(consumers <= topic!.partitions, `${lf}.consumersPerNode`, consumers,
          `at most the partitions of topic ${topic!.name} (${topic!.partitions})`);
        problems.check(consumers <= tier!.cores, `${lf}.consumersPerNode`, consumers,
          `at most the cores of a ${rv} node (${tier!.cores})`);
        problems.check(consumers * tier!.nodes <= topic!.partitions, `${lf}.consumersPerNode`, consumers,
          `${tier!.nodes} ${rv} nodes × ${consumers} consumers = ${consumers * tier!.nodes} in group ${consumerGroup}, at most the ` +
          `${topic!.partitions} partitions of topic ${topic!.name} (extra consumers sit idle)`);
      });
      checkUnique(problems, `${lf}.roles`, roleValues as string[], 'roles');
      if (l.offsets !== undefined) {
        const ok = ['earliest', 'latest', 'timestamp'].includes(l.offsets.startAt);
        problems.check(ok, `${lf}.offsets.startAt`, l.offsets.startAt, 'earliest, latest or timestamp');
        if (l.offsets.startAt === 'timestamp') {
          problems.check(Number.isInteger(l.offsets.timestampMs) && (l.offsets.timestampMs ?? -1) >= 0, `${lf}.offsets.timestampMs`,
            l.offsets.timestampMs, 'milliseconds since the epoch');
        }
      }
      legs.push({
        backend: backend!, topic: topic!, consumerGroup, suffix, roles, consumersPerNode, format,
        offsets: l.offsets ?? { startAt: 'earliest' },
        kafkaTable: `kafka_${s.name}${suffix}`, materializedView: `${s.name}${suffix}_mv`, writableTable: `writable_${s.name}${suffix}`,
        deadLetterView: `${s.name}${suffix}_dead_letters_mv`, deadLetterWritableTable: `writable_${s.name}${suffix}_dead_letters`,
      });
    });
    checkUnique(problems, `${f}.legs[].suffix`, legs.map((l) => l.suffix), 'leg suffixes (legs are told apart by suffix)');

    let shuffle: Stream['shuffle'];
    if (s.shuffle !== undefined) {
      const sh = s.shuffle;
      const backend = topo.kafkaBackends.find((b) => b.name === sh.backend);
      if (problems.check(backend !== undefined, `${f}.shuffle.backend`, sh.backend, 'a declared Kafka backend')) {
        problems.check(backend!.topics.some((t) => t.name === sh.topic), `${f}.shuffle.topic`, sh.topic, `a topic declared on backend ${sh.backend}`);
      }
      if (problems.check(isSafeSqlFragment(sh.keyExpression), `${f}.shuffle.keyExpression`, sh.keyExpression, SQL_FRAGMENT_EXPECTED)) {
        checkNames(problems, `${f}.shuffle.keyExpression`, sh.keyExpression, readable, 'source or Kafka virtual');
      }
      problems.check(legs.every((l) => l.topic.name !== sh.topic || l.backend.name !== sh.backend), `${f}.shuffle.topic`, sh.topic,
        'a topic other than the one the stream consumes (a loop)');
      const format = sh.format ?? 'JSONEachRow';
      problems.check(FORMATS.includes(format), `${f}.shuffle.format`, format, `one of ${FORMATS.join(', ')}`);
      shuffle = { ...sh, format, producerTable: `kafka_${s.name}_shuffled`, producerGroup: `clickhouse_${s.name}_shuffled` };
    }
    const dataTable = sharded ? `sharded_${s.name}` : s.name;
    const retention = resolveRetention(problems, `${f}.retention`, s.retention, isShuffle);
    streams.push({
      name: s.name, columns, sourceColumns, orderBy, partitionBy: s.partitionBy, engine, sharded, shardingKey: s.shardingKey, transforms,
      dataTable, targetCluster: sharded ? topo.clusterNames.sharded : topo.clusterNames.singleShard, legs, shuffle,
      retention, readTable: sharded && !isShuffle ? s.name : undefined,
      deadLetterTable: `${s.name}${DEAD_LETTER_TABLE_SUFFIX}`, deadLetterCluster: topo.clusterNames.singleShard,
    });
  });
  checkUnique(problems, 'streams[].name', streams.map((s) => s.name), 'stream names');
  checkUnique(problems, 'streams (table names)', streams.flatMap(objectNames), 'table names across streams');

  // Disaster recovery: one cluster consumes a topic with a group at a time. And one Kafka table
  // per group: two tables in one group would split the partitions, each seeing part of the topic.
  const consumers = new Map<string, { roles: Set<string>; legs: string[] }>();
  for (const s of streams) {
    for (const l of s.legs) {
      const key = `${l.backend.name}/${l.topic.name}/${l.consumerGroup}`;
      const entry = consumers.get(key) ?? { roles: new Set<string>(), legs: [] };
      l.roles.forEach((r) => entry.roles.add(r.value));
      entry.legs.push(l.kafkaTable);
      consumers.set(key, entry);
    }
  }
  for (const [key, { roles, legs }] of consumers) {
    problems.check(roles.size <= 1, 'streams (consumer groups)', key,
      `one cluster per topic and group in a region; the clusters of roles ${[...roles].join(', ')} would share it (give each its own group)`);
    problems.check(legs.length <= 1, 'streams (consumer groups)', key,
      `one Kafka table per topic and group; ${legs.join(', ')} would split the topic's partitions between them`);
  }
  return streams;
}

/** Every table and view a stream creates, on any role. */
export function objectNames(s: Stream): string[] {
  const deadLetters = [s.deadLetterTable, ...s.legs.flatMap((l) => [l.deadLetterView, l.deadLetterWritableTable])];
  if (s.shuffle !== undefined) return [s.shuffle.producerTable, ...s.legs.flatMap((l) => [l.kafkaTable, l.materializedView]), ...deadLetters];
  return [s.dataTable, ...(s.readTable !== undefined ? [s.readTable] : []), ...s.legs.flatMap((l) => [l.kafkaTable, l.materializedView, l.writableTable]), ...deadLetters];
}

/** Refuses names in an expression that are not among `known` (what the expression can read). */
function checkNames(problems: Problems, field: string, expression: string, known: readonly string[], what: string): void {
  for (const word of bareKeywordColumns(expression, known)) {
    problems.add(field, expression, `the column ${word} in double quotes ("${word}"): bare, ${word.toUpperCase()} is read as the SQL literal or operator, not the column`);
  }
  const names = referencedColumns(expression) ?? [];
  for (const name of names) {
    problems.check(known.includes(name), field, expression,
      `an expression over the stream's ${what} columns only; ${JSON.stringify(name)} is not one (${known.filter((k) => !k.startsWith('_headers.')).join(', ')})`);
  }
}

function resolveRetention(problems: Problems, field: string, spec: RetentionSpec | undefined, isShuffle: boolean): Retention {
  const r = { ...DEFAULT_RETENTION, ...(spec ?? {}) };
  if (isShuffle && spec !== undefined) {
    problems.check(spec.hotDays === undefined && spec.warmDays === undefined && spec.deleteAfterDays === undefined, field, spec,
      'only deadLetterDays on a ShuffleHog stream (it stores no rows)');
  }
  problems.count(`${field}.hotDays`, r.hotDays, 1, 3650);
  problems.count(`${field}.warmDays`, r.warmDays, 1, 3650);
  problems.count(`${field}.deadLetterDays`, r.deadLetterDays, 1, 3650);
  if (r.deleteAfterDays !== undefined && problems.count(`${field}.deleteAfterDays`, r.deleteAfterDays, 1, 36500)) {
    problems.check(r.deleteAfterDays > r.hotDays + r.warmDays, `${field}.deleteAfterDays`, r.deleteAfterDays,
      `more than hotDays + warmDays (${r.hotDays + r.warmDays}): rows are deleted only after they reach the cold volume`);
  }
  return r;
}

function checkColumns(problems: Problems, field: string, value: unknown): ColumnSpec[] {
  const columns: ColumnSpec[] = Array.isArray(value) ? value : [];
  problems.check(columns.length > 0, field, value, 'at least one column');
  columns.forEach((c, j) => {
    if (!checkIdentifier(problems, `${field}[${j}].name`, c?.name)) return;
    problems.check(!KAFKA_VIRTUAL_COLUMNS.includes(c.name), `${field}[${j}].name`, c.name,
      `a name other than the Kafka virtual columns (${KAFKA_VIRTUAL_COLUMNS.join(', ')}); _timestamp, _offset and _partition are added from them`);
    problems.check(!TABLE_VIRTUAL_COLUMNS.includes(c.name), `${field}[${j}].name`, c.name,
      `a name other than the MergeTree and Distributed virtual columns (${TABLE_VIRTUAL_COLUMNS.join(', ')})`);
    if (problems.check(isSafeSqlFragment(c.type), `${field}[${j}].type`, c.type, 'a ClickHouse type such as String or DateTime64(6, \'UTC\')')) {
      const why = typeProblem(c.type);
      problems.check(why === undefined, `${field}[${j}].type`, c.type, `a ClickHouse type that parses (${why}), such as String or DateTime64(6, 'UTC')`);
    }
  });
  checkUnique(problems, `${field}[].name`, columns.map((c) => c?.name), 'column names');
  return columns;
}
