/**
 * The access step of every deploy: on every node, its role's access statements (CREATE ROLE IF
 * NOT EXISTS, GRANT) and the client users that belong there (lib/clickhouse/access-users.ts), as
 * a POSIX sh script for clickhouse-client. Unlike the migration steps, nothing here is recorded in
 * a ledger: every statement is idempotent and states the current spec, so the script runs whole
 * on every run (the deploy Job and the reconcile CronJob). Pure.
 */
import { AccessUser, accessUsers, accessUserStatements, PASSWORD_PLACEHOLDER } from '../clickhouse/access-users';
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { schemaRoles, statementsForRole } from '../schema/placement';
import { SchemaObjectKind, Statement } from '../schema/statements';

/** One node the access step reaches. */
export interface AccessTarget {
  /** A storage host's FQDN or an ingestion pod's Service name. */
  readonly host: string;
  readonly role: string;
}

/** What the access step applies: on which nodes, each role's statements in order, and the users. */
export interface AccessPlan {
  readonly targets: readonly AccessTarget[];
  /** Each node role's CREATE ROLE and GRANT statements (id and SQL), in run order (roles before grants). */
  readonly statementsByRole: Readonly<Record<string, readonly Pick<Statement, 'id' | 'sql'>[]>>;
  readonly users: readonly AccessUser[];
}

/**
 * The plan of a topology: every storage host and every pod of a role with statements (a tier
 * with its consumers off has none, hence no access roles and no users), each role's access
 * statements from the placement (the same ones as `sql/<role>/`), and the users of those roles.
 */
export function accessPlan(topology: Topology): AccessPlan {
  const statementsByRole: Record<string, Pick<Statement, 'id' | 'sql'>[]> = {};
  for (const role of schemaRoles(topology)) {
    const statements = statementsForRole(topology, role).filter((s) => s.kind === SchemaObjectKind.ACCESS_ROLE).map((s) => ({ id: s.id, sql: s.sql }));
    if (statements.length > 0) statementsByRole[role.value] = statements;
  }
  const targets: AccessTarget[] = [];
  if (statementsByRole[NodeRole.DATA.value] !== undefined) targets.push(...topology.storage.hosts.map((h) => ({ host: h.fqdn, role: NodeRole.DATA.value })));
  for (const tier of topology.ingestionTiers) {
    if (statementsByRole[tier.role.value] !== undefined) targets.push(...tier.hosts.map((h) => ({ host: h.fqdn, role: tier.role.value })));
  }
  return { targets, statementsByRole, users: accessUsers(topology, Object.keys(statementsByRole)) };
}

/** Quotes a word for sh (single quotes). */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function shellName(role: string): string {
  return role.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Seconds between two tries of a node that does not answer. */
export const ACCESS_RETRY_SECONDS = 10;

/**
 * The script. `apply-access.sh TRIES UNREACHABLE [STATEMENT_TRIES]`: each node gets TRIES tries
 * `ACCESS_RETRY_SECONDS` apart; one that never answers fails the run (`fail`: the deploy Job, where
 * every node must end up with its users) or is skipped until the next run (`skip`: the reconcile
 * CronJob). A failing statement is tried STATEMENT_TRIES times (default 1) before the run fails:
 * the deploy Job waits out a storage host that has not yet read a changed migrator user. Statements reach
 * clickhouse-client on stdin through quoted here-documents (the shell expands nothing in them); a
 * password is the only value the shell fills in, from the user's environment variable, quoted as a
 * SQL string (backslash and quote escaped) and never echoed. Credentials of the migrator come from
 * `CLICKHOUSE_USER` and `CLICKHOUSE_PASSWORD`.
 */
export function renderAccessScript(plan: AccessPlan): string {
  const lines = [
    '#!/bin/sh',
    '# Applies the region\'s access roles, grants and client users on every node (rendered by cdktf-clickhouse-ingest; see docs/schema.md).',
    '# Usage: apply-access.sh TRIES fail|skip [STATEMENT_TRIES]. Every statement is idempotent: the whole script runs on every run.',
    'set -eu',
    'TRIES="${1:-120}"',
    'UNREACHABLE="${2:-fail}"',
    '# A storage host reads a changed migrator user within its config refresh (5 minutes): a statement may be retried until then.',
    'STATEMENT_TRIES="${3:-1}"',
    `RETRY_SECONDS="\${ACCESS_RETRY_SECONDS:-${ACCESS_RETRY_SECONDS}}"`,
    'ch() { clickhouse-client --host "$1" --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --format TSV; }',
    'fail() { echo "access: $*" >&2; exit 1; }',
    '# A SQL string literal of $1: backslashes and quotes escaped.',
    String.raw`sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }`,
    // An unset or empty password stops the run before any node is changed.
    ...plan.users.map((u) => `[ -n "\${${u.passwordEnv}-}" ] || fail ${sh(`${u.passwordEnv} is not set: the password of ${u.name} (Secret ${u.secretName}, key password)`)}`),
    'SKIPPED=0',
    'up() { # host: 0 once it answers; after TRIES tries fails the run, or skips the node',
    '  tries=0',
    '  until echo "SELECT 1" | ch "$1" >/dev/null 2>&1; do',
    '    tries=$((tries + 1))',
    '    if [ "$tries" -ge "$TRIES" ]; then',
    '      [ "$UNREACHABLE" = skip ] || fail "$1 did not answer after $TRIES tries; nothing was changed on it"',
    '      echo "skipping $1 (not answering); the next run applies its access"',
    '      SKIPPED=$((SKIPPED + 1))',
    '      return 1',
    '    fi',
    '    sleep "$RETRY_SECONDS"',
    '  done',
    '}',
    'run() { # host what; the statement on stdin, retried STATEMENT_TRIES times',
    '  sql=$(cat); n=0',
    '  until printf \'%s\\n\' "$sql" | ch "$1" >/dev/null; do',
    '    n=$((n + 1))',
    '    [ "$n" -lt "$STATEMENT_TRIES" ] || fail "$2 failed on $1 (tried $n times)"',
    '    sleep "$RETRY_SECONDS"',
    '  done',
    '}',
  ];
  const roles = Object.keys(plan.statementsByRole);
  for (const role of roles) {
    lines.push(`access_${shellName(role)}() { # host`);
    for (const s of plan.statementsByRole[role]) lines.push(`  run "$1" ${sh(s.id)} <<'SQL'`, s.sql, 'SQL');
    for (const user of plan.users.filter((u) => u.nodeRoles.includes(role))) {
      for (const sql of accessUserStatements(user)) {
        const parts = sql.split(PASSWORD_PLACEHOLDER);
        // `CREATE USER of posthog_writer_user`: the statement's verb, never its text (it holds the password).
        const what = sh(`${sql.split(' ').slice(0, 2).join(' ')} of ${user.name}`);
        if (parts.length === 1) lines.push(`  run "$1" ${what} <<'SQL'`, sql, 'SQL');
        else if (parts.length === 2) lines.push(`  printf '%s%s%s\\n' ${sh(parts[0])} "$(sql_string "$${user.passwordEnv}")" ${sh(parts[1])} | run "$1" ${what}`);
        else throw new Error(`one password per statement: ${user.name}`);
      }
    }
    lines.push('}');
  }
  for (const t of plan.targets) {
    lines.push(`if up ${sh(t.host)}; then access_${shellName(t.role)} ${sh(t.host)}; echo ${sh(`${t.host}: access of role ${t.role} applied`)}; fi`);
  }
  lines.push(`echo "access: ${plan.targets.length} node(s), $SKIPPED skipped"`, '');
  return lines.join('\n');
}
