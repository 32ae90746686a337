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

function accessStatement(topology: Pick<Topology, 'database'>, id: string, sql: string): Statement {
  return { kind: SchemaObjectKind.ACCESS_ROLE, name: id, database: topology.database, id, sql };
}

/**
 * The roles of one node role, right after the database: the writer (its grants follow each table
 * it may write), on DATA the reader with SELECT on the database, and the migrator with DDL on the
 * database. They never change when streams are added, so adding a stream only adds statements.
 */
export function accessRoleStatements(topology: Pick<Topology, 'database'>, role: NodeRole | string): Statement[] {
  const isData = (typeof role === 'string' ? role : role.value) === NodeRole.DATA.value;
  const names = accessRoleNames(topology);
  const db = topology.database;
  return [
    accessStatement(topology, `role_${names.ingestionWriter}`, createRole(names.ingestionWriter)),
    ...(isData ? [
      accessStatement(topology, `role_${names.reader}`, createRole(names.reader)),
      accessStatement(topology, `grant_${names.reader}`, grant(['SELECT'], db, '*', names.reader)),
    ] : []),
    accessStatement(topology, `role_${names.migrator}`, createRole(names.migrator)),
    accessStatement(topology, `grant_${names.migrator}`, grant(isData ? [...MIGRATOR_PRIVILEGES, 'SYSTEM SYNC REPLICA'] : MIGRATOR_PRIVILEGES, db, '*', names.migrator)),
  ];
}

/**
 * `GRANT INSERT ON db.<table> TO <db>_ingestion_writer`, placed right after the statement that
 * creates a table the writer may fill: a data or dead-letter table on DATA, a writable table on
 * an ingestion role (never a Kafka table: inserting there would produce to the topic).
 */
export function writerGrantStatement(topology: Pick<Topology, 'database'>, table: Pick<Statement, 'kind' | 'name' | 'stream' | 'legSuffix'>): Statement | undefined {
  const writable = [SchemaObjectKind.DATA_TABLE, SchemaObjectKind.DEAD_LETTER_TABLE, SchemaObjectKind.WRITABLE_TABLE, SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE];
  if (!writable.includes(table.kind)) return undefined;
  const writer = accessRoleNames(topology).ingestionWriter;
  return {
    ...accessStatement(topology, `grant_${writer}_${table.name}`, grant(['INSERT'], topology.database, table.name, writer)),
    stream: table.stream, legSuffix: table.legSuffix,
  };
}

/**
 * Whether a statement creates a role or grants to one. chdb, the tests' and the rehearsal's
 * ClickHouse, has no writable access storage (it ignores `local_directory`), so they run
 * everything else and check these by parsing them (`formatQuery`) instead.
 */
export function isAccessRoleStatement(sql: string): boolean {
  return /^\s*(CREATE ROLE|GRANT)\s/.test(sql);
}
