/**
 * The access step of every deploy: on every node, its role's access statements (CREATE ROLE IF
 * NOT EXISTS, GRANT) and the client users that belong there (lib/clickhouse/access-users.ts), as
 * a POSIX sh script for clickhouse-client. Unlike the migration steps, nothing here is recorded in
 * a ledger: every statement is idempotent and states the current spec, so the script runs whole
 * on every run (the deploy Job and the reconcile CronJob). Pure.
 */
import {
  AccessUser, accessUserNames, accessUsers, accessUserStatements, ClickHouseExtraUser, ExtraAccessUser, extraAccessUser, extraUserPasswordEnv,
  extraUserStatements, PASSWORD_PLACEHOLDER,
} from '../clickhouse/access-users';
import { MIGRATOR_USER } from '../clickhouse/migrator-user';
import { Problems } from '../model/validation';
import { accessRoleNames } from '../schema/access-roles';
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
  /** Users of the region's own (`extraUsers`), in the order given. */
  readonly extraUsers: readonly ExtraAccessUser[];
}

/**
 * The plan of a topology: every storage host and every pod of a role with statements (a tier
 * with its consumers off has none, hence no access roles and no users), each role's access
 * statements from the placement (the same ones as `sql/<role>/`), and the users of those roles.
 */
export function accessPlan(topology: Topology, extraUsers: readonly ClickHouseExtraUser[] = []): AccessPlan {
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
  return {
    targets, statementsByRole, users: accessUsers(topology, Object.keys(statementsByRole)),
    extraUsers: extraUsers.map((u) => extraAccessUser(topology, u)),
  };
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const SECRET_ARN = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|\$\{[^}'"\\\n]+\})$/;
const PRIVILEGE = /^[A-Z][A-Z ]*[A-Z]$/;
/** Privileges that manage access: an extra user never gets to make users, roles or grants. */
const ACCESS_MANAGEMENT = /USER|ROLE|GRANT|QUOTA|PROFILE|POLICY|ACCESS|ALL|ADMIN/;
const TABLE_NAME = /^([A-Za-z_][A-Za-z0-9_]*|\*)$/;

/** An IPv4 CIDR inside 10/8, 172.16/12, 192.168/16 or 100.64/10, or loopback. */
function isPrivateNetwork(network: string): boolean {
  if (network === '127.0.0.1' || network === '::1' || network === 'fc00::/7') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(network);
  if (m === null) return false;
  const [a, b, c, d, bits] = m.slice(1).map(Number);
  if ([a, b, c, d].some((x) => x > 255) || bits > 32) return false;
  return (a === 10 && bits >= 8) || (a === 172 && b >= 16 && b <= 31 && bits >= 12) || (a === 192 && b === 168 && bits >= 16)
    || (a === 100 && b >= 64 && b <= 127 && bits >= 10);
}

/**
 * Every problem of the extra users, by field (`extraUsers[0].name`): names (identifiers, distinct,
 * none of the library's users or roles), the password's secret ARN, clusters of the region,
 * library roles that exist on each of the user's clusters, grantable privileges, private networks.
 */
export function checkExtraUsers(problems: Problems, topology: Topology, users: readonly ClickHouseExtraUser[] | undefined): void {
  if (users === undefined) return;
  if (!problems.check(Array.isArray(users), 'extraUsers', users, 'a list of users')) return;
  const plan = accessPlan(topology);
  const libraryUsers = Object.values(accessUserNames(topology));
  const roleNames = accessRoleNames(topology);
  const reserved = new Set([...libraryUsers, ...Object.values(roleNames), MIGRATOR_USER, 'default']);
  // The roles each node role creates (`CREATE ROLE IF NOT EXISTS <name>`).
  const rolesOn = (nodeRole: string): string[] => (plan.statementsByRole[nodeRole] ?? [])
    .map((st) => /^CREATE ROLE IF NOT EXISTS (\S+)$/.exec(st.sql)?.[1]).filter((r): r is string => r !== undefined);
  const clusters = Object.keys(plan.statementsByRole);
  const grantable = [roleNames.reader, roleNames.ingestionWriter];
  const seen = new Set<string>();
  users.forEach((u, i) => {
    const f = `extraUsers[${i}]`;
    if (!problems.check(u !== null && typeof u === 'object', f, u, 'a user: { name, passwordSecretArn, clusters?, roles?, grants?, networks? }')) return;
    if (problems.check(typeof u.name === 'string' && USER_NAME.test(u.name), `${f}.name`, u.name, 'a user name: letters, digits and _, at most 64, not starting with a digit')) {
      problems.check(!reserved.has(u.name), `${f}.name`, u.name, `a name of your own: ${[...reserved].join(', ')} are the library's users and roles`);
      problems.check(!seen.has(extraUserPasswordEnv(u.name)), `${f}.name`, u.name, 'a name no other extra user has (also ignoring case)');
      seen.add(extraUserPasswordEnv(u.name));
    }
    problems.check(typeof u.passwordSecretArn === 'string' && SECRET_ARN.test(u.passwordSecretArn), `${f}.passwordSecretArn`, u.passwordSecretArn,
      'a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>) holding the password: never the password itself');
    if (u.passwordJsonKey !== undefined) {
      problems.check(typeof u.passwordJsonKey === 'string' && /^[A-Za-z0-9_.-]{1,128}$/.test(u.passwordJsonKey), `${f}.passwordJsonKey`, u.passwordJsonKey, 'a JSON key such as password');
    }
    const own = Array.isArray(u.clusters) ? u.clusters : u.clusters === undefined ? [NodeRole.DATA.value] : [];
    problems.check(u.clusters === undefined || (Array.isArray(u.clusters) && u.clusters.length > 0), `${f}.clusters`, u.clusters, 'at least one cluster');
    own.forEach((c, j) => problems.check(clusters.includes(c), `${f}.clusters[${j}]`, c,
      `a cluster whose nodes the access Job reaches (${clusters.join(', ')}; data is the storage cluster)`));
    const roles = Array.isArray(u.roles) ? u.roles : [];
    problems.check(u.roles === undefined || Array.isArray(u.roles), `${f}.roles`, u.roles, 'a list of role names');
    roles.forEach((r, j) => {
      if (!problems.check(grantable.includes(r), `${f}.roles[${j}]`, r, `one of the library's client roles (${grantable.join(', ')}); other privileges go in grants`)) return;
      const missing = own.filter((c) => clusters.includes(c) && !rolesOn(c).includes(r));
      problems.check(missing.length === 0, `${f}.roles[${j}]`, r, `a role that exists on every cluster of the user (not on ${missing.join(', ')})`);
    });
    const grants = Array.isArray(u.grants) ? u.grants : [];
    problems.check(u.grants === undefined || Array.isArray(u.grants), `${f}.grants`, u.grants, 'a list of { privileges, database?, table? }');
    grants.forEach((g, j) => {
      const privileges: readonly unknown[] = Array.isArray(g?.privileges) ? g.privileges : [];
      problems.check(privileges.length > 0, `${f}.grants[${j}].privileges`, g?.privileges, 'at least one privilege');
      privileges.forEach((p) => problems.check(typeof p === 'string' && PRIVILEGE.test(p) && !ACCESS_MANAGEMENT.test(p), `${f}.grants[${j}].privileges`, p,
        'a privilege such as SELECT, INSERT or SHOW TABLES (none that manages access: users, roles, grants, quotas, profiles, policies, ALL)'));
      if (g?.database !== undefined) problems.check(typeof g.database === 'string' && USER_NAME.test(g.database), `${f}.grants[${j}].database`, g.database, 'a database name');
      if (g?.table !== undefined) problems.check(typeof g.table === 'string' && TABLE_NAME.test(g.table), `${f}.grants[${j}].table`, g.table, "a table name or '*'");
    });
    if (u.networks !== undefined) {
      if (problems.check(Array.isArray(u.networks) && u.networks.length > 0, `${f}.networks`, u.networks, 'at least one network')) {
        u.networks.forEach((n, j) => problems.check(typeof n === 'string' && isPrivateNetwork(n), `${f}.networks[${j}]`, n,
          'an IPv4 CIDR inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10, fc00::/7, 127.0.0.1 or ::1 (never a public range)'));
      }
    }
  });
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
    ...(plan.extraUsers ?? []).map((u) => `[ -n "\${${u.passwordEnv}-}" ] || fail ${sh(`${u.passwordEnv} is not set: the password of ${u.name} (Secret ${u.secretName}, key ${u.name})`)}`),
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
    const users = [
      ...plan.users.map((u) => ({ ...u, statements: accessUserStatements(u) })),
      ...(plan.extraUsers ?? []).map((u) => ({ ...u, statements: extraUserStatements(u) })),
    ];
    for (const user of users.filter((u) => u.nodeRoles.includes(role))) {
      for (const sql of user.statements) {
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
