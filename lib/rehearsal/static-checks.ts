/**
 * What the rehearsal checks against the model before it replaces anything: chdb has no listening
 * port, so remote_servers are collapsed onto the engine and the ZooKeeper ensemble becomes one
 * local server. Before that, each replaced part of every node group's rendered config, and the
 * statements every role runs, are compared with `topology.json` (the model as rendered). Every
 * problem names the file and what differs.
 */
import { readXmlObject, XmlObject } from '../clickhouse/xml';
import { LEDGER_DATABASE, LEDGER_STATEMENTS, LEDGER_TABLE } from '../migrations/runner';
import { isAccessRoleStatement } from '../schema/access-roles';
import { groupOfRole, LegDocument, RehearsalBundle, roleStatements, startupStatements, StreamDocument, TopologyDocument } from './bundle';

const LEDGER = `${LEDGER_DATABASE}.${LEDGER_TABLE}`;

function parse(content: string): XmlObject {
  return readXmlObject(content).clickhouse as XmlObject ?? {};
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function groupFiles(bundle: RehearsalBundle, group: string): [string, string][] {
  const prefix = `clickhouse/${group}/`;
  return [...bundle.files].filter(([p]) => p.startsWith(prefix) && /^(config|users)\.d\/[^/]+\.xml$/.test(p.slice(prefix.length)) && p.endsWith('.xml'));
}

/** The element of a group's config (merged in file order), with the file that set it. */
function element(bundle: RehearsalBundle, group: string, name: string): { file: string; value: XmlObject }[] {
  const out: { file: string; value: XmlObject }[] = [];
  for (const [p, content] of groupFiles(bundle, group).sort()) {
    let root: XmlObject;
    try {
      root = parse(content);
    } catch (e) {
      out.push({ file: p, value: { '#unparsable': String(e) } });
      continue;
    }
    if (root[name] !== undefined && typeof root[name] === 'object') out.push({ file: p, value: root[name] as XmlObject });
  }
  return out;
}

function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim();
}

function normalizeExpression(e: string): string {
  return e.replace(/\s+/g, '');
}

function roleOfGroup(doc: TopologyDocument, group: string): string | undefined {
  return doc.artifacts?.nodeGroups?.find((g) => g.name === group)?.roles[0] ?? doc.ingestionTiers.find((t) => t.installation === group)?.role;
}

function checkRemoteServers(bundle: RehearsalBundle, group: string, role: string, problems: string[]): void {
  const doc = bundle.topology;
  const model = new Map((doc.clusters ?? []).map((c) => [c.name, c]));
  const rendered = new Map<string, { file: string; value: XmlObject }>();
  for (const { file, value } of element(bundle, group, 'remote_servers')) {
    for (const [name, cluster] of Object.entries(value)) if (!name.startsWith('@') && cluster !== null && typeof cluster === 'object') rendered.set(name, { file, value: cluster as XmlObject });
  }
  const needed = new Set<string>();
  if (role === 'data') (doc.clusters ?? []).forEach((c) => needed.add(c.name));
  for (const s of doc.streams) {
    if (s.shuffle === null && s.targetCluster && s.legs.some((l) => l.roles.includes(role))) needed.add(s.targetCluster);
    // Dead letters go to the single-shard cluster's one table.
    const singleShard = doc.clusterNames?.singleShard;
    if (singleShard !== undefined && s.legs.some((l) => l.deadLetterView !== undefined && l.roles.includes(role))) needed.add(singleShard);
  }
  for (const name of needed) {
    if (!rendered.has(name)) problems.push(`clickhouse/${group}: remote_servers has no cluster ${name} (the model's ${role === 'data' ? 'storage' : `${role} tier's target or dead-letter`} cluster)`);
  }
  for (const [name, { file, value }] of rendered) {
    const want = model.get(name);
    if (want === undefined) {
      problems.push(`${file}: remote_servers cluster ${name} is not in the model (clusters: ${[...model.keys()].join(', ')})`);
      continue;
    }
    const secret = (value.secret as XmlObject | undefined)?.['@from_env'];
    if (secret !== want.secretEnv) problems.push(`${file}: cluster ${name} secret from_env is ${String(secret ?? 'missing')}, the model says ${want.secretEnv}`);
    const shards = asArray(value.shard) as XmlObject[];
    if (shards.length !== want.shards.length) problems.push(`${file}: cluster ${name} has ${shards.length} shards, the model ${want.shards.length}`);
    shards.slice(0, want.shards.length).forEach((shard, i) => {
      const w = want.shards[i];
      const where = `${file}: cluster ${name} shard ${i + 1}`;
      if (Number(text(shard.weight) ?? 1) !== w.weight) problems.push(`${where} weight is ${text(shard.weight) ?? '1 (default)'}, the model ${w.weight}`);
      const ir = text(shard.internal_replication) ?? 'false';
      if ((ir === 'true' || ir === '1') !== w.internalReplication) problems.push(`${where} internal_replication is ${ir}, the model ${w.internalReplication}`);
      const replicas = (asArray(shard.replica) as XmlObject[]).map((r) => `${text(r.host) ?? '?'}:${text(r.port) ?? '9000'}`);
      const expected = w.replicas.map((r) => `${r.host}:${r.port}`);
      if (replicas.join(',') !== expected.join(',')) problems.push(`${where} replicas are ${replicas.join(', ')}, the model ${expected.join(', ')}`);
    });
  }
}

function checkZooKeeper(bundle: RehearsalBundle, group: string, problems: string[]): void {
  const doc = bundle.topology;
  if (doc.zookeeper === undefined) return;
  const found = element(bundle, group, 'zookeeper');
  if (found.length === 0) {
    problems.push(`clickhouse/${group}: no <zookeeper> (the model's ensemble: ${doc.zookeeper.map((z) => z.fqdn).join(', ')})`);
    return;
  }
  const { file, value } = found[found.length - 1];
  const nodes = (asArray(value.node) as XmlObject[]).map((n) => `${text(n.host) ?? '?'}:${text(n.port) ?? '2181'}`);
  const expected = doc.zookeeper.map((z) => `${z.fqdn}:${z.clientPort}`);
  if (nodes.join(',') !== expected.join(',')) problems.push(`${file}: zookeeper nodes are ${nodes.join(', ')}, the model's ensemble ${expected.join(', ')}`);
  if (doc.zookeeperRoot !== undefined && text(value.root) !== doc.zookeeperRoot) {
    problems.push(`${file}: zookeeper root is ${text(value.root) ?? 'missing'}, the model ${doc.zookeeperRoot}`);
  }
}

function checkMacros(bundle: RehearsalBundle, problems: string[]): void {
  for (const h of bundle.topology.storage?.hosts ?? []) {
    const p = `clickhouse/data/hosts/${h.name}/config.d/macros.xml`;
    const content = bundle.files.get(p);
    if (content === undefined) {
      problems.push(`${p} is missing (storage host ${h.name})`);
      continue;
    }
    const root = parse(content);
    const macros = (root.macros ?? {}) as XmlObject;
    const want: Record<string, string> = { shard: String(h.shard).padStart(2, '0'), replica: h.name, hostClusterRole: 'data' };
    for (const [k, v] of Object.entries(want)) {
      if (text(macros[k]) !== v) problems.push(`${p}: macro ${k} is ${text(macros[k]) ?? 'missing'}, the model says ${v} for ${h.name}`);
    }
    if (text(root.interserver_http_host) !== h.fqdn) problems.push(`${p}: interserver_http_host is ${text(root.interserver_http_host) ?? 'missing'}, the model says ${h.fqdn}`);
  }
}

/**
 * The migration ledger's scripts an ingestion pod runs before its schema (lib/migrations/runner.ts
 * `bootScripts`): the ledger's CREATEs, then only conditional scripts — the baseline of a fresh
 * disk, and each pending step followed by its ledger record under the same condition (a step
 * without its record would re-run at every boot; a record without its step would skip it).
 * Returns how many leading scripts they are.
 */
function checkBootMigrations(path: string, scripts: readonly { query: string; condition?: string }[], problems: string[]): number {
  const ledger = LEDGER_STATEMENTS.map(normalizeSql);
  const opensLedger = ledger.every((q, i) => scripts[i] !== undefined && normalizeSql(scripts[i].query) === q && scripts[i].condition === undefined);
  if (!opensLedger) {
    // Without the ledger every condition fails at boot (its table is missing): name the first.
    const conditional = scripts.map((s, k) => (s.condition !== undefined ? k : -1)).filter((k) => k >= 0);
    if (conditional.length === 0) return 0;
    problems.push(`${path}: statement ${conditional[0] + 1} runs under a condition but the file does not first create the migration ledger ${LEDGER}`);
    return conditional[conditional.length - 1] + 1;
  }
  let i = ledger.length;
  const steps: { query: string; condition: string; n: number }[] = [];
  for (; i < scripts.length && scripts[i].condition !== undefined; i++) steps.push({ query: scripts[i].query, condition: scripts[i].condition!, n: i + 1 });
  if (steps.length === 0) return i;
  const [first, ...rest] = steps;
  const reads = (c: string): boolean => c.includes(LEDGER);
  const records = (q: string): boolean => new RegExp(String.raw`^INSERT\s+INTO\s+${LEDGER.replace('.', '\\.')}\b`, 'i').test(q.trim());
  if (!records(first.query) || !/system\.tables/.test(first.condition) || !reads(first.condition)) {
    problems.push(`${path}: statement ${first.n} is not the ledger's baseline (an INSERT INTO ${LEDGER} on a fresh node, i.e. no tables and an empty ledger)`);
  }
  for (let k = 0; k < rest.length; k += 2) {
    const step = rest[k];
    const record = rest[k + 1];
    if (!reads(step.condition)) problems.push(`${path}: statement ${step.n} runs under a condition that does not read the ledger ${LEDGER} (${step.condition})`);
    if (records(step.query)) problems.push(`${path}: statement ${step.n} records a step in ${LEDGER} that no statement before it applies`);
    else if (record === undefined || !records(record.query)) problems.push(`${path}: statement ${step.n} (a migration step) is not followed by its record in ${LEDGER}: it would run again at every boot`);
    else if (normalizeSql(record.condition) !== normalizeSql(step.condition)) problems.push(`${path}: statement ${record.n} records statement ${step.n} under another condition (${record.condition}, the step's is ${step.condition})`);
  }
  return i;
}

function checkStartupScripts(bundle: RehearsalBundle, role: string, problems: string[]): void {
  const startup = startupStatements(bundle, role);
  if (startup === undefined) return;
  let sql: string[];
  let files: { path: string }[];
  try {
    // Roles and grants are the migration runner's, never the boot schema's.
    const statements = roleStatements(bundle, role).filter((f) => !isAccessRoleStatement(f.content));
    files = statements;
    sql = statements.map((f) => normalizeSql(f.content));
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
    return;
  }
  const skip = checkBootMigrations(startup.path, startup.scripts, problems);
  const schema = startup.scripts.slice(skip);
  const n = Math.max(schema.length, sql.length);
  for (let i = 0; i < n; i++) {
    const where = `${startup.path}: statement ${skip + i + 1}`;
    if (schema[i]?.condition !== undefined) {
      problems.push(`${where} runs under a condition (${schema[i].condition}) among the schema's statements, which every boot runs`);
      return;
    }
    if (schema[i] === undefined) {
      problems.push(`${startup.path}: has no statement ${skip + i + 1}, ${files[i].path} is missing at boot (the rehearsal and migrations run it, the host does not)`);
      return;
    }
    if (normalizeSql(schema[i].query) !== sql[i]) {
      problems.push(`${where} differs from ${files[i]?.path ?? `sql/${role}/#${i + 1}`} (the host boots with one, the rehearsal and migrations run the other)`);
      return;
    }
  }
}

/** The CREATE statement of `db.name` among a role's statements, with its file. */
function createOf(bundle: RehearsalBundle, role: string, name: string): { path: string; sql: string } | undefined {
  const db = bundle.topology.database;
  for (const f of roleStatements(bundle, role)) {
    const m = /CREATE\s+(?:TABLE|MATERIALIZED\s+VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.`]+)/i.exec(f.content);
    if (m && m[1].replace(/`/g, '') === `${db}.${name}`) return { path: f.path, sql: f.content };
  }
  return undefined;
}

/** `name Type` pairs of a CREATE TABLE's column list. */
function columnsOf(sql: string): { name: string; type: string }[] {
  const open = sql.indexOf('(');
  if (open < 0) return [];
  let depth = 0;
  let end = -1;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  const body = sql.slice(open + 1, end);
  const parts: string[] = [];
  depth = 0;
  let cur = '';
  for (const ch of body) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '').map((p) => {
    const m = /^`?(\w+)`?\s+(.*)$/s.exec(p);
    return { name: m?.[1] ?? p, type: (m?.[2] ?? '').replace(/\s+/g, ' ').trim() };
  });
}

function setting(sql: string, name: string): string | undefined {
  const m = new RegExp(String.raw`\b${name}\s*=\s*('(?:[^'\\]|\\.)*'|[\w.]+)`).exec(sql);
  return m?.[1].replace(/^'|'$/g, '');
}

/** The arguments of a `ENGINE = Distributed('cluster', 'db', 'table'[, key])`. */
function distributedOf(sql: string): { cluster: string; database: string; table: string; key?: string } | undefined {
  const d = /ENGINE\s*=\s*Distributed\(\s*'([^']*)'\s*,\s*'([^']*)'\s*,\s*'([^']*)'\s*(?:,\s*(.*))?\)\s*;?\s*$/s.exec(sql.trim());
  return d === null ? undefined : { cluster: d[1], database: d[2], table: d[3], key: d[4] };
}

/**
 * A storage table's Replicated engine: its ZooKeeper path ends in the table's own name (two tables
 * on one path would share their parts), carries {shard} when the table is sharded, and its replica
 * name carries {replica}. Returns the engine family when it is Replicated.
 */
function checkReplicated(table: { path: string; sql: string }, name: string, sharded: boolean, problems: string[]): string | undefined {
  const engine = /ENGINE\s*=\s*(\w+)\(\s*'([^']*)'\s*,\s*'([^']*)'/.exec(table.sql);
  if (engine === null || !engine[1].startsWith('Replicated')) {
    problems.push(`${table.path}: ${name} is not on a Replicated engine with a ZooKeeper path and replica`);
    return undefined;
  }
  const [, family, zkPath, replica] = engine;
  if (sharded && !zkPath.includes('{shard}')) problems.push(`${table.path}: ZooKeeper path ${zkPath} of sharded ${name} lacks {shard}: every shard would write one table`);
  if (!replica.includes('{replica}')) problems.push(`${table.path}: replica name ${replica} lacks {replica}: replicas of a shard would collide`);
  if (!zkPath.endsWith(`/${name}`)) problems.push(`${table.path}: ZooKeeper path ${zkPath} does not name ${name} (it must end in /${name})`);
  return family;
}

/** A leg's dead-letter path: its view reads the failed rows of the leg's Kafka table into a Distributed table to the stream's dead-letter table. */
function checkDeadLetterLeg(bundle: RehearsalBundle, s: StreamDocument, leg: LegDocument, role: string, where: string, problems: string[]): void {
  const db = bundle.topology.database;
  const singleShard = bundle.topology.clusterNames?.singleShard;
  const writable = createOf(bundle, role, leg.deadLetterWritableTable!);
  if (writable === undefined) problems.push(`sql/${role}: no CREATE TABLE ${db}.${leg.deadLetterWritableTable} (${where}'s dead letters)`);
  else {
    const d = distributedOf(writable.sql);
    if (d === undefined) problems.push(`${writable.path}: ${db}.${leg.deadLetterWritableTable} is not a Distributed table`);
    else {
      if (singleShard !== undefined && d.cluster !== singleShard) problems.push(`${writable.path}: sends dead letters to cluster ${d.cluster}, the model's single-shard cluster is ${singleShard}`);
      if (d.database !== db || d.table !== s.deadLetterTable) problems.push(`${writable.path}: sends dead letters to ${d.database}.${d.table}, the model's dead-letter table is ${db}.${s.deadLetterTable}`);
    }
  }
  const view = createOf(bundle, role, leg.deadLetterView!);
  if (view === undefined) {
    problems.push(`sql/${role}: no materialized view ${db}.${leg.deadLetterView} (${where}'s dead letters)`);
    return;
  }
  const from = /\bFROM\s+([\w.`]+)/i.exec(view.sql)?.[1].replace(/`/g, '');
  if (from !== `${db}.${leg.kafkaTable}`) problems.push(`${view.path}: the dead-letter view reads ${from ?? 'nothing'}, not ${db}.${leg.kafkaTable}`);
  const to = /\bTO\s+([\w.`]+)/i.exec(view.sql)?.[1].replace(/`/g, '');
  if (to !== `${db}.${leg.deadLetterWritableTable}`) problems.push(`${view.path}: the dead-letter view writes to ${to ?? 'nothing'}, not ${db}.${leg.deadLetterWritableTable}`);
  if (!/\bWHERE\s+notEmpty\(\s*_error\s*\)/i.test(view.sql)) problems.push(`${view.path}: the dead-letter view does not keep to WHERE notEmpty(_error): parsed rows would be dead letters`);
}

function checkStream(bundle: RehearsalBundle, s: StreamDocument, problems: string[]): void {
  const db = bundle.topology.database;
  let data: { path: string; sql: string } | undefined;
  if (s.shuffle === null && s.engine !== null) {
    data = createOf(bundle, 'data', s.dataTable);
    if (data === undefined) problems.push(`sql/data: no CREATE TABLE ${db}.${s.dataTable} (stream ${s.name}'s data table)`);
    else {
      const cols = columnsOf(data.sql).map((c) => c.name);
      for (const c of s.columns) if (!cols.includes(c.name)) problems.push(`${data.path}: ${db}.${s.dataTable} has no column ${c.name} (stream ${s.name} declares it)`);
      const family = checkReplicated(data, `${db}.${s.dataTable}`, s.sharded === true, problems);
      if (family !== undefined && family !== `Replicated${s.engine.family}`) problems.push(`${data.path}: engine ${family}, the model ${`Replicated${s.engine.family}`}`);
    }
    if (s.readTable) {
      // Reads of a sharded stream go through its Distributed table over the storage cluster.
      const read = createOf(bundle, 'data', s.readTable);
      if (read === undefined) problems.push(`sql/data: no CREATE TABLE ${db}.${s.readTable} (stream ${s.name}'s read table)`);
      else if (data !== undefined) {
        const d = distributedOf(read.sql);
        if (d === undefined) problems.push(`${read.path}: ${db}.${s.readTable} is not a Distributed table`);
        else {
          if (s.targetCluster && d.cluster !== s.targetCluster) problems.push(`${read.path}: reads cluster ${d.cluster}, the model's storage cluster is ${s.targetCluster}`);
          if (d.database !== db || d.table !== s.dataTable) problems.push(`${read.path}: reads ${d.database}.${d.table}, the model's data table is ${db}.${s.dataTable}`);
        }
        const want = columnsOf(data.sql).map((c) => `${c.name} ${c.type}`).join(', ');
        const got = columnsOf(read.sql).map((c) => `${c.name} ${c.type}`).join(', ');
        if (got !== want) problems.push(`${read.path}: columns are (${got}), the data table ${db}.${s.dataTable} has (${want})`);
      }
    }
  }
  const deadLetters = s.deadLetterTable ? createOf(bundle, 'data', s.deadLetterTable) : undefined;
  if (s.deadLetterTable && s.shuffle === null) {
    if (deadLetters === undefined) problems.push(`sql/data: no CREATE TABLE ${db}.${s.deadLetterTable} (stream ${s.name}'s dead letters)`);
    else checkReplicated(deadLetters, `${db}.${s.deadLetterTable}`, false, problems);
  }
  for (const leg of s.legs) {
    for (const role of leg.roles) {
      const where = `stream ${s.name} leg ${leg.backend}/${leg.topic} on ${role}`;
      const kafka = createOf(bundle, role, leg.kafkaTable);
      if (kafka === undefined) {
        problems.push(`sql/${role}: no CREATE TABLE ${db}.${leg.kafkaTable} (${where})`);
        continue;
      }
      const collection = /ENGINE\s*=\s*Kafka\(\s*(\w+)/.exec(kafka.sql)?.[1];
      if (collection !== leg.backend) problems.push(`${kafka.path}: Kafka table uses named collection ${collection ?? 'none'}, the model's backend is ${leg.backend}`);
      const checks: [string, string | undefined][] = [
        ['kafka_topic_list', leg.topic], ['kafka_group_name', leg.consumerGroup],
        ['kafka_num_consumers', leg.consumersPerNode?.[role] !== undefined ? String(leg.consumersPerNode[role]) : undefined],
      ];
      for (const [name, want] of checks) {
        if (want === undefined) continue;
        const got = setting(kafka.sql, name) ?? (name === 'kafka_num_consumers' ? '1' : undefined);
        if (got !== want) problems.push(`${kafka.path}: ${name} is ${got ?? 'missing'}, the model says ${want} (${where})`);
      }
      const kafkaCols = columnsOf(kafka.sql);
      const declared = s.columns.map((c) => `${c.name} ${c.type}`).join(', ');
      if (kafkaCols.map((c) => `${c.name} ${c.type}`).join(', ') !== declared && s.shuffle === null) {
        problems.push(`${kafka.path}: columns are (${kafkaCols.map((c) => `${c.name} ${c.type}`).join(', ')}), stream ${s.name} declares (${declared})`);
      }
      const mv = createOf(bundle, role, leg.materializedView);
      if (mv === undefined) problems.push(`sql/${role}: no materialized view ${db}.${leg.materializedView} (${where})`);
      else {
        const from = /\bFROM\s+([\w.`]+)/i.exec(mv.sql)?.[1].replace(/`/g, '');
        if (from !== `${db}.${leg.kafkaTable}`) problems.push(`${mv.path}: the view reads ${from ?? 'nothing'}, not ${db}.${leg.kafkaTable}`);
        const to = /\bTO\s+([\w.`]+)/i.exec(mv.sql)?.[1].replace(/`/g, '');
        const target = s.shuffle === null ? `${db}.${leg.writableTable}` : `${db}.${s.shuffle.producerTable}`;
        if (to !== target) problems.push(`${mv.path}: the view writes to ${to ?? 'nothing'}, not ${target}`);
        if (s.shuffle === null) {
          const select = mv.sql.slice(mv.sql.search(/\bSELECT\b/i));
          for (const c of s.columns) if (!new RegExp(String.raw`\b${c.name}\b`).test(select)) problems.push(`${mv.path}: the view does not select column ${c.name} of stream ${s.name}`);
        }
        // With kafka_handle_error_mode='stream' a message that fails to parse is a row with _error set (and every column empty).
        if (leg.deadLetterView && !/\bWHERE\s+empty\(\s*_error\s*\)/i.test(mv.sql)) problems.push(`${mv.path}: the view does not keep to WHERE empty(_error): unparsable messages would land as empty rows`);
      }
      if (leg.deadLetterView && leg.deadLetterWritableTable && s.deadLetterTable) checkDeadLetterLeg(bundle, s, leg, role, where, problems);
      if (s.shuffle === null) {
        const writable = createOf(bundle, role, leg.writableTable);
        if (writable === undefined) problems.push(`sql/${role}: no CREATE TABLE ${db}.${leg.writableTable} (${where})`);
        else {
          const d = distributedOf(writable.sql);
          if (d === undefined) problems.push(`${writable.path}: ${db}.${leg.writableTable} is not a Distributed table`);
          else {
            const { cluster, database: tdb, table, key } = d;
            if (s.targetCluster && cluster !== s.targetCluster) problems.push(`${writable.path}: sends to cluster ${cluster}, the model's target cluster is ${s.targetCluster}`);
            if (tdb !== db || table !== s.dataTable) problems.push(`${writable.path}: sends to ${tdb}.${table}, the model's data table is ${db}.${s.dataTable}`);
            const wantKey = s.shardingKey ?? undefined;
            if (s.shardingKey !== undefined && normalizeExpression(key ?? '') !== normalizeExpression(wantKey ?? '')) {
              problems.push(`${writable.path}: sharding key is ${key?.trim() || 'none'}, the model says ${wantKey ?? 'none'}`);
            }
          }
        }
      }
    }
  }
}

function checkGroupSettings(bundle: RehearsalBundle, group: string, role: string, problems: string[]): void {
  if (role === 'data') {
    // The default user of a storage host answers only on loopback (the ingestion side uses the cluster secret).
    for (const { file, value } of element(bundle, group, 'users')) {
      const nets = asArray(((value.default as XmlObject | undefined)?.networks as XmlObject | undefined)?.ip).map((ip) => text(ip));
      const open = nets.filter((ip) => ip !== '::1' && ip !== '127.0.0.1');
      if (open.length > 0) problems.push(`${file}: the default user accepts ${open.join(', ')} (loopback only on storage hosts)`);
    }
    return;
  }
  const profile = element(bundle, group, 'profiles').map((p) => (p.value.default as XmlObject | undefined)?.distributed_foreground_insert).find((v) => v !== undefined);
  if (text(profile) !== '1') problems.push(`clickhouse/${group}: profile default has distributed_foreground_insert ${text(profile) ?? 'unset'}, not 1 (a Distributed INSERT would queue on a disk the pod throws away)`);
  const consumers = bundle.topology.streams.flatMap((s) => s.legs).filter((l) => l.roles.includes(role)).reduce((n, l) => n + (l.consumersPerNode?.[role] ?? 1), 0);
  for (const [p, content] of groupFiles(bundle, group)) {
    const v = text(parse(content).background_message_broker_schedule_pool_size);
    if (v !== undefined && Number(v) < consumers) problems.push(`${p}: background_message_broker_schedule_pool_size ${v} is below the ${consumers} consumers of a ${role} node`);
  }
}

/**
 * Every difference between the rendered artifacts and the model that the rehearsal's stand-ins
 * would otherwise hide (remote_servers, ZooKeeper, per-host macros) or that names the wrong
 * object (topics, groups, consumers, columns, clusters, sharding keys), one line each.
 */
export function checkArtifactsAgainstModel(bundle: RehearsalBundle): string[] {
  const problems: string[] = [];
  const doc = bundle.topology;
  const groups = doc.artifacts?.nodeGroups?.map((g) => g.name) ?? ['data', ...doc.ingestionTiers.map((t) => groupOfRole(bundle, t.role))];
  for (const group of groups) {
    const role = roleOfGroup(doc, group) ?? (group === 'data' ? 'data' : group);
    try {
      checkRemoteServers(bundle, group, role, problems);
      checkZooKeeper(bundle, group, problems);
      checkStartupScripts(bundle, role, problems);
      checkGroupSettings(bundle, group, role, problems);
    } catch (e) {
      problems.push(`clickhouse/${group}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  checkMacros(bundle, problems);
  for (const s of doc.streams) {
    try {
      checkStream(bundle, s, problems);
    } catch (e) {
      problems.push(`stream ${s.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}
