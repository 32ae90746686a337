/**
 * The migration runner, as data and as code that runs it. A node records every step it applied in
 * a ledger table of its own (`clickhouse_ingest.schema_migrations`, MergeTree, not replicated), so
 * the runner resumes where a failure stopped it and a second run applies nothing. The same plan
 * runs three ways, each checked against `runOrder`:
 * - `applyMigrations` (TypeScript): the rehearsal and the tests, against real ClickHouse;
 * - `renderRunnerScript` (POSIX sh with clickhouse-client): the deploy Job, on every storage host
 *   and every ingestion pod;
 * - `bootScripts` (ClickHouse `startup_scripts` with conditions): an ingestion pod that boots later,
 *   with its PVC kept or new.
 * Pure, apart from the queries `applyMigrations` sends through the executor it is given.
 */
import { LockedMigration, MigrationPhase, MigrationStep, PHASE_ORDER } from '../lock/region-lock';
import { isAccessRoleStatement } from '../schema/access-roles';
import { stringLiteral } from '../schema/sql';
import { migrationSlug, stepChecksum } from './plan';

export const LEDGER_DATABASE = 'clickhouse_ingest';
export const LEDGER_TABLE = 'schema_migrations';
const LEDGER = `${LEDGER_DATABASE}.${LEDGER_TABLE}`;

/** The statements that create the ledger; idempotent. */
export const LEDGER_STATEMENTS: readonly string[] = [
  `CREATE DATABASE IF NOT EXISTS ${LEDGER_DATABASE}`,
  `CREATE TABLE IF NOT EXISTS ${LEDGER} (step String, migration String, checksum String, how LowCardinality(String), applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY step`,
];

/**
 * What the deploy's first Job applies, before the tiers roll: retired consumers stopped (their
 * pods' config still names the backend), then the storage phase. The second Job applies the rest.
 */
export const BEFORE_ROLLOUT: readonly MigrationPhase[] = [MigrationPhase.RETIRE, MigrationPhase.STORAGE];

/** One node the runner reaches. */
export interface RunnerTarget {
  /** Host name (a storage host's FQDN, an ingestion pod's Service name). */
  readonly host: string;
  readonly role: string;
  /**
   * Whether the node existed before this deploy (it is in the lock's inventory). A required node
   * that cannot be reached fails the run before any step; a new one is skipped (it migrates at boot).
   */
  readonly required: boolean;
}

/** A step as the runner applies it on one target. */
export interface PlannedStep {
  readonly target: RunnerTarget;
  readonly migration: LockedMigration;
  readonly step: MigrationStep;
  readonly checksum: string;
}

/**
 * The order every runner applies steps in: migration by migration; within one, phase by phase
 * (storage, writable, consumers, writable-contract, storage-contract); within a phase, target by
 * target, each target's steps in order.
 */
export function runOrder(migrations: readonly LockedMigration[], targets: readonly RunnerTarget[],
  phases: readonly MigrationPhase[] = PHASE_ORDER): PlannedStep[] {
  const out: PlannedStep[] = [];
  for (const migration of [...migrations].sort((a, b) => a.number - b.number)) {
    for (const phase of PHASE_ORDER.filter((p) => phases.includes(p))) {
      for (const target of targets) {
        for (const step of migration.steps) {
          if (step.phase === phase && step.role === target.role) out.push({ target, migration, step, checksum: stepChecksum(step.sql) });
        }
      }
    }
  }
  return out;
}

/** `SELECT count() = 0 FROM ledger WHERE step = '0002.01'`: 1 while the step is not applied. */
export function pendingCondition(stepId: string): string {
  return `SELECT count() = 0 FROM ${LEDGER} WHERE step = ${stringLiteral(stepId)}`;
}

export function recordStatement(p: Pick<PlannedStep, 'migration' | 'step' | 'checksum'>, how: 'applied' | 'baseline'): string {
  return `INSERT INTO ${LEDGER} (step, migration, checksum, how) VALUES (${stringLiteral(p.step.id)}, ${stringLiteral(migrationSlug(p.migration))}, `
    + `${stringLiteral(p.checksum)}, ${stringLiteral(how)})`;
}

/**
 * 1 on a node that holds none of the region's objects and has recorded nothing: a fresh node,
 * which creates the current schema itself, so every step is recorded as its baseline.
 */
export function freshNodeCondition(database: string): string {
  return `SELECT (SELECT count() FROM system.tables WHERE database = ${stringLiteral(database)}) = 0 AND (SELECT count() FROM ${LEDGER}) = 0`;
}

/**
 * The baseline insert of a role's steps (none when the role has no steps), or of the steps `only`
 * keeps (the boot path leaves roles and grants to the Job).
 */
export function baselineStatement(migrations: readonly LockedMigration[], role: string,
  only: (step: MigrationStep) => boolean = () => true): string | undefined {
  const rows = runOrder(migrations, [{ host: '', role, required: false }]).filter((p) => only(p.step)).map((p) =>
    `(${stringLiteral(p.step.id)}, ${stringLiteral(migrationSlug(p.migration))}, ${stringLiteral(p.checksum)}, 'baseline')`);
  return rows.length === 0 ? undefined : `INSERT INTO ${LEDGER} (step, migration, checksum, how) VALUES ${rows.join(', ')}`;
}

/** A `startup_scripts` entry. */
export interface BootScript {
  readonly query: string;
  readonly condition?: string;
}

/** Whether a step may run at boot: roles and grants are left to the Job, like the boot schema leaves them to `sql/<role>/`. */
export function runsAtBoot(step: Pick<MigrationStep, 'sql'>): boolean {
  // A failing GRANT under throw_on_error would stop a pod that must consume, and consuming needs no role.
  return !isAccessRoleStatement(step.sql);
}

/**
 * The scripts an ingestion pod runs at every boot before its `CREATE ... IF NOT EXISTS` schema:
 * the ledger, the baseline of a fresh disk, then each pending step followed by its record. With
 * `throw_on_error` on (ingestion roles), a failing step stops the server: the pod restarts and
 * resumes at that step. Role and grant steps are neither run nor recorded at boot: they stay
 * pending for the Job after the rollout. Nothing for a role without other steps.
 */
export function bootScripts(migrations: readonly LockedMigration[], role: string, database: string): BootScript[] {
  const baseline = baselineStatement(migrations, role, runsAtBoot);
  if (baseline === undefined) return [];
  const scripts: BootScript[] = [...LEDGER_STATEMENTS.map((query) => ({ query })), { query: baseline, condition: freshNodeCondition(database) }];
  for (const p of runOrder(migrations, [{ host: '', role, required: false }]).filter((x) => runsAtBoot(x.step))) {
    scripts.push({ query: p.step.sql, condition: pendingCondition(p.step.id) });
    scripts.push({ query: recordStatement(p, 'applied'), condition: pendingCondition(p.step.id) });
  }
  return scripts;
}

/** Sends one statement to one target and returns its output (TSV); rejects with ClickHouse's message. */
export type RunnerExecutor = (target: RunnerTarget, sql: string) => Promise<string>;

/** A run stopped: what failed, where, and what was applied before it. */
export class MigrationRunError extends Error {
  constructor(message: string, public readonly applied: readonly string[]) {
    super(message);
    this.name = 'MigrationRunError';
  }
}

export interface RunReport {
  /** `host step` of every step applied by this run. */
  readonly applied: readonly string[];
  /** Steps already recorded on their node. */
  readonly skipped: number;
  /** Nodes recorded as baseline (fresh). */
  readonly baselined: readonly string[];
  /** New nodes that could not be reached (they migrate at boot). */
  readonly unreachable: readonly string[];
}

/**
 * Applies every pending step on every target, in `runOrder`. Checks every target first and starts
 * nothing if a required one is unreachable; stops at the first failing step with a message naming
 * the migration, step, object and host (steps before it stay recorded: a re-run resumes there);
 * refuses a recorded step whose SQL changed.
 */
export async function applyMigrations(migrations: readonly LockedMigration[], targets: readonly RunnerTarget[], database: string,
  exec: RunnerExecutor, phases: readonly MigrationPhase[] = PHASE_ORDER): Promise<RunReport> {
  const reachable: RunnerTarget[] = [];
  const unreachable: string[] = [];
  const down: string[] = [];
  for (const t of targets) {
    try {
      await exec(t, 'SELECT 1');
      reachable.push(t);
    } catch (e) {
      if (t.required) down.push(`${t.host} (${t.role}): ${firstLine(e)}`);
      else unreachable.push(t.host);
    }
  }
  if (down.length > 0) {
    throw new MigrationRunError(`schema migrations not started: ${down.length} node(s) that ran before this deploy cannot be reached:\n  `
      + down.join('\n  '), []);
  }
  const applied: string[] = [];
  const baselined: string[] = [];
  const recorded = new Map<string, Map<string, string>>();
  for (const t of reachable) {
    for (const sql of LEDGER_STATEMENTS) await exec(t, sql);
    if ((await exec(t, freshNodeCondition(database))).trim() === '1') {
      const baseline = baselineStatement(migrations, t.role);
      if (baseline !== undefined) await exec(t, baseline);
      baselined.push(t.host);
    }
    const rows = (await exec(t, `SELECT step, checksum FROM ${LEDGER} ORDER BY step`)).split('\n').filter((l) => l !== '');
    recorded.set(t.host, new Map(rows.map((r) => r.split('\t') as [string, string])));
  }
  let skipped = 0;
  for (const p of runOrder(migrations, reachable, phases)) {
    const done = recorded.get(p.target.host)!.get(p.step.id);
    const where = `migration ${migrationSlug(p.migration)} step ${p.step.id} (${p.step.does} on ${p.step.object}, phase ${p.step.phase})`;
    if (done !== undefined) {
      if (done !== p.checksum) {
        throw new MigrationRunError(`${where} on ${p.target.host} was applied with other SQL (checksum ${done}, now ${p.checksum}): `
          + 'a recorded migration was edited. Restore the lock\'s migration, and put the change in a new one', applied);
      }
      skipped++;
      continue;
    }
    try {
      await exec(p.target, p.step.sql);
      await exec(p.target, recordStatement(p, 'applied'));
    } catch (e) {
      throw new MigrationRunError(`${where} failed on ${p.target.host} (${p.target.role}): ${firstLine(e)}. `
        + `${applied.length} step(s) applied before it stay recorded; fix the cause and re-run: the runner resumes at this step`, applied);
    }
    applied.push(`${p.target.host} ${p.step.id}`);
  }
  return { applied, skipped, baselined, unreachable };
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).replace(/\s*Stack trace.*$/, '').trim();
}

/** Quotes a word for sh (single quotes). */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Job's script: the same checks and order as `applyMigrations`, with clickhouse-client. Each
 * statement is passed on stdin through a quoted here-document, so the shell expands nothing in it.
 * Credentials come from the environment (`CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`).
 */
export function renderRunnerScript(migrations: readonly LockedMigration[], targets: readonly RunnerTarget[], database: string,
  phases: readonly MigrationPhase[] = PHASE_ORDER): string {
  const order = runOrder(migrations, targets, phases);
  const lines = [
    '#!/bin/sh',
    '# Applies the region\'s schema migrations (rendered by cdktf-clickhouse-ingest; see docs/schema.md).',
    `# Phases: ${PHASE_ORDER.filter((p) => phases.includes(p)).join(', ')}.`,
    'set -eu',
    'ch() { clickhouse-client --host "$1" --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --format TSV; }',
    'fail() { echo "schema migrations: $*" >&2; exit 1; }',
    'REACHABLE=" "',
    '# 1. Every node that ran before this deploy must answer, or nothing starts.',
    'check() { # host required; a required node gets 5 minutes (a pod may be restarting)',
    '  tries=0',
    '  until echo "SELECT 1" | ch "$1" >/dev/null 2>&1; do',
    '    tries=$((tries + 1))',
    '    if [ "$2" != required ]; then echo "skipping new node $1 (unreachable; it applies its migrations at boot)"; return 0; fi',
    '    [ "$tries" -lt 30 ] || fail "not started: $1 ran before this deploy and cannot be reached"',
    '    sleep 10',
    '  done',
    '  REACHABLE="$REACHABLE$1 "',
    '}',
    'reachable() { case "$REACHABLE" in *" $1 "*) return 0;; *) return 1;; esac; }',
    ...targets.map((t) => `check ${sh(t.host)} ${t.required ? 'required' : 'new'}`),
    '# 2. The ledger on every node; a fresh node records every step of its role as its baseline.',
    'ledger() { # host role',
    '  reachable "$1" || return 0',
    ...LEDGER_STATEMENTS.map((s) => `  echo ${sh(s)} | ch "$1"`),
    `  if [ "$(echo ${sh(freshNodeCondition(database))} | ch "$1")" = 1 ]; then baseline_"$2" "$1"; echo "$1: fresh node, baseline recorded"; fi`,
    '}',
  ];
  const roles = [...new Set(targets.map((t) => t.role))];
  for (const role of roles) {
    const baseline = baselineStatement(migrations, role);
    lines.push(`baseline_${role.replace(/[^A-Za-z0-9_]/g, '_')}() {`, baseline === undefined ? '  :' : `  ch "$1" <<'SQL'\n${baseline}\nSQL`, '}');
  }
  lines.push(...targets.map((t) => `ledger ${sh(t.host)} ${t.role.replace(/[^A-Za-z0-9_]/g, '_')}`));
  lines.push(
    '# 3. Every pending step, in order; a recorded step is skipped, one recorded with other SQL stops the run.',
    'step() { # host step checksum migration what; the statement on stdin',
    '  reachable "$1" || { cat >/dev/null; return 0; }',
    '  sql=$(cat)',
    `  done=$(echo "SELECT checksum FROM ${LEDGER} WHERE step = '$2'" | ch "$1")`,
    '  if [ -n "$done" ]; then',
    '    [ "$done" = "$3" ] || fail "migration $4 step $2 on $1 was applied with other SQL (checksum $done, now $3)"',
    '    return 0',
    '  fi',
    '  echo "$1: migration $4 step $2: $5"',
    '  printf \'%s\\n\' "$sql" | ch "$1" || fail "migration $4 step $2 ($5) failed on $1; the steps before it stay recorded and a re-run resumes here"',
    `  echo "INSERT INTO ${LEDGER} (step, migration, checksum, how) VALUES ('$2', '$4', '$3', 'applied')" | ch "$1"`,
    '}',
  );
  for (const p of order) {
    lines.push(`step ${sh(p.target.host)} ${sh(p.step.id)} ${sh(p.checksum)} ${sh(migrationSlug(p.migration))} ${sh(`${p.step.does} on ${p.step.object}`)} <<'SQL'`);
    lines.push(p.step.sql, 'SQL');
  }
  lines.push(`echo "schema migrations: ${order.length} step(s) checked on ${targets.length} node(s)"`, '');
  return lines.join('\n');
}
