/**
 * The ALTER and DROP statements of migrations. Identifiers go through the schema's SQL builder;
 * column definitions, TTL and setting values are taken verbatim from statements that builder
 * rendered (and the lock recorded), so nothing here accepts user text that was not validated. Every
 * statement is idempotent: IF [NOT] EXISTS where ClickHouse has it, and otherwise a statement
 * whose second run leaves the same table (MODIFY, RESET, REMOVE).
 */
import { identifier, qualified } from '../schema/sql';

export function addColumn(database: string, table: string, name: string, definition: string, after: string | undefined): string {
  const position = after === undefined ? ' FIRST' : ` AFTER ${identifier(after)}`;
  return `ALTER TABLE ${qualified(database, table)} ADD COLUMN IF NOT EXISTS ${identifier(name)} ${definition}${position}`;
}

export function dropColumn(database: string, table: string, name: string): string {
  return `ALTER TABLE ${qualified(database, table)} DROP COLUMN IF EXISTS ${identifier(name)}`;
}

export function modifyColumn(database: string, table: string, name: string, definition: string): string {
  return `ALTER TABLE ${qualified(database, table)} MODIFY COLUMN IF EXISTS ${identifier(name)} ${definition}`;
}

/** `REMOVE DEFAULT`, `REMOVE CODEC`, `REMOVE TTL`, `REMOVE COMMENT` of one column. */
export function removeColumnProperty(database: string, table: string, name: string, property: string): string {
  return `ALTER TABLE ${qualified(database, table)} MODIFY COLUMN IF EXISTS ${identifier(name)} REMOVE ${property}`;
}

export function modifyTtl(database: string, table: string, ttl: string): string {
  return `ALTER TABLE ${qualified(database, table)} MODIFY TTL ${ttl}`;
}

export function removeTtl(database: string, table: string): string {
  return `ALTER TABLE ${qualified(database, table)} REMOVE TTL`;
}

export function modifySetting(database: string, table: string, setting: string, value: string): string {
  return `ALTER TABLE ${qualified(database, table)} MODIFY SETTING ${identifier(setting)} = ${value}`;
}

export function resetSetting(database: string, table: string, setting: string): string {
  return `ALTER TABLE ${qualified(database, table)} RESET SETTING ${identifier(setting)}`;
}

/** `DROP VIEW` for a view, `DROP TABLE` otherwise; SYNC so a re-created table of the same name never meets the old one. */
export function dropObject(database: string, name: string, view: boolean): string {
  return `DROP ${view ? 'VIEW' : 'TABLE'} IF EXISTS ${qualified(database, name)} SYNC`;
}
