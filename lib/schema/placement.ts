/**
 * Which statements each node role runs, in order, the way PostHog's run_sql_with_exceptions fans
 * a migration out by `hostClusterRole` (never ON CLUSTER): data tables on DATA, each leg's
 * writable table, Kafka table and view on the leg's ingestion roles.
 */
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { Problems } from '../model/validation';
import { RenderedFile } from '../render/file';
import {
  createDatabaseStatement, dataTableStatement, kafkaTableStatement, materializedViewStatement, producerTableStatement,
  SchemaObjectKind, SchemaOptions, Statement, writableTableStatement,
} from './statements';

function roleValue(role: NodeRole | string): string {
  return typeof role === 'string' ? role : role.value;
}

/** DATA first, then the ingestion tiers in declared order: the roles that can run statements. */
export function schemaRoles(topology: Pick<Topology, 'ingestionTiers'>): NodeRole[] {
  return [NodeRole.DATA, ...topology.ingestionTiers.map((t) => t.role)];
}

/**
 * Run order by what a statement creates: the database, then the tables views write into (data,
 * writable, producer), then the Kafka tables, then the views that join them. Within a phase,
 * statements sort by id, so the order depends on names only: adding a stream inserts its
 * statements and leaves everyone else's file names and neighbours alone.
 */
const RUN_PHASE: Readonly<Record<SchemaObjectKind, number>> = {
  [SchemaObjectKind.DATABASE]: 0,
  [SchemaObjectKind.DATA_TABLE]: 1,
  [SchemaObjectKind.WRITABLE_TABLE]: 1,
  [SchemaObjectKind.PRODUCER_TABLE]: 1,
  [SchemaObjectKind.KAFKA_TABLE]: 2,
  [SchemaObjectKind.MATERIALIZED_VIEW]: 3,
};

function byRunOrder(a: Statement, b: Statement): number {
  return RUN_PHASE[a.kind] - RUN_PHASE[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The statements a role runs, in dependency order (see RUN_PHASE): the database; on DATA, each
 * stream's data table; on an ingestion role, each leg's writable table (a ShuffleHog stream: its
 * producer table once), then each leg's Kafka table, then each leg's view. A role with nothing to
 * run, or a tier with its consumers off, gets an empty list.
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
      continue;
    }
    // A tier deployed with its consumers off gets no Kafka table, view or writable table.
    if (topology.ingestionTiers.find((t) => t.role.value === value)?.consuming === false) continue;
    const legs = stream.legs.filter((l) => l.roles.some((r) => r.value === value));
    if (legs.length === 0) continue;
    if (stream.shuffle !== undefined) statements.push(producerTableStatement(topology, stream));
    for (const leg of legs) {
      if (stream.shuffle === undefined) statements.push(writableTableStatement(topology, stream, leg));
      statements.push(kafkaTableStatement(topology, stream, leg, value));
      statements.push(materializedViewStatement(topology, stream, leg));
    }
  }
  return statements.length === 0 ? [] : [createDatabaseStatement(topology), ...statements.sort(byRunOrder)];
}

/**
 * `1_writable_groups.sql`: the statement's run phase (0 database, 1 tables, 2 Kafka tables,
 * 3 views), then its id. Derived from names only, so the file names sort into run order and a new
 * stream never renames another stream's files.
 */
export function migrationFileName(statement: Pick<Statement, 'id' | 'kind'>): string {
  return `${RUN_PHASE[statement.kind]}_${statement.id}.sql`;
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
