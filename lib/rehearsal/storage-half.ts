/**
 * The storage half of a rehearsal: one engine per data host of the rehearsal topology, each
 * loaded with that host's rendered config and macros and running its startup statements, on a
 * real ZooKeeper, with the real Replicated engines. chdb listens on no port, so two things a
 * server does over the network stand in here (docs/rehearsal.md):
 *   - a Distributed INSERT's hop to the shard's replica: the ingestion engine's Distributed table
 *     writes into a local outbox (its remote_servers collapsed onto itself), and `forward()`
 *     moves each outbox part to one replica of the shard the writable table's own sharding key
 *     and the cluster's weights choose (internal_replication: one replica per shard);
 *   - writing to a Replicated table: chdb never activates a replica (a server sets its
 *     interserver address when it starts listening; chdb does not listen, so every replica stays
 *     read-only with "Parameter 'interserver_http(s)_port' required for replication"). The
 *     Replicated tables are created from the host's startup statements and register in ZooKeeper
 *     (`replicationOf()` reads ZooKeeper's tree), and rows land in each host's twin of the table
 *     in database `rehearsal` (the same statement with the non-replicated engine). A replica
 *     counts as writable while its ZooKeeper session lives (`is_session_expired = 0`).
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { hostConfigFiles, nodeConfigFiles, RehearsalBundle, RehearsalError, roleStatements, startupStatements, StreamDocument } from './bundle';
import { EngineProcess, EngineQueryError } from './engine-process';
import { LocalZooKeeper, ZooKeeperLink } from './local-zookeeper';
import { fromEnvVariables, nonReplicatedTwin, rehearsalOverrides, rehearsalProfile } from './overrides';
import { checkArtifactsAgainstModel } from './static-checks';

/** One data host's engine. */
export interface StorageEngine {
  readonly host: string;
  readonly fqdn: string;
  readonly shard: number;
  readonly replica: number;
  readonly engine: EngineProcess;
  /** The engine's own connection to ZooKeeper (a drill cuts it to make the replica read-only). */
  readonly link: ZooKeeperLink;
}

/** One shard of a data table as ZooKeeper holds it. */
export interface ShardReplication {
  readonly shard: string;
  /** The table's ZooKeeper path (under the region's root), shared by the shard's replicas. */
  readonly path: string;
  /** Replicas registered under `<path>/replicas` in ZooKeeper's tree. */
  readonly replicas: readonly string[];
}

export interface TableReplication {
  readonly table: string;
  readonly shards: readonly ShardReplication[];
  readonly problems: readonly string[];
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return line.replace(/^Code: \d+\. DB::Exception: /, '').replace(/\s*Stack trace.*$/, '').trim();
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A cluster's shards (weights and replica hosts) from topology.json. */
function clusterOf(bundle: RehearsalBundle, name: string): { weight: number; hosts: string[] }[] {
  const c = bundle.topology.clusters?.find((x) => x.name === name);
  if (c === undefined) throw new RehearsalError(`cluster ${name} is not in topology.json`);
  return c.shards.map((s) => ({ weight: s.weight, hosts: s.replicas.map((r) => r.host) }));
}

/** The database of the twins rows land in on a storage engine. */
export const LANDED_DATABASE = 'rehearsal';

export class StorageHalf {
  /**
   * Checks the artifacts against the model (the parts the stand-ins replace first), then starts
   * ZooKeeper and one engine per storage host, each running its startup statements.
   */
  public static async start(bundle: RehearsalBundle, dir: string, progress: (line: string) => void = () => undefined): Promise<StorageHalf> {
    const problems = checkArtifactsAgainstModel(bundle);
    if (problems.length > 0) throw new RehearsalError(`the artifacts disagree with the model:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    const hosts = bundle.topology.storage?.hosts ?? [];
    if (hosts.length === 0) throw new RehearsalError('topology.json lists no storage hosts');
    if (hosts.length > 8) {
      throw new RehearsalError(`${hosts.length} storage hosts are too many engines for one machine: rehearse the region's rehearsal topology (rehearsalTopologySpec) instead`);
    }
    const zookeeper = await LocalZooKeeper.start(path.join(dir, 'zookeeper'));
    const half = new StorageHalf(bundle, zookeeper);
    try {
      const root = bundle.topology.zookeeperRoot ?? '';
      const parts = root.split('/').filter((p) => p !== '');
      // ClickHouse treats the root as a chroot and refuses ZooKeeper until it exists (the ensemble's bootstrap creates it).
      await zookeeper.create(parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/')));
      progress(`${bundle.topology.name}: ZooKeeper on 127.0.0.1:${zookeeper.port}; starting ${hosts.length} storage engines (${hosts.map((h) => h.name).join(', ')})`);
      // Two at a time (starting is CPU-heavy); every chdb process has the same (nil) server UUID,
      // so sessions registering at the same moment can collide on it, and startHost retries that.
      for (let i = 0; i < hosts.length; i += 2) await Promise.all(hosts.slice(i, i + 2).map((h) => half.startHost(h.name, path.join(dir, `storage-${h.name}`))));
    } catch (e) {
      await half.close();
      throw e;
    }
    return half;
  }

  public readonly engines: StorageEngine[] = [];
  /** Outbox parts the forwarder could not place, by reason (a visible stop, never a silent loss). */
  public readonly held = new Map<string, string>();
  /** Parts forwarded, per data table. */
  public readonly forwardedParts = new Map<string, number>();

  private constructor(public readonly bundle: RehearsalBundle, public readonly zookeeper: LocalZooKeeper) {}

  private get database(): string {
    return this.bundle.topology.database;
  }

  /** Starts (or restarts, on its old folder) the engine of one storage host. */
  public async startHost(name: string, dir: string): Promise<StorageEngine> {
    const h = this.bundle.topology.storage!.hosts.find((x) => x.name === name);
    if (h === undefined) throw new RehearsalError(`no storage host ${name}`);
    const rendered = [...nodeConfigFiles(this.bundle, 'data'), ...hostConfigFiles(this.bundle, name)];
    const link = await ZooKeeperLink.open(this.zookeeper.port);
    const override = rehearsalOverrides(rendered, { dataDir: path.join(dir, 'data') + '/', disksDir: path.join(dir, 'disks'), zookeeperPort: link.port });
    const env: Record<string, string> = {};
    for (const v of fromEnvVariables(rendered)) env[v] = v.includes('ENDPOINT') ? 'http://127.0.0.1:9/rehearsal/cold/' : 'rehearsal';
    // A server's UUID comes from <path>/uuid; chdb's defaults to zeros in every process, and
    // ZooKeeper then sees every storage engine as one server (its session node collides).
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    const uuidFile = path.join(dir, 'data', 'uuid');
    if (!fs.existsSync(uuidFile)) fs.writeFileSync(uuidFile, randomUUID());
    let engine: EngineProcess;
    try {
      engine = await EngineProcess.start({ dir, configFiles: [...rendered, override.file, rehearsalProfile()], env });
    } catch (e) {
      link.close();
      throw new RehearsalError(`storage host ${name} did not start with its rendered config: ${firstLine(e instanceof Error ? e.message : String(e))}`);
    }
    const se: StorageEngine = { host: h.name, fqdn: h.fqdn, shard: h.shard, replica: h.replica, engine, link };
    try {
      // The statements the host runs at boot, from the file it loads (config.d/startup_scripts.xml).
      const startup = startupStatements(this.bundle, 'data');
      const queries = startup?.queries ?? roleStatements(this.bundle, 'data').map((f) => f.content);
      for (const [i, q] of queries.entries()) {
        try {
          for (let attempt = 1; ; attempt++) {
            try {
              await engine.query(q.trim().replace(/;\s*$/, ''));
              break;
            } catch (e) {
              // chdb's server UUID is nil in every process; two engines opening their ZooKeeper
              // session at once race for /clickhouse/sessions/zookeeper/<uuid>. A retry succeeds.
              // So does one after a connection attempt timed out while the shared machine was busy
              // starting the other engines (the first Replicated table opens the session).
              if (attempt >= 8 || !/sessions\/zookeeper|connecting to ZooKeeper/.test(String(e instanceof Error ? e.message : e))) throw e;
              await new Promise((r) => setTimeout(r, 300 * attempt));
            }
          }
        } catch (e) {
          const object = /CREATE\s+(?:TABLE|DATABASE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.`]+)/i.exec(q)?.[1] ?? 'its statement';
          const message = e instanceof EngineQueryError ? e.clickhouseMessage : String(e);
          throw new RehearsalError(`${startup?.path ?? 'sql/data'} statement ${i + 1} (${object}) failed on storage host ${name}: ${firstLine(message)}`);
        }
      }
      // Where rows land: each data table's twin, from the same statement.
      await engine.query(`CREATE DATABASE IF NOT EXISTS ${LANDED_DATABASE}`);
      for (const s of this.bundle.topology.streams) {
        if (s.shuffle !== null) continue;
        const create = queries.find((q) => new RegExp(String.raw`CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?${this.database}\.${s.dataTable}\b`).test(q));
        if (create === undefined) continue;
        const twin = nonReplicatedTwin(create).replace(new RegExp(String.raw`\b${this.database}\.${s.dataTable}\b`), `${LANDED_DATABASE}.${s.dataTable}`);
        await engine.query(twin.trim().replace(/;\s*$/, ''));
        await engine.query(`SYSTEM STOP MERGES ${LANDED_DATABASE}.${s.dataTable}`).catch(() => undefined);
      }
    } catch (e) {
      await engine.kill();
      link.close();
      throw e;
    }
    const old = this.engines.findIndex((x) => x.host === name);
    if (old >= 0) {
      this.engines[old].link.close();
      this.engines.splice(old, 1, se);
    }
    else this.engines.push(se);
    return se;
  }

  /** Whether a replica has lost its ZooKeeper session (a server's Replicated tables are then read-only). */
  public async readOnly(replica: StorageEngine): Promise<boolean> {
    return (await replica.engine.count(`SELECT count() FROM system.replicas WHERE database = '${this.database}' AND is_session_expired`)) > 0;
  }

  /** Rows of a data table on every running storage engine (each part lives on the one replica it was inserted on). */
  public async rows(table: string, final = false): Promise<number> {
    let n = 0;
    for (const e of this.engines.filter((x) => x.engine.running)) n += await e.engine.count(`SELECT count() FROM ${LANDED_DATABASE}.${table}${final ? ' FINAL' : ''}`);
    return n;
  }

  /** The rows of a data table as JSON lines (64-bit integers quoted), from every running storage engine. */
  public async rowsAsJson(table: string, columns: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    const list = columns.map((c) => `\`${c}\``).join(', ');
    for (const e of this.engines.filter((x) => x.engine.running)) {
      const text = await e.engine.query(`SELECT ${list} FROM ${LANDED_DATABASE}.${table} SETTINGS output_format_json_quote_64bit_integers = 1`, 'JSONEachRow');
      out.push(...text.split('\n').filter((l) => l.trim() !== ''));
    }
    return out;
  }

  /**
   * Moves every part of each stream's outbox on an ingestion engine to the storage engines: per
   * shard of the writable table's cluster (its own sharding key, modulo the shards' weights, as
   * Distributed computes it), to the shard's first replica that accepts the insert. A part no
   * replica of a shard accepts stays in the outbox and is reported in `held`. Replicated inserts
   * deduplicate a retried block, so a part forwarded again after a partial failure lands once.
   */
  public async forward(ingestion: EngineProcess, role: string, streams: readonly StreamDocument[]): Promise<void> {
    const db = this.database;
    for (const s of streams) {
      if (s.shuffle !== null || !s.legs.some((l) => l.roles.includes(role))) continue;
      const leg = s.legs.find((l) => l.roles.includes(role))!;
      const writable = await ingestion.rows<{ e: string }>(`SELECT engine_full AS e FROM system.tables WHERE database = '${db}' AND name = '${leg.writableTable}'`);
      const target = /Distributed\('([^']*)',\s*'([^']*)',\s*'([^']*)'(?:,\s*(.*))?\)/s.exec(writable[0]?.e ?? '');
      if (target === null) continue;
      const [, cluster, , table, rawKey] = target;
      const key = rawKey?.trim();
      const shards = clusterOf(this.bundle, cluster);
      const total = shards.reduce((n, x) => n + x.weight, 0);
      const parts = await ingestion.rows<{ name: string }>(`SELECT name FROM system.parts WHERE database = '${db}' AND table = '${table}' AND active ORDER BY name`);
      for (const { name: part } of parts) {
        let placed = true;
        let low = 0;
        for (const [i, shard] of shards.entries()) {
          const high = low + shard.weight;
          const slot = key && shards.length > 1 ? `((${key}) % ${total} + ${total}) % ${total}` : '0';
          const where = shards.length > 1 ? ` AND ${slot} >= ${low} AND ${slot} < ${high}` : '';
          low = high;
          const lines = await ingestion.query(`SELECT * FROM ${db}.${table} WHERE _part = ${sqlString(part)}${where} SETTINGS output_format_json_quote_64bit_integers = 1`, 'JSONEachRow');
          if (lines.trim() === '') continue;
          const errors: string[] = [];
          let done = false;
          for (const fqdn of shard.hosts) {
            const replica = this.engines.find((e) => e.fqdn === fqdn);
            if (replica === undefined || !replica.engine.running) {
              errors.push(`${fqdn}: down`);
              continue;
            }
            try {
              // A replica without a ZooKeeper session is read-only on a server: its
              // TABLE_IS_READ_ONLY fails a real Distributed INSERT, and the block is retried.
              if (await this.readOnly(replica)) {
                errors.push(`${replica.host}: read-only (no ZooKeeper session)`);
                continue;
              }
              await replica.engine.query(`INSERT INTO ${LANDED_DATABASE}.${table} FORMAT JSONEachRow\n${lines}`);
              done = true;
              break;
            } catch (e) {
              errors.push(`${replica.host}: ${firstLine(e instanceof Error ? e.message : String(e))}`);
            }
          }
          if (!done) {
            placed = false;
            this.held.set(`${role}/${table}/${part}/shard ${i + 1}`, `no replica of shard ${i + 1} of ${cluster} accepted the insert (${errors.join('; ')})`);
          }
        }
        if (placed) {
          for (const k of [...this.held.keys()]) if (k.startsWith(`${role}/${table}/${part}/`)) this.held.delete(k);
          await ingestion.query(`ALTER TABLE ${db}.${table} DROP PART ${sqlString(part)}`);
          this.forwardedParts.set(table, (this.forwardedParts.get(table) ?? 0) + 1);
        }
      }
    }
  }

  /**
   * Each data table as ZooKeeper's own tree holds it (read with its command-line client): the
   * path every replica reports, the replicas registered under it, and what is wrong: replicas of
   * one shard on different paths, two shards on one path, a host that did not register, a
   * stranger registered, or a path other than the one the model's macros give.
   */
  public async replicationOf(streams: readonly StreamDocument[]): Promise<TableReplication[]> {
    const db = this.database;
    const root = this.bundle.topology.zookeeperRoot ?? '';
    const tree = new Set(await this.zookeeper.tree(root === '' ? '/' : root));
    const out: TableReplication[] = [];
    for (const s of streams) {
      if (s.shuffle !== null) continue;
      const problems: string[] = [];
      const byShard = new Map<string, { paths: Set<string>; replicas: Set<string> }>();
      const pathOwner = new Map<string, string>();
      for (const e of this.engines.filter((x) => x.engine.running)) {
        const shardMacro = String(e.shard).padStart(2, '0');
        const r = (await e.engine.rows<{ p: string; r: string }>(
          `SELECT zookeeper_path AS p, replica_name AS r FROM system.replicas WHERE database = '${db}' AND table = '${s.dataTable}'`))[0];
        if (r === undefined) {
          problems.push(`${e.host}: ${db}.${s.dataTable} is not a replicated table there`);
          continue;
        }
        const entry = byShard.get(shardMacro) ?? { paths: new Set<string>(), replicas: new Set<string>() };
        entry.paths.add(r.p);
        entry.replicas.add(r.r);
        byShard.set(shardMacro, entry);
        if (!tree.has(`${root}${r.p}/replicas/${r.r}`)) problems.push(`${e.host}: replica ${r.r} is not registered under ${root}${r.p}/replicas in ZooKeeper`);
      }
      const shards: ShardReplication[] = [];
      for (const [shard, { paths, replicas }] of [...byShard].sort()) {
        if (paths.size > 1) problems.push(`shard ${shard}: its replicas use ${paths.size} ZooKeeper paths (${[...paths].join(', ')}): they never replicate to each other`);
        const p = [...paths][0];
        if (s.sharded) {
          const other = pathOwner.get(p);
          if (other !== undefined) problems.push(`shards ${other} and ${shard} share ZooKeeper path ${p}: their parts would mix`);
          pathOwner.set(p, shard);
        }
        const prefix = `${root}${p}/replicas/`;
        const registered = [...tree].filter((z) => z.startsWith(prefix) && !z.slice(prefix.length).includes('/')).map((z) => z.slice(prefix.length)).sort();
        // A non-sharded table's one path holds every host's replica; a shard's, only its own.
        const own = s.sharded ? replicas : new Set([...byShard.values()].flatMap((x) => [...x.replicas]));
        const strangers = registered.filter((r) => !own.has(r));
        if (strangers.length > 0) problems.push(`shard ${shard}: ${p} has replicas registered that are not this shard's hosts: ${strangers.join(', ')}`);
        shards.push({ shard, path: p, replicas: registered });
      }
      const single = !s.sharded;
      if (single && new Set(shards.map((x) => x.path)).size > 1) problems.push(`${s.dataTable} is not sharded but its shards use different paths: ${shards.map((x) => x.path).join(', ')}`);
      out.push({ table: s.dataTable, shards: single ? [{ shard: 'all', path: shards[0]?.path ?? '', replicas: shards[0]?.replicas ?? [] }] : shards, problems });
    }
    return out;
  }

  public async close(): Promise<void> {
    await Promise.all(this.engines.map((e) => e.engine.kill()));
    for (const e of this.engines) e.link.close();
    this.engines.length = 0;
    await this.zookeeper.stop();
  }
}
