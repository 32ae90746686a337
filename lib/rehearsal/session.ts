import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RenderedFile } from '../render/file';
import { isAccessRoleStatement } from '../schema/access-roles';
import { LegDocument, nodeConfigFiles, RehearsalBundle, RehearsalError, roleStatements, StreamDocument } from './bundle';
import { EngineProcess, EngineQueryError } from './engine-process';
import { kcatAvailable, mockHelperProblem, MockKafkaCluster } from './mock-kafka';
import { StorageHalf } from './storage-half';
import { fromEnvVariables, nonReplicatedTwin, rehearsalOverrides, rehearsalProfile, rehearsalStorage, capKafkaSettings, REHEARSAL_KAFKA_CAPS } from './overrides';
import { ColumnType, sampleEvents } from './sample-events';
import { waitUntil, WaitOptions } from './wait';

/** A topic on a backend. */
export interface TopicRef {
  readonly backend: string;
  readonly topic: string;
}

export function topicKey(t: TopicRef): string {
  return `${t.backend}/${t.topic}`;
}

/**
 * How long to wait for a consumer group to settle before producing anyway (noted in the report).
 * A limit, not a wait: the wait ends as soon as the group has settled, in a few seconds on an idle
 * machine, and much later while the cores are shared with other engines.
 */
export const GROUP_SETTLE_TIMEOUT_MS = 120_000;

/** The role (`hostClusterRole`) all the data role's statements run on. */
export const DATA_ROLE = 'data';

/** An engine standing in for one node of an ingestion role, with the storage node's tables beside it. */
export interface RoleEngine {
  readonly role: string;
  readonly engine: EngineProcess;
  /** Objects the role's SQL created (not the data role's): what an ingestion node's disk holds. */
  readonly ownedObjects: readonly string[];
}

/** A ClickHouse error's first line, without the client's prefix and the stack trace. */
export function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return line.replace(/^Query failed:\s*/, '').replace(/^Code: \d+\. DB::Exception: /, '').replace(/\s*Stack trace.*$/, '').trim();
}

/** `CREATE TABLE IF NOT EXISTS posthog.kafka_groups ...` → `posthog.kafka_groups`. */
export function createdObject(statement: string): string | undefined {
  const m = /CREATE\s+(?:TABLE|MATERIALIZED\s+VIEW|VIEW|DATABASE|DICTIONARY)\s+(?:IF\s+NOT\s+EXISTS\s+)?([`\w.]+)/i.exec(statement);
  return m?.[1].replace(/`/g, '');
}

/**
 * Runs of one rehearsal or drill: a first run whose stand-in broker failed is discarded and run
 * again (`RehearsalSession.run`).
 */
const MAX_RUNS = 2;

/**
 * What `RehearsalSession.run` returns: the body's result, why a first run was discarded, and how
 * the returned run's own stand-in failed, if it did (its result then says nothing about the region).
 */
export interface SessionRun<T> {
  readonly value: T;
  /** How the first run's stand-in broker failed, when that run was discarded. */
  readonly discarded?: string;
  /** How the returned run's stand-in broker failed, when it did: the run fails. */
  readonly failed?: string;
}

/**
 * What a run's report adds to its notes or details: why a first run was discarded, and that the
 * returned run's stand-in failed too. Empty for a run whose broker never failed.
 */
export function standInNotes(run: SessionRun<unknown>): string[] {
  return [
    ...(run.discarded !== undefined ? [`first run discarded (this report is of a second run on fresh stand-ins): its stand-in broker failed: ${run.discarded}`] : []),
    ...(run.failed !== undefined ? [`failed: the second run's stand-in broker failed too: ${run.failed}`] : []),
  ];
}

export interface SessionOptions {
  /**
   * Folder for the engines' disks.
   * @default a new folder under the OS temp dir, removed on close
   */
  readonly workDir?: string;
  /** Progress lines. @default none */
  readonly onProgress?: (line: string) => void;
}

/**
 * The moving parts of a rehearsal: one mock Kafka cluster per backend, engines per role, and the
 * region's artifacts. Drills use it to stop and replace engines; `close()` ends everything.
 */
export class RehearsalSession {
  public static async start(bundle: RehearsalBundle, options: SessionOptions = {}): Promise<RehearsalSession> {
    if (!kcatAvailable()) {
      throw new RehearsalError('kcat is not installed: the rehearsal produces to and reads from librdkafka\'s mock Kafka cluster with it (Debian/Ubuntu: apt-get install kcat)');
    }
    const helper = mockHelperProblem();
    if (helper !== undefined) throw new RehearsalError(helper);
    const ownsDir = options.workDir === undefined;
    const dir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `rehearsal-${bundle.topology.name}-`));
    fs.mkdirSync(dir, { recursive: true });
    const session = new RehearsalSession(bundle, dir, ownsDir, options.onProgress ?? (() => undefined));
    try {
      const used = new Set<string>();
      for (const s of bundle.topology.streams) {
        s.legs.forEach((l) => used.add(l.backend));
        if (s.shuffle) used.add(s.shuffle.backend);
      }
      await Promise.all([...used].map(async (b) => session.mocks.set(b, await MockKafkaCluster.start())));
      // Topics exist, with their declared partitions, before any consumer subscribes, as on a real backend.
      for (const s of bundle.topology.streams) {
        for (const t of [...s.legs, ...(s.shuffle ? [s.shuffle] : [])]) await session.mock(t.backend).createTopic(t.topic, session.declaredPartitions(t));
      }
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /**
   * Runs `body` on a fresh session and closes it. When a stand-in broker failed during the run
   * (see `standInFailure`), the run says nothing about the region: it is discarded and `body` runs
   * once more on another fresh session, and the result says why the first was discarded. A second
   * failure is returned as `failed` (or the body's error is thrown), and callers fail the run.
   */
  public static async run<T>(bundle: RehearsalBundle, options: SessionOptions, body: (session: RehearsalSession) => Promise<T>): Promise<SessionRun<T>> {
    let discarded: string | undefined;
    for (let attempt = 1; ; attempt++) {
      // A second run on a caller's folder gets a folder of its own inside it (the first one's disks stay as they were).
      const workDir = attempt > 1 && options.workDir !== undefined ? path.join(options.workDir, `run-${attempt}`) : options.workDir;
      const session = await RehearsalSession.start(bundle, { ...options, workDir });
      let outcome: { readonly value: T } | { readonly error: unknown };
      try {
        outcome = { value: await body(session) };
      } catch (error) {
        outcome = { error };
      }
      const failure = session.standInFailure();
      await session.close();
      if (failure !== undefined && attempt < MAX_RUNS) {
        discarded = failure;
        session.progress(`${bundle.topology.name}: a stand-in broker failed (${failure.split('\n')[0]}); running again on fresh stand-ins`);
        continue;
      }
      if ('error' in outcome) throw outcome.error;
      return { value: outcome.value, discarded, failed: failure };
    }
  }

  public readonly mocks = new Map<string, MockKafkaCluster>();
  /** What the rehearsal changed in the rendered artifacts to run offline. */
  public readonly notes: string[] = [];
  /** Every message produced by `produceFor`, by topic (`backend/topic`), in order. */
  public readonly produced = new Map<string, string[]>();
  private readonly engines: RoleEngine[] = [];
  private closed = false;
  private engineCount = 0;

  private constructor(
    public readonly bundle: RehearsalBundle,
    public readonly dir: string,
    private readonly ownsDir: boolean,
    public readonly progress: (line: string) => void,
  ) {}

  public get database(): string {
    return this.bundle.topology.database;
  }

  /** A topic's declared partitions (topology.json), 1 when the topology does not say. */
  public declaredPartitions(t: TopicRef): number {
    const declared = this.bundle.topology.kafkaBackends.find((b) => b.name === t.backend)?.topics.find((x) => x.name === t.topic)?.partitions;
    const leg = this.bundle.topology.streams.flatMap((s) => s.legs).find((l) => l.backend === t.backend && l.topic === t.topic);
    return declared ?? leg?.partitions ?? 1;
  }

  /** The storage half, once `startStorage()` ran: an engine per data host on a real ZooKeeper. */
  public storage?: StorageHalf;
  private forwarding?: { stop: boolean; done: Promise<void> };

  /**
   * Starts the storage half (after checking the artifacts against the model) and the forwarder
   * that stands in for the Distributed tables' network hop, moving outbox parts from every
   * running ingestion engine to the storage engines every 250 ms.
   */
  public async startStorage(): Promise<StorageHalf> {
    this.storage = await StorageHalf.start(this.bundle, this.dir, this.progress);
    const state = { stop: false, done: Promise.resolve() };
    state.done = (async () => {
      while (!state.stop) {
        await this.forwardNow().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    this.forwarding = state;
    return this.storage;
  }

  /** One forwarding pass over every running ingestion engine (passes never overlap: a part is forwarded once). */
  public forwardNow(): Promise<void> {
    const pass = this.forwardChain.then(async () => {
      if (this.storage === undefined) return;
      for (const e of this.runningEngines) await this.storage.forward(e.engine, e.role, this.bundle.topology.streams).catch(() => undefined);
    });
    this.forwardChain = pass.catch(() => undefined);
    return pass;
  }

  private forwardChain: Promise<void> = Promise.resolve();

  public mock(backend: string): MockKafkaCluster {
    const m = this.mocks.get(backend);
    if (m === undefined) throw new RehearsalError(`no mock cluster for backend ${backend}`);
    return m;
  }

  /** Roles that consume at least one leg, in tier order. */
  public consumingRoles(): string[] {
    const roles = new Set(this.bundle.topology.streams.flatMap((s) => s.legs.flatMap((l) => l.roles)));
    return this.bundle.topology.ingestionTiers.map((t) => t.role).filter((r) => roles.has(r));
  }

  /** The config an engine for `role` loads: the rendered files plus the rehearsal's overrides. */
  public engineConfig(role: string): { files: RenderedFile[]; env: Record<string, string>; authDropped: ReadonlyMap<string, readonly string[]> } {
    const rendered = nodeConfigFiles(this.bundle, role);
    const overrides = rehearsalOverrides(rendered);
    const env: Record<string, string> = {};
    // Every from_env value must be set or the config does not load; only broker lists matter here.
    for (const v of fromEnvVariables(rendered)) env[v] = process.env[v] ?? 'rehearsal';
    for (const b of this.bundle.topology.kafkaBackends) {
      const mock = this.mocks.get(b.name);
      if (mock) env[b.brokerListEnv] = mock.bootstrapServers;
    }
    return { files: [...rendered, overrides.file, rehearsalProfile()], env, authDropped: overrides.authDropped };
  }

  /**
   * Starts an engine for a role on `dir` (a new folder unless given: an existing one keeps its
   * disk) and runs the data role's SQL (Replicated engines as twins) and then the role's SQL.
   * A failing statement throws a `RehearsalError` naming its file and object.
   */
  public async startEngine(role: string, options: { readonly dir?: string; readonly skipDataSql?: boolean } = {}): Promise<RoleEngine> {
    if (this.closed) throw new RehearsalError('the rehearsal session is closed');
    const dir = options.dir ?? path.join(this.dir, `${role}-${++this.engineCount}`);
    const { files, env } = this.engineConfig(role);
    // The storage stand-in's tables keep their tiered policy (the data role's statements name it).
    const engine = await EngineProcess.start({ dir, configFiles: [...files, rehearsalStorage(dir)], env });
    try {
      if (!options.skipDataSql) await this.runStatements(engine, DATA_ROLE, true);
      const before = new Set(await this.tables(engine));
      await this.runStatements(engine, role, false);
      const owned = (await this.tables(engine)).filter((t) => !before.has(t));
      // Counts must be exact: no merge may fold equal keys while the rehearsal counts rows.
      for (const s of this.bundle.topology.streams) {
        if (s.shuffle === null) await engine.query(`SYSTEM STOP MERGES ${this.database}.${s.dataTable}`).catch(() => undefined);
      }
      const re: RoleEngine = { role, engine, ownedObjects: owned };
      this.engines.push(re);
      return re;
    } catch (e) {
      await engine.kill();
      throw e;
    }
  }

  private async tables(engine: EngineProcess): Promise<string[]> {
    const out = await engine.query(`SELECT name FROM system.tables WHERE database = '${this.database.replace(/'/g, "\\'")}' ORDER BY name`, 'TSVRaw');
    return out.split('\n').filter((l) => l !== '');
  }

  private async runStatements(engine: EngineProcess, role: string, twins: boolean): Promise<void> {
    for (const file of roleStatements(this.bundle, role)) {
      // The storage stand-in keeps the stored tables; a data node's read-side Distributed tables
      // name the storage clusters, which an ingestion node's config may not have.
      if (twins && /ENGINE = Distributed\(/.test(file.content)) continue;
      // chdb has no writable access storage: roles and grants are checked by parsing (docs/rehearsal.md).
      if (isAccessRoleStatement(file.content)) continue;
      const capped = capKafkaSettings(twins ? nonReplicatedTwin(file.content) : file.content);
      const sql = capped.sql.trim().replace(/;\s*$/, '');
      for (const [setting, was] of capped.changed) {
        const note = `${createdObject(sql) ?? file.path}: ${setting} ${was} → ${REHEARSAL_KAFKA_CAPS[setting]} in the rehearsal`;
        if (!this.notes.includes(note)) this.notes.push(note);
      }
      try {
        await engine.query(sql);
      } catch (e) {
        const object = createdObject(sql) ?? 'its statement';
        const message = e instanceof EngineQueryError ? e.clickhouseMessage : String(e);
        throw new RehearsalError(`${file.path} (${object}) failed on a ${role} node: ${firstLine(message)}`);
      }
    }
  }

  /** Engines currently running. */
  public get runningEngines(): readonly RoleEngine[] {
    return this.engines.filter((e) => e.engine.running);
  }

  public forget(engine: RoleEngine): void {
    const i = this.engines.indexOf(engine);
    if (i >= 0) this.engines.splice(i, 1);
  }

  /** The columns a Kafka table parses from each message, from a running engine. */
  public async kafkaColumns(engine: EngineProcess, table: string): Promise<ColumnType[]> {
    return engine.rows<ColumnType>(
      `SELECT name, type FROM system.columns WHERE database = '${this.database}' AND table = '${table}' AND default_kind = '' ORDER BY position`);
  }

  /** Produces `count` generated events (or the given JSON lines) for a leg's topic. */
  public async produceFor(stream: StreamDocument, leg: LegDocument, engine: EngineProcess, count: number, offset = 0, lines?: readonly string[]): Promise<number> {
    let events = lines;
    if (events === undefined) {
      const columns = await this.kafkaColumns(engine, leg.kafkaTable);
      if (columns.length === 0) throw new RehearsalError(`Kafka table ${this.database}.${leg.kafkaTable} has no columns on a ${leg.roles.join('/')} node (is it missing?)`);
      const signs = stream.engine?.family.includes('Collapsing') ? columns.filter((c) => /^Int8$/.test(c.type) && /sign/i.test(c.name)).map((c) => c.name) : [];
      events = sampleEvents(columns, count, { offset, signColumns: signs });
    }
    // Spread over every partition: the Kafka engine commits an invalid offset for an assigned
    // partition it read nothing from, and the mock then drops the whole commit (lag would stay).
    const partitions = Math.max(1, await this.mock(leg.backend).partitionCount(leg.topic));
    await this.mock(leg.backend).produce(leg.topic, events.map((payload, n) => ({
      payload, key: `event-${offset + n}`, partition: (offset + n) % partitions,
    })));
    const key = topicKey(leg);
    this.produced.set(key, [...(this.produced.get(key) ?? []), ...events]);
    return events.length;
  }

  /**
   * Waits until every leg consumed on these engines has a settled group, so events are produced
   * to it: consumers of a node join one after another, and a rebalance while messages are in
   * flight redelivers them (duplicates) and fails commits in any Kafka. Settled means every
   * partition assigned exactly once, every consumer of every engine holding partitions (as many
   * as there are partitions to go round), and the same assignment seen twice in a row. Returns the
   * legs that did not settle in time.
   */
  public async waitForAssignments(engines: readonly RoleEngine[], timeoutMs: number): Promise<string[]> {
    const legs = this.bundle.topology.streams.flatMap((s) => s.legs).filter((l) => engines.some((e) => l.roles.includes(e.role)));
    const want = new Map<LegDocument, number>();
    for (const l of legs) want.set(l, await this.mock(l.backend).partitionCount(l.topic));
    const deadline = Date.now() + timeoutMs;
    const seen = new Map<LegDocument, string>();
    let unsettled: LegDocument[] = legs;
    for (;;) {
      const next: LegDocument[] = [];
      for (const l of unsettled) {
        const on = engines.filter((x) => l.roles.includes(x.role) && x.engine.running);
        // A Kafka table that is missing, or that no materialized view reads, starts no consumer:
        // its group never forms, and the rehearsal names the broken object instead of waiting for it.
        let read = 0;
        for (const e of on) {
          read += await e.engine.count(
            `SELECT count() FROM system.tables WHERE database = '${this.database}' AND name = '${l.kafkaTable}' AND notEmpty(dependencies_table)`).catch(() => 0);
        }
        if (read === 0) continue;
        const held: number[][] = [];
        for (const e of on) {
          const rows = await e.engine.rows<{ p: number[] }>(
            `SELECT assignments.partition_id AS p FROM system.kafka_consumers WHERE database = '${this.database}' AND table = '${l.kafkaTable}' ORDER BY consumer_id`).catch(() => []);
          held.push(...rows.map((r) => r.p.map(Number).sort((a, b) => a - b)));
        }
        const partitions = want.get(l) ?? 0;
        const consumers = on.reduce((n, e) => n + (l.consumersPerNode?.[e.role] ?? 1), 0);
        const all = held.flat();
        const complete = new Set(all).size === partitions && all.length === partitions &&
          held.filter((p) => p.length > 0).length >= Math.min(partitions, consumers);
        const key = JSON.stringify(held);
        if (!complete || seen.get(l) !== key) next.push(l);
        seen.set(l, complete ? key : '');
      }
      unsettled = next;
      // A stand-in broker that failed settles no group.
      if (unsettled.length === 0 || this.standInFailure() !== undefined || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return unsettled.map((l) => `${l.kafkaTable} (group ${l.consumerGroup})`);
  }

  /** Rows in a data table across the given engines (no FINAL: every inserted row). */
  public async rowsIn(table: string, engines: readonly RoleEngine[], final = false): Promise<number> {
    let n = 0;
    for (const e of engines) n += await e.engine.count(`SELECT count() FROM ${this.database}.${table}${final ? ' FINAL' : ''}`);
    return n;
  }

  /**
   * Why a stand-in broker of this session failed, once one has: librdkafka's mock coordinator
   * aborts on some consumer-group states (two members under one member id, for one), which a real
   * broker handles. What a run saw after that is about the stand-in, not the region.
   */
  public standInFailure(): string | undefined {
    for (const [backend, m] of this.mocks) {
      if (m.failure !== undefined) return `backend ${backend}: ${m.failure}`;
    }
    return undefined;
  }

  /** `waitUntil` that also gives up once a stand-in broker failed: what the check waits for cannot come. */
  public waitUntil(timeoutMs: number, check: () => Promise<boolean>, options: WaitOptions = {}): Promise<boolean> {
    return waitUntil(timeoutMs, check, { ...options, giveUpWhen: () => this.standInFailure() !== undefined });
  }

  /** Ends every engine and mock cluster and removes the work folder it created. */
  public async close(): Promise<void> {
    if (this.forwarding) {
      this.forwarding.stop = true;
      await this.forwarding.done;
    }
    await this.storage?.close();
    this.closed = true;
    await Promise.all(this.engines.map((e) => e.engine.kill()));
    this.engines.length = 0;
    for (const m of this.mocks.values()) m.stop();
    this.mocks.clear();
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
