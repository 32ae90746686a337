/**
 * The access step (lib/migrations/access-runner.ts) and the client users
 * (lib/clickhouse/access-users.ts). chdb has no writable access storage, so it cannot run CREATE
 * ROLE or CREATE USER; the project's stand-ins check the replaced parts instead:
 * - every statement parses in ClickHouse (`formatQuerySingleLine`);
 * - what each role may do is read back from ClickHouse itself: each role's GRANT statements, minus
 *   the grantee, become the `<grants>` of a users.xml stand-in user that chdb loads, and
 *   `system.grants` shows the privileges ClickHouse derives from them (the writer cannot SELECT or
 *   run DDL, the reader cannot INSERT, nobody holds anything on another database);
 * - the script runs in sh with a stand-in clickhouse-client that records what each node is sent.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ACCESS_USER_NETWORKS, accessUsers, accessUserStatements, ClickHouseExtraUser, extraUserStatements, READER_PASSWORD_ENV, WRITER_PASSWORD_ENV,
} from '../../lib/clickhouse/access-users';
import { clickhouseXml } from '../../lib/clickhouse/xml';
import { accessPlan, checkExtraUsers, renderAccessScript } from '../../lib/migrations/access-runner';
import { accessRoleNames } from '../../lib/schema/access-roles';
import { statementsForRole } from '../../lib/schema/placement';
import { SchemaObjectKind } from '../../lib/schema/statements';
import { stringLiteral } from '../../lib/schema/sql';
import { TestEngine } from '../support/engine';
import { buildTopology, Problems } from '../../lib/model';
import { ISSUE_SPEC, issueTopology } from './support/topologies';

const topology = issueTopology();
const plan = accessPlan(topology);
const roles = accessRoleNames(topology);
const db = topology.database;

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

describe('access plan', () => {
  it('reaches every storage host and every pod, with its role\'s roles and grants from the placement', () => {
    expect(plan.targets.filter((t) => t.role === 'data').map((t) => t.host)).toEqual(topology.storage.hosts.map((h) => h.fqdn));
    for (const tier of topology.ingestionTiers) {
      expect(plan.targets.filter((t) => t.role === tier.role.value).map((t) => t.host)).toEqual(tier.hosts.map((h) => h.fqdn));
    }
    for (const [role, statements] of Object.entries(plan.statementsByRole)) {
      const placed = statementsForRole(topology, role).filter((s) => s.kind === SchemaObjectKind.ACCESS_ROLE);
      expect(statements).toEqual(placed.map((s) => ({ id: s.id, sql: s.sql })));
      // Roles first, then the grants that name them.
      const firstGrant = statements.findIndex((s) => s.sql.startsWith('GRANT'));
      expect(statements.slice(firstGrant).every((s) => s.sql.startsWith('GRANT'))).toBe(true);
      expect(statements.slice(0, firstGrant).every((s) => s.sql.startsWith('CREATE ROLE IF NOT EXISTS'))).toBe(true);
    }
  });

  it('puts the writer on every role with statements and the reader on DATA only', () => {
    const users = accessUsers(topology, Object.keys(plan.statementsByRole));
    expect(users.map((u) => [u.name, u.role, u.nodeRoles])).toEqual([
      [`${db}_writer_user`, roles.ingestionWriter, Object.keys(plan.statementsByRole)],
      [`${db}_reader_user`, roles.reader, ['data']],
    ]);
    expect(plan.users).toEqual(users);
    expect(Object.keys(plan.statementsByRole)).toEqual(expect.arrayContaining(['data', ...topology.ingestionTiers.map((t) => t.role.value)]));
  });

  it('leaves out a tier with its consumers off: no tables there, so no roles and no writer', () => {
    const off = accessPlan(buildTopology({ ...ISSUE_SPEC, consumers: 'off' }));
    expect(Object.keys(off.statementsByRole)).toEqual(['data']);
    expect(off.targets.every((t) => t.role === 'data')).toBe(true);
    expect(off.users.map((u) => [u.name, u.nodeRoles])).toEqual([[`${db}_writer_user`, ['data']], [`${db}_reader_user`, ['data']]]);
  });
});

describe('access statements in ClickHouse', () => {
  let engine: TestEngine;
  /** `GRANT … TO <role>` of every node role, by access role. */
  const grantsByRole = new Map<string, { nodeRole: string; sql: string }[]>();
  for (const [nodeRole, statements] of Object.entries(plan.statementsByRole)) {
    for (const s of statements.filter((x) => x.sql.startsWith('GRANT'))) {
      const grantee = /\sTO\s+(\S+)$/.exec(s.sql)![1];
      grantsByRole.set(grantee, [...(grantsByRole.get(grantee) ?? []), { nodeRole, sql: s.sql }]);
    }
  }
  /** A users.xml stand-in per access role and node role, holding the role's grants (minus the grantee). */
  const standIn = (role: string, nodeRole: string): string => `standin_${role}_${nodeRole}`;

  beforeAll(async () => {
    const users: Record<string, unknown> = {};
    for (const [role, grants] of grantsByRole) {
      for (const nodeRole of new Set(grants.map((g) => g.nodeRole))) {
        users[standIn(role, nodeRole)] = {
          password: 'stand-in', networks: { ip: '::1' },
          grants: { query: grants.filter((g) => g.nodeRole === nodeRole).map((g) => g.sql.replace(/\s+TO\s+\S+$/, '')) },
        };
      }
    }
    engine = await TestEngine.open([{ path: 'users.d/access_standins.xml', content: clickhouseXml({ users } as never) }]);
  });
  afterAll(async () => engine?.kill());

  it('parses every role, grant and user statement', async () => {
    const all = [
      ...Object.values(plan.statementsByRole).flat().map((s) => s.sql),
      ...plan.users.flatMap((u) => accessUserStatements(u, stringLiteral("it's a \\ test"))),
    ];
    for (const sql of all) {
      const formatted = await engine.value(`SELECT formatQuerySingleLine(${quote(sql)})`);
      expect(formatted.split(' ').slice(0, 2)).toEqual(sql.split(' ').slice(0, 2));
    }
  });

  async function grantsOf(user: string): Promise<{ access_type: string; database: string | null; table: string | null; grant_option: number }[]> {
    return engine.rows(`SELECT access_type, database, table, grant_option FROM system.grants WHERE user_name = '${user}' ORDER BY access_type, table`);
  }

  it('lets the writer INSERT into tables it may fill, and nothing else', async () => {
    for (const nodeRole of Object.keys(plan.statementsByRole)) {
      const grants = await grantsOf(standIn(roles.ingestionWriter, nodeRole));
      expect(grants.length).toBeGreaterThan(0);
      expect([...new Set(grants.map((g) => g.access_type))]).toEqual(['INSERT']);
      expect(grants.every((g) => g.database === db && g.table !== null && g.grant_option === 0)).toBe(true);
      const kinds = statementsForRole(topology, nodeRole).filter((s) => grants.some((g) => g.table === s.name) && s.kind !== SchemaObjectKind.ACCESS_ROLE).map((s) => s.kind);
      // Never a Kafka table (an insert would produce to the topic), a view or a read table.
      expect(kinds.every((k) => [SchemaObjectKind.DATA_TABLE, SchemaObjectKind.DEAD_LETTER_TABLE, SchemaObjectKind.WRITABLE_TABLE,
        SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE].includes(k))).toBe(true);
      expect(kinds).toHaveLength(grants.length);
    }
  });

  it('lets the reader SELECT the database on DATA, and nothing else', async () => {
    expect([...grantsByRole.get(roles.reader)!.map((g) => g.nodeRole)]).toEqual(['data']);
    expect(await grantsOf(standIn(roles.reader, 'data'))).toEqual([{ access_type: 'SELECT', database: db, table: null, grant_option: 0 }]);
  });

  it('lets the migrator role run DDL on the database only, and neither INSERT nor manage access', async () => {
    for (const nodeRole of Object.keys(plan.statementsByRole)) {
      const grants = await grantsOf(standIn(roles.migrator, nodeRole));
      expect(grants.every((g) => g.database === db && g.table === null)).toBe(true);
      const types = grants.map((g) => g.access_type);
      expect(types).toEqual(expect.arrayContaining(['CREATE TABLE', 'DROP TABLE', 'SELECT']));
      expect(types).not.toContain('INSERT');
      expect(types.some((t) => /USER|ROLE|GRANT/.test(t))).toBe(false);
      expect(types.includes('SYSTEM SYNC REPLICA')).toBe(nodeRole === 'data');
    }
  });

  it('gives each user its role by default role, without ADMIN OPTION, from the private networks', async () => {
    for (const user of plan.users) {
      const [create, grant, alter] = await Promise.all(accessUserStatements(user, stringLiteral('pw')).map((s) =>
        engine.value(`SELECT formatQuerySingleLine(${quote(s)})`)));
      // ClickHouse reads the loopback addresses as LOCAL; nothing public (no ANY, no ::/0).
      const hosts = "HOST LOCAL, IP '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'";
      expect(create).toBe(`CREATE USER IF NOT EXISTS ${user.name} IDENTIFIED WITH sha256_password BY 'pw' ${hosts}`);
      expect(grant).toBe(`GRANT ${user.role} TO ${user.name}`);
      expect(alter).toBe(`ALTER USER ${user.name} IDENTIFIED WITH sha256_password BY 'pw' ${hosts} DEFAULT ROLE ${user.role}`);
    }
  });
});

/**
 * A stand-in clickhouse-client in `<dir>/bin`: records each statement per host under $LOG; hosts
 * listed in $DOWN do not answer; hosts in $LAGGING refuse their first statement (a migrator user
 * not yet reloaded). Returns the bin folder for PATH.
 */
function standInClient(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'clickhouse-client'), [
    '#!/bin/sh',
    'while [ $# -gt 0 ]; do case "$1" in --host) host="$2"; shift 2;; *) shift;; esac; done',
    'case " ${DOWN:-} " in *" $host "*) echo "Connection refused" >&2; exit 210;; esac',
    'sql=$(cat)',
    '[ "$sql" = "SELECT 1" ] && { echo 1; exit 0; }',
    'case " ${LAGGING:-} " in *" $host "*) [ -e "$LOG/.lagged-$host" ] || { : > "$LOG/.lagged-$host"; echo "Not enough privileges" >&2; exit 241; };; esac',
    'printf \'%s\\n\' "$sql" >> "$LOG/$host"',
  ].join('\n'), { mode: 0o755 });
  return bin;
}

describe('access script', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-script-'));
  const script = path.join(dir, 'apply-access.sh');
  fs.writeFileSync(script, renderAccessScript(plan));
  const bin = standInClient(dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const writerPassword = "wr'it\\er $(x) `y`";
  function run(args: string[], down: string[] = [], lagging: string[] = []): { status: number; out: string; sent: Map<string, string[]> } {
    const log = fs.mkdtempSync(path.join(dir, 'log-'));
    let status = 0;
    let out: string;
    try {
      out = execFileSync('sh', [script, ...args], {
        env: { PATH: `${bin}:${process.env.PATH}`, LOG: log, DOWN: down.join(' '), LAGGING: lagging.join(' '), ACCESS_RETRY_SECONDS: '0', CLICKHOUSE_USER: 'clickhouse_migrator', CLICKHOUSE_PASSWORD: 'm',
          [WRITER_PASSWORD_ENV]: writerPassword, [READER_PASSWORD_ENV]: 'reader-pw' },
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      status = err.status;
      out = err.stdout + err.stderr;
    }
    const sent = new Map(fs.readdirSync(log).filter((h) => !h.startsWith('.')).map((h) => [h, fs.readFileSync(path.join(log, h), 'utf8').trimEnd().split('\n')]));
    return { status, out, sent };
  }

  it('sends each node its role\'s statements, then its users with the passwords quoted as SQL strings', () => {
    const { status, out, sent } = run(['1', 'fail']);
    expect(status).toBe(0);
    expect(out).toContain(`access: ${plan.targets.length} node(s), 0 skipped`);
    expect([...sent.keys()].sort()).toEqual(plan.targets.map((t) => t.host).sort());
    for (const target of plan.targets) {
      const users = plan.users.filter((u) => u.nodeRoles.includes(target.role));
      const password = (u: (typeof users)[number]): string => (u.passwordEnv === WRITER_PASSWORD_ENV ? writerPassword : 'reader-pw');
      expect(sent.get(target.host)).toEqual([
        ...plan.statementsByRole[target.role].map((s) => s.sql),
        ...users.flatMap((u) => accessUserStatements(u, stringLiteral(password(u)))),
      ]);
    }
    // No password in the log of the run.
    expect(out).not.toContain('reader-pw');
  });

  it('fails the deploy Job on a node that never answers, and skips it in the reconcile run', () => {
    const down = plan.targets[1].host;
    const deploy = run(['1', 'fail'], [down]);
    expect(deploy.status).not.toBe(0);
    expect(deploy.out).toContain(`access: ${down} did not answer after 1 tries`);
    // The nodes before it got their access; none after it.
    expect([...deploy.sent.keys()]).toEqual([plan.targets[0].host]);
    const reconcile = run(['1', 'skip'], [down]);
    expect(reconcile.status).toBe(0);
    expect(reconcile.out).toContain(`access: ${plan.targets.length} node(s), 1 skipped`);
    expect(reconcile.sent.has(down)).toBe(false);
    expect(reconcile.sent.size).toBe(plan.targets.length - 1);
  });

  it('retries a refused statement in the deploy Job, and fails after the last try', () => {
    const lagging = plan.targets[0].host;
    const retried = run(['1', 'fail', '2'], [], [lagging]);
    expect(retried.status).toBe(0);
    expect(retried.sent.get(lagging)).toEqual(run(['1', 'fail']).sent.get(lagging));
    const once = run(['1', 'fail', '1'], [], [lagging]);
    expect(once.status).not.toBe(0);
    expect(once.out).toContain(`access: ${plan.statementsByRole.data[0].id} failed on ${lagging} (tried 1 times)`);
  });

  it('refuses to run without a password rather than set an empty one', () => {
    const log = fs.mkdtempSync(path.join(dir, 'log-'));
    expect(() => execFileSync('sh', [script, '1', 'fail'], {
      env: { PATH: `${bin}:${process.env.PATH}`, LOG: log, DOWN: '', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p', [READER_PASSWORD_ENV]: 'r' },
      stdio: 'pipe',
    })).toThrow(new RegExp(WRITER_PASSWORD_ENV));
    expect(fs.readdirSync(log)).toEqual([]);
  });
});

describe('extra users', () => {
  const tier = topology.ingestionTiers[0].role.value;
  const extra: ClickHouseExtraUser[] = [
    { name: 'grafana', passwordSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:grafana-clickhouse-AbCdEf', roles: [roles.reader] },
    {
      name: 'loader', passwordSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:loader-AbCdEf', passwordJsonKey: 'password',
      clusters: ['data', tier], roles: [roles.ingestionWriter], grants: [{ privileges: ['SELECT', 'SHOW TABLES'], table: 'events' }],
      networks: ['10.20.0.0/16'],
    },
  ];
  const withExtra = accessPlan(topology, extra);

  it('are planned on their clusters with the defaults filled in: data, the region\'s database, the private networks', () => {
    expect(withExtra.extraUsers.map((u) => [u.name, u.nodeRoles, u.roles, u.grants, u.networks, u.passwordEnv])).toEqual([
      ['grafana', ['data'], [roles.reader], [], [...ACCESS_USER_NETWORKS], 'CLICKHOUSE_EXTRA_PASSWORD_GRAFANA'],
      ['loader', ['data', tier], [roles.ingestionWriter], [{ privileges: ['SELECT', 'SHOW TABLES'], database: db, table: 'events' }], ['10.20.0.0/16'],
        'CLICKHOUSE_EXTRA_PASSWORD_LOADER'],
    ]);
    // The library's users are unchanged.
    expect(withExtra.users).toEqual(plan.users);
  });

  it('bad users: one error naming every problem, by field', () => {
    const problems = new Problems();
    checkExtraUsers(problems, topology, [
      { name: `${db}_reader_user`, passwordSecretArn: 'hunter2' },
      { name: '1st user', passwordSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x', clusters: ['nowhere'] },
      { name: 'ok', passwordSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x', clusters: [tier], roles: [roles.reader, roles.migrator] },
      { name: 'OK', passwordSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x', grants: [{ privileges: ['CREATE USER'] }, { privileges: [], table: 'a;b' }],
        networks: ['0.0.0.0/0', '8.8.8.0/24'] },
    ]);
    expect(problems.all.map((p) => p.field)).toEqual([
      'extraUsers[0].name', 'extraUsers[0].passwordSecretArn',
      'extraUsers[1].name', 'extraUsers[1].clusters[0]',
      'extraUsers[2].roles[0]', 'extraUsers[2].roles[1]',
      'extraUsers[3].name', 'extraUsers[3].grants[0].privileges', 'extraUsers[3].grants[1].privileges', 'extraUsers[3].grants[1].table',
      'extraUsers[3].networks[0]', 'extraUsers[3].networks[1]',
    ]);
    const text = problems.all.map((p) => `${p.field}: ${p.expected}`).join('\n');
    expect(text).toContain('the library\'s users and roles');
    expect(text).toContain('never the password itself');
    expect(text).toContain(`a role that exists on every cluster of the user (not on ${tier})`);
    expect(text).toContain('none that manages access');
    const ok = new Problems();
    checkExtraUsers(ok, topology, extra);
    expect(ok.all).toEqual([]);
  });

  it('their statements parse in ClickHouse, with their roles as default roles and their own privileges', async () => {
    for (const user of withExtra.extraUsers) {
      const formatted = await Promise.all(extraUserStatements(user, stringLiteral('pw')).map((s) => engine.value(`SELECT formatQuerySingleLine(${quote(s)})`)));
      expect(formatted[0]).toMatch(new RegExp(`^CREATE USER IF NOT EXISTS ${user.name} IDENTIFIED WITH sha256_password BY 'pw' HOST `));
      expect(formatted.at(-1)).toMatch(new RegExp(`^ALTER USER ${user.name} IDENTIFIED WITH sha256_password BY 'pw' HOST .* DEFAULT ROLE ${user.roles.join(', ')}$`));
    }
    const loader = extraUserStatements(withExtra.extraUsers[1], stringLiteral('pw'));
    expect(await engine.value(`SELECT formatQuerySingleLine(${quote(loader[2])})`)).toBe(`GRANT SELECT, SHOW TABLES ON ${db}.events TO loader`);
    expect(await engine.value(`SELECT formatQuerySingleLine(${quote(loader[0])})`)).toContain("HOST IP '10.20.0.0/16'");
  });

  let engine: TestEngine;
  beforeAll(async () => {
    engine = await TestEngine.open([]);
  });
  afterAll(async () => engine?.kill());

  it('the script creates them on their clusters\' nodes only, with the passwords from the Job\'s environment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-extra-'));
    try {
      const script = path.join(dir, 'apply-access.sh');
      fs.writeFileSync(script, renderAccessScript(withExtra));
      const bin = standInClient(dir);
      const log = path.join(dir, 'log');
      fs.mkdirSync(log);
      const env = {
        PATH: `${bin}:${process.env.PATH}`, LOG: log, ACCESS_RETRY_SECONDS: '0', CLICKHOUSE_USER: 'clickhouse_migrator', CLICKHOUSE_PASSWORD: 'm',
        [WRITER_PASSWORD_ENV]: 'w', [READER_PASSWORD_ENV]: 'r', CLICKHOUSE_EXTRA_PASSWORD_GRAFANA: "gr'af", CLICKHOUSE_EXTRA_PASSWORD_LOADER: 'lo\\ad',
      };
      const out = execFileSync('sh', [script, '1', 'fail'], { env, encoding: 'utf8' });
      expect(out).not.toContain("gr'af");
      const sentTo = (host: string): string[] => fs.readFileSync(path.join(log, host), 'utf8').trimEnd().split('\n');
      for (const target of withExtra.targets) {
        const mine = withExtra.extraUsers.filter((u) => u.nodeRoles.includes(target.role));
        const password = (name: string): string => (name === 'grafana' ? "gr'af" : 'lo\\ad');
        const sent = sentTo(target.host);
        expect(sent.slice(sent.length - mine.flatMap((u) => extraUserStatements(u)).length))
          .toEqual(mine.flatMap((u) => extraUserStatements(u, stringLiteral(password(u.name)))));
      }
      // A missing password stops the run before any node is changed.
      const noPassword = { ...env, CLICKHOUSE_EXTRA_PASSWORD_LOADER: '' };
      fs.rmSync(log, { recursive: true });
      fs.mkdirSync(log);
      expect(() => execFileSync('sh', [script, '1', 'fail'], { env: noPassword, stdio: 'pipe' })).toThrow(/CLICKHOUSE_EXTRA_PASSWORD_LOADER is not set: the password of loader \(Secret clickhouse-extra-users, key loader\)/);
      expect(fs.readdirSync(log)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
