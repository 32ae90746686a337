/**
 * Least-privilege roles (SQL RBAC), one per kind of client, created on every node that has
 * something for them:
 * - `<db>_ingestion_writer`: INSERT into the stored tables (DATA) or the writable tables (an
 *   ingestion tier), nothing else: what a client that writes rows needs.
 * - `<db>_reader`: SELECT on the database, on DATA only (reading a Kafka table on an ingestion node
 *   would consume its messages).
 * - `<db>_migrator`: DDL on the database (create, alter, drop tables and views; SYNC REPLICA on DATA)
 *   and no access to other databases.
 * Users are not created here: a user needs a credential, which belongs in a secret store; an
 * operator grants a role to a user (`CREATE USER … DEFAULT ROLE posthog_reader`), see docs/schema.md.
 */
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { createRole, grant } from './sql';
import { SchemaObjectKind, Statement } from './statements';

export interface AccessRoleNames {
  readonly ingestionWriter: string;
  readonly reader: string;
  readonly migrator: string;
}

/** `posthog_ingestion_writer`, `posthog_reader`, `posthog_migrator`. */
export function accessRoleNames(topology: Pick<Topology, 'database'>): AccessRoleNames {
  return {
    ingestionWriter: `${topology.database}_ingestion_writer`,
    reader: `${topology.database}_reader`,
    migrator: `${topology.database}_migrator`,
  };
}

const MIGRATOR_PRIVILEGES = ['CREATE DATABASE', 'CREATE TABLE', 'CREATE VIEW', 'ALTER TABLE', 'ALTER VIEW', 'DROP TABLE', 'DROP VIEW', 'SELECT'];

/**
 * The role statements of one node role, given the tables the role's other statements create.
 * DATA: the writer may insert into the data and dead-letter tables. An ingestion role: into its
 * writable tables. Empty when the role has no tables.
 */
export function accessRoleStatements(topology: Pick<Topology, 'database'>, role: NodeRole | string, tables: readonly { readonly kind: SchemaObjectKind; readonly name: string }[]): Statement[] {
  const value = typeof role === 'string' ? role : role.value;
  const isData = value === NodeRole.DATA.value;
  const names = accessRoleNames(topology);
  const db = topology.database;
  const writable = tables.filter((t) => (isData
    ? t.kind === SchemaObjectKind.DATA_TABLE || t.kind === SchemaObjectKind.DEAD_LETTER_TABLE
    : t.kind === SchemaObjectKind.WRITABLE_TABLE || t.kind === SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE));
  if (writable.length === 0) return [];
  const statement = (id: string, sql: string): Statement => ({ kind: SchemaObjectKind.ACCESS_ROLE, name: id, database: db, id, sql });
  const out: Statement[] = [];
  out.push(statement(`role_${names.ingestionWriter}`, createRole(names.ingestionWriter)));
  for (const t of writable) out.push(statement(`grant_${names.ingestionWriter}_${t.name}`, grant(['INSERT'], db, t.name, names.ingestionWriter)));
  if (isData) {
    out.push(statement(`role_${names.reader}`, createRole(names.reader)));
    out.push(statement(`grant_${names.reader}`, grant(['SELECT'], db, '*', names.reader)));
  }
  out.push(statement(`role_${names.migrator}`, createRole(names.migrator)));
  out.push(statement(`grant_${names.migrator}`, grant(isData ? [...MIGRATOR_PRIVILEGES, 'SYSTEM SYNC REPLICA'] : MIGRATOR_PRIVILEGES, db, '*', names.migrator)));
  return out;
}
