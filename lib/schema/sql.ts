/**
 * The one place where ClickHouse DDL text is assembled. Every identifier, string literal and
 * expression passes through here, so quoting and validation happen once. No maintained SQL
 * builder covers ClickHouse DDL (engines, SETTINGS, materialized views TO a table), hence this
 * small module.
 */
import { isSafeSqlFragment } from '../model/streams';
import { QUOTED_KEYWORDS } from '../model/sql-text';

/** An identifier that needs no quoting: ClickHouse's bare-word shape. */
const BARE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Thrown when a caller hands the builder text it must not emit; the model validates first, so this is a bug guard. */
export class UnsafeSqlError extends Error {
  constructor(what: string, value: unknown) {
    super(`Refusing to render ${what}: ${JSON.stringify(value)}`);
    this.name = 'UnsafeSqlError';
  }
}

/** A piece of SQL that has been quoted or validated (a branded string, so raw text cannot slip in). */
export type Sql = string & { readonly __sql: true };

function sql(text: string): Sql {
  return text as Sql;
}

export { QUOTED_KEYWORDS };

/** `groups` stays bare; keywords and anything else are back-quoted with escapes. */
export function identifier(name: string): Sql {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) throw new UnsafeSqlError('identifier', name);
  if (BARE_IDENTIFIER.test(name) && !QUOTED_KEYWORDS.has(name.toLowerCase())) return sql(name);
  return sql('`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`');
}

/** `posthog.groups`. */
export function qualified(database: string, name: string): Sql {
  return sql(`${identifier(database)}.${identifier(name)}`);
}

/** `'it''s'` style literal, escaped the way ClickHouse reads it. */
export function stringLiteral(value: string): Sql {
  if (typeof value !== 'string' || value.includes('\0')) throw new UnsafeSqlError('string literal', value);
  return sql("'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'");
}

/** A type or expression written by the user, accepted only if it cannot end the statement or open a comment. */
export function fragment(text: string): Sql {
  if (!isSafeSqlFragment(text)) throw new UnsafeSqlError('expression', text);
  return sql(text.trim());
}

/** An engine or setting argument: a number, a literal, or already-built SQL. */
export type SqlValue = number | Sql;

function value(v: SqlValue): Sql {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UnsafeSqlError('number', v);
    return sql(String(v));
  }
  return v;
}

/** `Name(arg, ...)`; named arguments render as `key = value` (the Kafka engine's form). */
export function call(name: string, args: readonly SqlValue[] = [], named: readonly (readonly [string, SqlValue])[] = []): Sql {
  const parts = [...args.map(value), ...named.map(([k, v]) => `${identifier(k)} = ${value(v)}`)];
  return sql(`${identifier(name)}(${parts.join(', ')})`);
}

export interface ColumnDefinition {
  readonly name: string;
  /** Validated ClickHouse type. */
  readonly type: Sql;
}

export interface CreateTableOptions {
  readonly database: string;
  readonly name: string;
  readonly columns: readonly ColumnDefinition[];
  /** Engine call, e.g. `call('Distributed', [...])`. */
  readonly engine: Sql;
  /** @default none */
  readonly partitionBy?: Sql;
  /** @default none (only MergeTree engines take ORDER BY) */
  readonly orderBy?: readonly Sql[];
  /** TTL expressions (`_timestamp + INTERVAL 7 DAY TO VOLUME 'warm'`, ...). @default none */
  readonly ttl?: readonly Sql[];
  /** @default none */
  readonly settings?: readonly (readonly [string, SqlValue])[];
}

const INDENT = '    ';

/** `CREATE TABLE IF NOT EXISTS db.t (...) ENGINE = ...`: idempotent, never ON CLUSTER. */
export function createTable(o: CreateTableOptions): Sql {
  if (o.columns.length === 0) throw new UnsafeSqlError('a table without columns', o.name);
  const width = Math.max(...o.columns.map((c) => identifier(c.name).length));
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${qualified(o.database, o.name)}`,
    '(',
    o.columns.map((c) => `${INDENT}${identifier(c.name).padEnd(width)} ${c.type}`).join(',\n'),
    ')',
    `ENGINE = ${o.engine}`,
  ];
  if (o.partitionBy !== undefined) lines.push(`PARTITION BY ${o.partitionBy}`);
  if (o.orderBy !== undefined) lines.push(`ORDER BY ${o.orderBy.length === 1 ? o.orderBy[0] : `(${o.orderBy.join(', ')})`}`);
  if (o.ttl !== undefined && o.ttl.length > 0) lines.push(`TTL ${o.ttl.join(`,\n${INDENT}`)}`);
  if (o.settings !== undefined && o.settings.length > 0) {
    lines.push('SETTINGS');
    lines.push(o.settings.map(([k, v]) => `${INDENT}${identifier(k)} = ${value(v)}`).join(',\n'));
  }
  return sql(lines.join('\n'));
}

export interface SelectItem {
  /** The expression; a bare column when there is no transform. */
  readonly expression: Sql;
  /** Output column name; omitted when the expression is that column itself. */
  readonly alias?: string;
}

export interface CreateMaterializedViewOptions {
  readonly database: string;
  readonly name: string;
  /** The table the view writes into (same database). */
  readonly to: string;
  readonly select: readonly SelectItem[];
  /** The table the view reads from (same database). */
  readonly from: string;
  /** Rows the view keeps. @default every row */
  readonly where?: Sql;
}

/** `CREATE MATERIALIZED VIEW IF NOT EXISTS db.v TO db.t AS SELECT ... FROM db.s`. */
export function createMaterializedView(o: CreateMaterializedViewOptions): Sql {
  const items = o.select.map((s) => (s.alias === undefined ? s.expression : `${s.expression} AS ${identifier(s.alias)}`));
  return sql([
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualified(o.database, o.name)}`,
    `TO ${qualified(o.database, o.to)}`,
    'AS SELECT',
    items.map((i) => `${INDENT}${i}`).join(',\n'),
    `FROM ${qualified(o.database, o.from)}`,
    ...(o.where !== undefined ? [`WHERE ${o.where}`] : []),
  ].join('\n'));
}

/** `_timestamp + INTERVAL 7 DAY TO VOLUME 'warm'`, or `... DELETE` without a volume. */
export function ttlAfterDays(column: string, days: number, volume?: string): Sql {
  if (!Number.isInteger(days) || days < 0) throw new UnsafeSqlError('TTL days', days);
  return sql(`${identifier(column)} + INTERVAL ${days} DAY ${volume === undefined ? 'DELETE' : `TO VOLUME ${stringLiteral(volume)}`}`);
}

/** `CREATE ROLE IF NOT EXISTS r`. */
export function createRole(name: string): Sql {
  return sql(`CREATE ROLE IF NOT EXISTS ${identifier(name)}`);
}

/** `GRANT INSERT ON db.t TO r`; `table` '*' for the whole database. Idempotent: granting again changes nothing. */
export function grant(privileges: readonly string[], database: string, table: string, role: string): Sql {
  if (privileges.length === 0 || privileges.some((p) => !/^[A-Z][A-Z ]*[A-Z]$/.test(p))) throw new UnsafeSqlError('privileges', privileges);
  const on = table === '*' ? `${identifier(database)}.*` : qualified(database, table);
  return sql(`GRANT ${privileges.join(', ')} ON ${on} TO ${identifier(role)}`);
}

/** `HOST IP '10.0.0.0/8', IP '::1'`: the addresses a user may log in from. */
function hostList(networks: readonly string[]): Sql {
  if (networks.length === 0) throw new UnsafeSqlError('networks', networks);
  return sql(`HOST ${networks.map((n) => `IP ${stringLiteral(n)}`).join(', ')}`);
}

/** `CREATE USER IF NOT EXISTS u IDENTIFIED WITH sha256_password BY '…' HOST IP …`: the server stores the hash only. */
export function createUser(name: string, password: Sql, networks: readonly string[]): Sql {
  return sql(`CREATE USER IF NOT EXISTS ${identifier(name)} IDENTIFIED WITH sha256_password BY ${password} ${hostList(networks)}`);
}

/** `ALTER USER u IDENTIFIED WITH sha256_password BY '…' HOST IP … DEFAULT ROLE r`: the password, networks and default role set again. */
export function alterUser(name: string, password: Sql, networks: readonly string[], defaultRole: string | readonly string[]): Sql {
  const roles = typeof defaultRole === 'string' ? [defaultRole] : defaultRole;
  const defaults = roles.length > 0 ? ` DEFAULT ROLE ${roles.map((r) => identifier(r)).join(', ')}` : '';
  return sql(`ALTER USER ${identifier(name)} IDENTIFIED WITH sha256_password BY ${password} ${hostList(networks)}${defaults}`);
}

/** `GRANT r TO u` (a role, without ADMIN OPTION: the user cannot pass it on). Idempotent. */
export function grantRole(role: string, user: string): Sql {
  return sql(`GRANT ${identifier(role)} TO ${identifier(user)}`);
}

/** `CREATE DATABASE IF NOT EXISTS db`. */
export function createDatabase(database: string): Sql {
  return sql(`CREATE DATABASE IF NOT EXISTS ${identifier(database)}`);
}

/*
 * The ALTER and DROP statements of migrations (lib/migrations/plan.ts). Column definitions, TTL and
 * setting values are taken verbatim from statements this builder rendered (and the region lock
 * recorded), so none of them accepts user text that was not validated. Every statement is
 * idempotent: IF [NOT] EXISTS where ClickHouse has it, and otherwise a statement whose second run
 * leaves the same table (MODIFY, RESET, REMOVE).
 */

export function addColumn(database: string, table: string, name: string, definition: string, after: string | undefined): Sql {
  const position = after === undefined ? ' FIRST' : ` AFTER ${identifier(after)}`;
  return sql(`ALTER TABLE ${qualified(database, table)} ADD COLUMN IF NOT EXISTS ${identifier(name)} ${definition}${position}`);
}

export function dropColumn(database: string, table: string, name: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} DROP COLUMN IF EXISTS ${identifier(name)}`);
}

export function modifyColumn(database: string, table: string, name: string, definition: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} MODIFY COLUMN IF EXISTS ${identifier(name)} ${definition}`);
}

/** `REMOVE DEFAULT`, `REMOVE CODEC`, `REMOVE TTL`, `REMOVE COMMENT` of one column. */
export function removeColumnProperty(database: string, table: string, name: string, property: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} MODIFY COLUMN IF EXISTS ${identifier(name)} REMOVE ${property}`);
}

export function modifyTtl(database: string, table: string, ttl: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} MODIFY TTL ${ttl}`);
}

export function removeTtl(database: string, table: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} REMOVE TTL`);
}

export function modifySetting(database: string, table: string, setting: string, value: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} MODIFY SETTING ${identifier(setting)} = ${value}`);
}

export function resetSetting(database: string, table: string, setting: string): Sql {
  return sql(`ALTER TABLE ${qualified(database, table)} RESET SETTING ${identifier(setting)}`);
}

/** `DROP VIEW` for a view, `DROP TABLE` otherwise; SYNC so a re-created table of the same name never meets the old one. */
export function dropObject(database: string, name: string, view: boolean): Sql {
  return sql(`DROP ${view ? 'VIEW' : 'TABLE'} IF EXISTS ${qualified(database, name)} SYNC`);
}
