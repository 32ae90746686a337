/**
 * Schema evolution, rehearsed with events flowing all the time: a region at v1 consumes; its spec
 * changes (a column added, a stream added, a leg retired); v2's migrations are applied by the
 * deploy's runner code (`applyMigrations`, in the deploy's order: the storage phase, the pod
 * rolled to the new config, then every phase); producers then send events with the new column
 * and to the new stream. Every event produced to a live leg must be in the data tables exactly
 * once (FINAL folds redeliveries, and distinct keys are counted), the new column must carry what
 * v2 events sent, and the retired leg's group must consume nothing more.
 *
 * Stand-ins (docs/rehearsal.md): one chdb engine plays a storage host (data tables as their
 * non-replicated twins) and an ingestion pod; "rolling the pod" restarts that engine on its disk
 * with v2's config, as the operator restarts a pod whose PVC is kept.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Topology } from '../model/topology';
import { STORAGE_ROLE } from '../lock/region-lock';
import { BEFORE_ROLLOUT } from '../migrations/runner';
import { applyMigrations, RunnerTarget } from '../migrations/runner';
import { isAccessRoleStatement } from '../schema/access-roles';
import { SchemaObjectKind } from '../schema/statements';
import { evolveRegion } from '../migrations/evolve';
import { bundleFromTopology, LegDocument, nodeConfigFiles, StreamDocument } from './bundle';
import { DrillOptions, DrillReport } from './drills';
import { EngineProcess } from './engine-process';
import { fromEnvVariables, nonReplicatedTwin, rehearsalOverrides, rehearsalProfile, rehearsalStorage } from './overrides';
import { ColumnType, sampleEvents } from './sample-events';
import { runDrill } from './run-drill';
import { RehearsalSession, GROUP_SETTLE_TIMEOUT_MS } from './session';

export interface SchemaEvolutionDrillInput {
  /** The region as deployed. */
  readonly before: Topology;
  /** The changed spec's region: a column added to a stream, a stream added, a leg retired. */
  readonly after: Topology;
}


/** A producer that keeps sending: one event per leg every `everyMs`, with its lines chosen at send time. */
class Flow {
  private stopped = false;
  private readonly done: Promise<void>;
  /** Events produced per leg (by Kafka table), counted when generated so an event in flight is counted once. */
  public readonly produced = new Map<string, number>();

  constructor(private readonly session: RehearsalSession, everyMs: number,
    private readonly next: () => readonly { stream: StreamDocument; leg: LegDocument; line: () => string }[]) {
    this.done = (async () => {
      while (!this.stopped && this.error === undefined) {
        for (const source of this.next()) {
          const n = this.produced.get(source.leg.kafkaTable) ?? 0;
          const event = source.line();
          this.produced.set(source.leg.kafkaTable, n + 1);
          // Through the session, as every drill produces (spread over every partition); given lines need no engine.
          await this.session.produceFor(source.stream, source.leg, undefined as never, 1, n, [event]).catch((e: unknown) => {
            this.error ??= e instanceof Error ? e : new Error(String(e));
          });
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  /** The first failed produce: the flow stops there, and the drill fails with it. */
  public error: Error | undefined;

  public async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    if (this.error !== undefined) throw this.error;
  }
}

/** A leg's lag on the mock broker, or undefined when kcat cannot read it (it asserts on a group with no members at times). */
async function lagOf(session: RehearsalSession, leg: LegDocument): Promise<number | undefined> {
  for (let i = 0; i < 2; i++) {
    try {
      return await session.mock(leg.backend).uncommitted(leg.topic, leg.consumerGroup);
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return undefined;
}

export async function schemaEvolutionDrill(input: SchemaEvolutionDrillInput, options: DrillOptions = {}): Promise<DrillReport> {
  const name = 'schema evolution';
  const timeoutMs = options.timeoutMs ?? 90_000;
  const evolution = evolveRegion({ topology: input.before, stack: 'rehearsal', stateKey: 'rehearsal' });
  const v2 = evolveRegion({ topology: input.after, stack: 'rehearsal', stateKey: 'rehearsal', lock: evolution.lock });
  const v1Bundle = bundleFromTopology(input.before);
  const v2Bundle = bundleFromTopology(input.after);
  // What changed, read from the two bundles: the stream with a new column, the new stream, the retired leg.
  const streams1 = v1Bundle.topology.streams.filter((s) => s.shuffle === null);
  const streams2 = v2Bundle.topology.streams.filter((s) => s.shuffle === null);
  const widened = streams2.find((s) => {
    const old = streams1.find((o) => o.name === s.name);
    return old !== undefined && s.columns.some((c) => !old.columns.some((oc) => oc.name === c.name));
  });
  const added = streams2.find((s) => !streams1.some((o) => o.name === s.name));
  const retired = streams1.flatMap((s) => s.legs.map((l) => ({ stream: s, leg: l })))
    .find(({ leg }) => !streams2.some((s) => s.legs.some((l) => l.kafkaTable === leg.kafkaTable)));
  if (widened === undefined || added === undefined || retired === undefined) {
    return { name, ok: true, skipped: 'the two specs do not add a column, add a stream and retire a leg', details: [], seconds: 0 };
  }
  const newColumn = widened.columns.find((c) => !streams1.find((o) => o.name === widened.name)!.columns.some((oc) => oc.name === c.name))!;
  const role = retired.leg.roles[0];
  return runDrill(name, v1Bundle, options, async (session, lines) => {
    // Each line with the seconds since the run began: the timeline of a deploy under load.
    const runStarted = Date.now();
    const details = { push: (line: string): void => void lines.push(`[${((Date.now() - runStarted) / 1000).toFixed(1)} s] ${line}`) };
    let b: EngineProcess | undefined;
    let flow: Flow | undefined;
    try {
      // The new stream's topics, with the partitions v2 declares (they are not in v1's layout).
      const v2Partitions = (l: { backend: string; topic: string }): number =>
        v2Bundle.topology.kafkaBackends.find((k) => k.name === l.backend)?.topics.find((t) => t.name === l.topic)?.partitions ?? 1;
      for (const l of added.legs) await session.mock(l.backend).createTopic(l.topic, v2Partitions(l));
      const db = session.database;
      const a = await session.startEngine(role);
      // The storage stand-in's read-side Distributed tables: the session leaves them out (an ingestion
      // node's config may lack their cluster); this pod's config has the region's cluster, so they are
      // created here and their migration steps run for real.
      for (const [file, sql] of v1Bundle.files) {
        if (!file.startsWith(`sql/${STORAGE_ROLE}/`) || !/ENGINE = Distributed\(/.test(sql)) continue;
        await a.engine.query(sql.trim().replace(/;\s*$/, '')).catch((e: unknown) => {
          throw new Error(`the storage stand-in's read-side table of ${file} could not be created on a ${role} node: ${e instanceof Error ? e.message : String(e)}`);
        });
      }
      await session.waitForAssignments([a], GROUP_SETTLE_TIMEOUT_MS);
      details.push(`v1 on a ${role} node: ${streams1.map((s) => `${s.name} (${s.legs.map((l) => `${l.backend}/${l.topic}`).join(', ')})`).join('; ')}`);

      // Events flow from here to the end: v1-shaped until v2 is applied everywhere.
      const columnsV1 = new Map<string, ColumnType[]>();
      for (const s of streams1) for (const l of s.legs) columnsV1.set(l.kafkaTable, await session.kafkaColumns(a.engine, l.kafkaTable));
      const columnsV2 = new Map<string, ColumnType[]>();
      let phase: 'v1' | 'drained' | 'v2' = 'v1';
      const offsets = new Map<string, number>();
      let withValue = 0;
      const line = (leg: LegDocument): string => {
        const key = leg.kafkaTable;
        const i = offsets.get(key) ?? 0;
        offsets.set(key, i + 1);
        // Each leg its own range of values: no two events share a sorting key.
        const base = 100_000 * (1 + [...columnsV1.keys(), ...columnsV2.keys()].indexOf(key));
        const event = sampleEvents(columnsV2.get(key) ?? columnsV1.get(key)!, 1, { offset: base + i })[0];
        // The sampler leaves a field out or empty at times: count the v2 events that carry a value for the new column.
        if (columnsV2.has(key) && widened.legs.some((l) => l.kafkaTable === key)) {
          const value = (JSON.parse(event) as Record<string, unknown>)[newColumn.name];
          if (value !== undefined && value !== null && value !== '' && value !== 0) withValue++;
        }
        return event;
      };
      const live = (): { stream: StreamDocument; leg: LegDocument; line: () => string }[] => {
        const out: { stream: StreamDocument; leg: LegDocument; line: () => string }[] = [];
        for (const s of phase === 'v2' ? streams2 : streams1) {
          for (const l of s.legs) {
            // Producers move off the retired leg's backend before it is retired (the drain).
            if (phase !== 'v1' && l.kafkaTable === retired.leg.kafkaTable) continue;
            out.push({ stream: s, leg: l, line: () => line(l) });
          }
        }
        return out;
      };
      flow = new Flow(session, 100, live);
      const rows = async (engine: EngineProcess, table: string, final = false): Promise<number> =>
        engine.count(`SELECT count() FROM ${db}.${table}${final ? ' FINAL' : ''}`);
      await session.waitUntil(timeoutMs, async () => (await rows(a.engine, widened.dataTable)) >= 10);

      // Drain the leg to retire: its producers stop, and everything they sent lands first.
      phase = 'drained';
      // One more round of the flow, so an event generated for the leg just before is on the topic.
      await new Promise((r) => setTimeout(r, 1000));
      const retiredBefore = flow!.produced.get(retired.leg.kafkaTable) ?? 0;
      const drained = await session.waitUntil(timeoutMs, async () => (await lagOf(session, retired.leg)) === 0);
      details.push(`leg ${retired.leg.kafkaTable} drained: ${retiredBefore} events produced to ${retired.leg.backend}/${retired.leg.topic}, ${drained ? 'all' : 'NOT all'} committed`);

      // The deploy: the storage Job, the pod rolled to v2's config on its kept disk, the finishing Job.
      // chdb has no writable access storage: roles and grants are recorded by the runner but not run
      // (they are parsed in __tests__/schema/posthog-shapes.test.ts).
      const exec = (engine: () => EngineProcess) => async (target: RunnerTarget, sql: string): Promise<string> =>
        isAccessRoleStatement(sql) ? '' : (await engine().query(target.role === STORAGE_ROLE ? nonReplicatedTwin(sql) : sql, 'TSVRaw')).replace(/\n$/, '');
      const targets: RunnerTarget[] = [{ host: 'storage', role: STORAGE_ROLE, required: true }, { host: 'pod', role, required: true }];
      const storage = await applyMigrations(v2.migrations, targets, db, exec(() => a.engine), BEFORE_ROLLOUT);
      details.push(`Job before the rollout (${BEFORE_ROLLOUT.join(', ')}): ${storage.applied.length} step(s) of ${v2.generated.map((m) => `${String(m.number).padStart(4, '0')}_${m.name}`).join(', ')}`);
      // The pod stops (the operator's rolling restart) and comes back on the same disk with v2's config.
      await a.engine.close();
      await a.engine.kill();
      session.forget(a);
      const rendered = nodeConfigFiles(v2Bundle, role);
      const env: Record<string, string> = {};
      for (const v of fromEnvVariables(rendered)) env[v] = process.env[v] ?? 'rehearsal';
      for (const backend of v1Bundle.topology.kafkaBackends) {
        const mock = session.mocks.get(backend.name);
        if (mock) env[backend.brokerListEnv] = mock.bootstrapServers;
      }
      // With the storage stand-in's tiered policy, as the session started it: its tables on this disk name the policy.
      b = await EngineProcess.start({ dir: a.engine.dir, configFiles: [...rendered, rehearsalOverrides(rendered).file, rehearsalProfile(), rehearsalStorage(a.engine.dir)], env })
        .catch((e: unknown) => {
          const log = fs.existsSync(path.join(a.engine.dir, 'clickhouse.log')) ? fs.readFileSync(path.join(a.engine.dir, 'clickhouse.log'), 'utf8') : '';
          const last = log.split('\n').filter((l) => /<Error>|Exception/.test(l)).slice(-3).join('\n');
          throw new Error(`the rolled pod did not start: ${e instanceof Error ? e.message : String(e)}${last ? `\n${last}` : ''}`);
        });
      const all = await applyMigrations(v2.migrations, targets, db, exec(() => b!));
      // Then the pod's IF NOT EXISTS schema of v2: everything exists already.
      const before = await b.count(`SELECT count() FROM system.tables WHERE database = '${db}'`);
      for (const r of [STORAGE_ROLE, role]) {
        // Roles and grants are not run in chdb (no writable access storage), as the runner's stand-in above.
        for (const [, sql] of [...v2Bundle.files].filter(([p, text]) => p.startsWith(`sql/${r}/`) && !isAccessRoleStatement(text))) {
          await b.query(r === STORAGE_ROLE ? nonReplicatedTwin(sql) : sql);
        }
      }
      const afterBoot = await b.count(`SELECT count() FROM system.tables WHERE database = '${db}'`);
      await b.query(`SYSTEM STOP MERGES ${db}.${added.dataTable}`);
      details.push(`pod rolled to v2 on its kept disk; finishing Job: ${all.applied.length} step(s) applied, ${all.skipped} already recorded; v2's boot schema created ${afterBoot - before} more objects`);
      const again = await applyMigrations(v2.migrations, targets, db, exec(() => b!));
      details.push(`runner again: ${again.applied.length} applied, ${again.skipped} skipped`);

      // v2 events: the new column, the new stream; and events on the retired leg's topic that nobody may read.
      const next = new Map<string, ColumnType[]>();
      for (const l of [...widened.legs.filter((x) => x.kafkaTable !== retired.leg.kafkaTable), ...added.legs]) next.set(l.kafkaTable, await session.kafkaColumns(b, l.kafkaTable));
      // In one synchronous step: from here every generated event is v2-shaped and counted as such.
      for (const [k, v] of next) columnsV2.set(k, v);
      const v2Start = new Map(widened.legs.map((l) => [l.kafkaTable, flow!.produced.get(l.kafkaTable) ?? 0]));
      phase = 'v2';
      const late = sampleEvents(columnsV1.get(retired.leg.kafkaTable)!, 10, { offset: 900_000 });
      await session.produceFor(retired.stream, retired.leg, b, late.length, 0, late);
      await new Promise((r) => setTimeout(r, 3000));
      await flow.stop();
      details.push(`producers stopped: ${[...flow.produced].map(([t, n]) => `${t} ${n}`).join(', ')}`);

      // Every event produced to a live leg; the retired leg's count stopped at its drain.
      const expected = (s: StreamDocument): number => s.legs.reduce((n, l) => n + (flow!.produced.get(l.kafkaTable) ?? 0), 0);
      const wantWidened = expected(streams1.find((s) => s.name === widened.name)!);
      const wantAdded = expected(added);
      const settled = await session.waitUntil(timeoutMs, async () => (await rows(b!, widened.dataTable, true)) >= wantWidened && (await rows(b!, added.dataTable, true)) >= wantAdded);
      if (settled) details.push('every produced event landed');
      else {
        // Where the rest is: on the topic (the group's lag) or in a Distributed table's queue.
        const lags: string[] = [];
        for (const l of [...widened.legs, ...added.legs].filter((x) => x.kafkaTable !== retired.leg.kafkaTable)) lags.push(`${l.kafkaTable} lag ${await lagOf(session, l) ?? '?'}`);
        const queue = (await b.query(`SELECT table, data_files, error_count, last_exception FROM system.distribution_queue WHERE database = '${db}' AND data_files > 0`, 'TSVRaw')).trim();
        details.push(`not every event landed within ${timeoutMs / 1000} s: ${lags.join(', ')}; Distributed queues: ${queue.replace(/\n/g, '; ').slice(0, 400) || 'empty'}`);
      }
      await new Promise((r) => setTimeout(r, 1500));
      const v2Events = widened.legs.reduce((n, l) => n + (flow!.produced.get(l.kafkaTable) ?? 0) - (v2Start.get(l.kafkaTable) ?? 0), 0);
      const withColumn = await b.count(`SELECT countIf(${newColumn.name} != defaultValueOfArgumentType(${newColumn.name})) FROM ${db}.${widened.dataTable} FINAL`);
      const counts = {
        widenedRaw: await rows(b, widened.dataTable), widenedFinal: await rows(b, widened.dataTable, true),
        addedRaw: await rows(b, added.dataTable), addedFinal: await rows(b, added.dataTable, true),
        lateLag: await lagOf(session, retired.leg),
      };
      // The late events have keys of their own: any that landed would show in the FINAL count.
      const lateLanded = counts.widenedFinal - wantWidened;
      details.push(`${widened.dataTable}: ${counts.widenedFinal} rows with FINAL (${counts.widenedRaw} raw) for ${wantWidened} events produced to its live legs`
        + ` (${retiredBefore} of them through ${retired.leg.kafkaTable} before it was retired)`);
      details.push(`new column ${newColumn.name}: set on ${withColumn} rows for ${v2Events} v2 events, ${withValue} of them with a value for it`);
      // The read-side table (a sharded stream's) names the new column too: its migration step ran on the storage stand-in.
      const readTable = Object.entries(v2.lock.schema[STORAGE_ROLE] ?? {}).find(([, o]) => o.kind === SchemaObjectKind.READ_TABLE && o.stream === widened.name)?.[0];
      const readHasColumn = readTable === undefined
        || await b.count(`SELECT count() FROM system.columns WHERE database = '${db}' AND table = '${readTable}' AND name = '${newColumn.name}'`) === 1;
      if (readTable !== undefined) details.push(`read-side table ${readTable}: ${readHasColumn ? 'has' : 'LACKS'} column ${newColumn.name}`);
      // No event may fail to parse across the change: the dead-letter tables of both streams stay empty.
      const deadLetterTables = Object.entries(v2.lock.schema[STORAGE_ROLE] ?? {})
        .filter(([, o]) => o.kind === SchemaObjectKind.DEAD_LETTER_TABLE && (o.stream === widened.name || o.stream === added.name)).map(([n]) => n);
      let deadLetters = 0;
      for (const t of deadLetterTables) deadLetters += await rows(b, t);
      const deadLetterErrors = deadLetters === 0 ? '' : await b.query(`SELECT any(_error) FROM ${db}.${deadLetterTables[0]}`, 'TSVRaw');
      details.push(`dead letters (${deadLetterTables.join(', ') || 'none rendered'}): ${deadLetters}${deadLetterErrors.trim() ? `, e.g. ${deadLetterErrors.trim().slice(0, 300)}` : ''}`);
      details.push(`${added.dataTable} (new stream): ${counts.addedFinal} rows with FINAL (${counts.addedRaw} raw) for ${wantAdded} events`);
      details.push(`retired leg ${retired.leg.kafkaTable}: ${late.length} events produced after retirement, ${Math.max(0, lateLanded)} landed; `
        + `group ${retired.leg.consumerGroup} lag ${counts.lateLag === undefined ? 'not readable from the mock broker' : counts.lateLag}`);
      const ok = settled && drained && counts.widenedFinal === wantWidened && counts.addedFinal === wantAdded && withColumn === withValue && withValue > 0
        && (counts.lateLag === undefined || counts.lateLag === late.length) && again.applied.length === 0 && afterBoot === before
        && v2Events > 0 && wantAdded > 0 && readHasColumn && deadLetters === 0;
      return ok;
    } catch (e) {
      details.push(`error: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    } finally {
      await flow?.stop().catch(() => undefined);
      await b?.kill();
    }
  });
}

