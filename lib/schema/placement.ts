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
  kafkaTableStatement, materializedViewStatement, producerTableStatement, readTableStatement, SchemaOptions, Statement,
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
 * The statements a role runs, in dependency order: the database, then per stream (declared
 * order) on DATA the data table, the read table of a sharded stream and the dead-letter table; on
 * an ingestion role, per leg, the writable table, the dead-letter writable table, the Kafka table,
 * the view and the dead-letter view (a ShuffleHog stream: its producer table once, and no writable
 * table). The access roles come right after the database, and the writer's INSERT grant right
 * after each table it may fill. A role with nothing to run, or a tier with its consumers off, gets
 * an empty list.
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
  const withGrants = statements.flatMap((s) => {
    const g = writerGrantStatement(topology, s);
    return g === undefined ? [s] : [s, g];
  });
  return [createDatabaseStatement(topology), ...accessRoleStatements(topology, value), ...withGrants];
}

/** `0001_database_posthog.sql`: the position in run order, then the statement's id. */
export function migrationFileName(index: number, statement: Pick<Statement, 'id'>): string {
  return `${String(index + 1).padStart(4, '0')}_${statement.id}.sql`;
}

/**
 * Every role's statements as migration files, `sql/<role>/NNNN_<id>.sql` in run order, for
 * review in pull requests and for runners that fan out by role. Roles with nothing to run get no
 * folder.
 */
export function migrationFiles(topology: Topology, options: SchemaOptions = {}): RenderedFile[] {
  return schemaRoles(topology).flatMap((role) =>
    statementsForRole(topology, role, options).map((s, i) => ({
      path: `sql/${role.value}/${migrationFileName(i, s)}`,
      content: `${s.sql};\n`,
    })));
}
