/**
 * Which statements each node role runs, in order, the way PostHog's run_sql_with_exceptions fans
 * a migration out by `hostClusterRole` (never ON CLUSTER): data tables on DATA, each leg's
 * writable table, Kafka table and view on the leg's ingestion roles.
 */
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { Problems } from '../model/validation';
import { RenderedFile } from '../render/file';
import { accessRoleStatements, writerGrantStatement } from './access-roles';
import {
  createDatabaseStatement, dataTableStatement, deadLetterTableStatement, deadLetterViewStatement, deadLetterWritableStatement,
  kafkaTableStatement, materializedViewStatement, producerTableStatement, readTableStatement, SchemaObjectKind, SchemaOptions, Statement,
  writableTableStatement,
} from './statements';

function roleValue(role: NodeRole | string): string {
  return typeof role === 'string' ? role : role.value;
}

/** DATA first, then the ingestion tiers in declared order: the roles that can run statements. */
export function schemaRoles(topology: Pick<Topology, 'ingestionTiers'>): NodeRole[] {
  return [NodeRole.DATA, ...topology.ingestionTiers.map((t) => t.role)];
}

/**
 * Run order by what a statement creates: the database and the access roles, then the tables views
 * write into (data, read, dead-letter, writable, producer), then the Kafka tables, then the views
 * that join them, then the grants (on tables that exist by then). Within a phase, statements sort
 * by id, so the order depends on names only: adding a stream inserts its statements and leaves
 * everyone else's file names and neighbours alone.
 */
const RUN_PHASE: Readonly<Record<SchemaObjectKind, number>> = {
  [SchemaObjectKind.DATABASE]: 0,
  [SchemaObjectKind.ACCESS_ROLE]: 0,
  [SchemaObjectKind.DATA_TABLE]: 1,
  [SchemaObjectKind.READ_TABLE]: 1,
  [SchemaObjectKind.DEAD_LETTER_TABLE]: 1,
  [SchemaObjectKind.WRITABLE_TABLE]: 1,
  [SchemaObjectKind.DEAD_LETTER_WRITABLE_TABLE]: 1,
  [SchemaObjectKind.PRODUCER_TABLE]: 1,
  [SchemaObjectKind.KAFKA_TABLE]: 2,
  [SchemaObjectKind.MATERIALIZED_VIEW]: 3,
  [SchemaObjectKind.DEAD_LETTER_VIEW]: 3,
};
/** Grants are access statements too, but run last: after the roles and the tables they name. */
const GRANT_PHASE = 4;

function runPhase(statement: Pick<Statement, 'id' | 'kind'>): number {
  return statement.kind === SchemaObjectKind.ACCESS_ROLE && statement.id.startsWith('grant_') ? GRANT_PHASE : RUN_PHASE[statement.kind];
}

function byRunOrder(a: Statement, b: Statement): number {
  return runPhase(a) - runPhase(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The statements a role runs, in run order (see RUN_PHASE): the database and the access roles; on
 * DATA, each stream's data table, the read table of a sharded stream and the dead-letter table; on
 * an ingestion role, per leg, the writable table and the dead-letter writable table (a ShuffleHog
 * stream: its producer table once, and no writable table), the Kafka table, the view and the
 * dead-letter view; last the grants (the writer's INSERT on each table it may fill). A role with
 * nothing to run, or a tier with its consumers off, gets an empty list.
 */
export function statementsForRole(topology: Topology, role: NodeRole | string, options: SchemaOptions = {}): Statement[] {
  const value = roleValue(role);
  const problems = new Problems();
  problems.check(schemaRoles(topology).some((r) => r.value === value), 'role', value,
    `a role of this topology (${schemaRoles(topology).map((r) => r.value).join(', ')})`);
  problems.throwIfAny('schema placement');

  const statements: Statement[] = [];
  for (const stream of topology.streams) {
    if (value === NodeRole.DATA.value) {
      if (stream.shuffle === undefined) statements.push(dataTableStatement(topology, stream, options));
      if (stream.readTable !== undefined) statements.push(readTableStatement(topology, stream));
      if (stream.legs.length > 0) statements.push(deadLetterTableStatement(topology, stream, options));
      continue;
    }
    // A tier deployed with its consumers off gets no Kafka table, view or writable table.
    if (topology.ingestionTiers.find((t) => t.role.value === value)?.consuming === false) continue;
    const legs = stream.legs.filter((l) => l.roles.some((r) => r.value === value));
    if (legs.length === 0) continue;
    if (stream.shuffle !== undefined) statements.push(producerTableStatement(topology, stream));
    for (const leg of legs) {
      if (stream.shuffle === undefined) statements.push(writableTableStatement(topology, stream, leg));
      statements.push(deadLetterWritableStatement(topology, stream, leg));
      statements.push(kafkaTableStatement(topology, stream, leg, value));
      statements.push(materializedViewStatement(topology, stream, leg));
      statements.push(deadLetterViewStatement(topology, stream, leg));
    }
  }
  if (statements.length === 0) return [];
  const grants = statements.map((s) => writerGrantStatement(topology, s)).filter((g): g is Statement => g !== undefined);
  const rest = [...accessRoleStatements(topology, value), ...statements, ...grants].sort(byRunOrder);
  return [createDatabaseStatement(topology), ...rest];
}

/**
 * `1_writable_groups.sql`: the statement's run phase (0 database and roles, 1 tables, 2 Kafka
 * tables, 3 views, 4 grants), then its id. Derived from names only, so the file names sort into
 * run order and a new stream never renames another stream's files.
 */
export function migrationFileName(statement: Pick<Statement, 'id' | 'kind'>): string {
  return `${runPhase(statement)}_${statement.id}.sql`;
}

/**
 * Every role's statements as migration files, `sql/<role>/<phase>_<id>.sql` (names sort into run
 * order), for review in pull requests and for runners that fan out by role. Roles with nothing to
 * run get no folder.
 */
export function migrationFiles(topology: Topology, options: SchemaOptions = {}): RenderedFile[] {
  return schemaRoles(topology).flatMap((role) =>
    statementsForRole(topology, role, options).map((s) => ({
      path: `sql/${role.value}/${migrationFileName(s)}`,
      content: `${s.sql};\n`,
    })));
}
