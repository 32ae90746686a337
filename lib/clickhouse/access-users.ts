/**
 * The region's client users, one per access role that a client logs in with: `<db>_writer_user`
 * holds `<db>_ingestion_writer` (ingestion writes) and `<db>_reader_user` holds `<db>_reader`
 * (reads). They are SQL users (local access storage), created by the access Job as
 * `clickhouse_migrator`: a users.xml user cannot take a role created later by SQL (ClickHouse
 * resolves a config user's role grants when it reads the file), and a SQL user can hold one by
 * `DEFAULT ROLE`. Passwords come from the environment of the Job (a Kubernetes Secret copied from
 * Secrets Manager), never from a rendered file. Pure: no cdktf.
 */
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { accessRoleNames } from '../schema/access-roles';
import { alterUser, createUser, grant, grantRole, Sql, stringLiteral } from '../schema/sql';
import { MIGRATOR_USER_NETWORKS } from './migrator-user';

/** One client user: its name, the role it holds, where it exists and where its password comes from. */
export interface AccessUser {
  /** `posthog_writer_user`. */
  readonly name: string;
  /** The access role it holds by default role (`posthog_ingestion_writer`). */
  readonly role: string;
  /** The node roles it is created on (`data`, then the ingestion roles). */
  readonly nodeRoles: readonly string[];
  /** The Job's environment variable holding its password. */
  readonly passwordEnv: string;
  /** The Kubernetes Secret (keys `user`, `password`) the Job reads it from, and clients may mount. */
  readonly secretName: string;
}

/** The writer's password in the access Job's environment. */
export const WRITER_PASSWORD_ENV = 'CLICKHOUSE_WRITER_PASSWORD';
/** The reader's password in the access Job's environment. */
export const READER_PASSWORD_ENV = 'CLICKHOUSE_READER_PASSWORD';
/** The Kubernetes Secrets of the client users, in the ingestion namespace. */
export const WRITER_SECRET = 'clickhouse-writer';
export const READER_SECRET = 'clickhouse-reader';

/**
 * Where the client users may log in from: the private ranges and loopback, as the migrator. The
 * security groups decide which of these reach a node (storage hosts: the EKS cluster security
 * group, the storage hosts and `allowedSources`).
 */
export const ACCESS_USER_NETWORKS = MIGRATOR_USER_NETWORKS;

/** `posthog_writer_user`, `posthog_reader_user`: apart from the role names, so `GRANT r TO u` never reads two ways. */
export function accessUserNames(topology: Pick<Topology, 'database'>): { readonly writer: string; readonly reader: string } {
  return { writer: `${topology.database}_writer_user`, reader: `${topology.database}_reader_user` };
}

/**
 * The client users of a region, given the node roles that run statements (those with none have no
 * access roles either):
 * - the writer on every such role: on DATA to insert into the data tables, on an ingestion role to
 *   insert into its writable tables (the pod forwards the insert to storage as this user, see
 *   docs/schema.md, so it must exist on both);
 * - the reader on DATA only: the data lives there, and a SELECT from a pod's Kafka table would consume it.
 */
export function accessUsers(topology: Pick<Topology, 'database'>, nodeRoles: readonly string[]): AccessUser[] {
  const roles = accessRoleNames(topology);
  const names = accessUserNames(topology);
  const users: AccessUser[] = [];
  if (nodeRoles.length > 0) users.push({ name: names.writer, role: roles.ingestionWriter, nodeRoles: [...nodeRoles], passwordEnv: WRITER_PASSWORD_ENV, secretName: WRITER_SECRET });
  if (nodeRoles.includes(NodeRole.DATA.value)) users.push({ name: names.reader, role: roles.reader, nodeRoles: [NodeRole.DATA.value], passwordEnv: READER_PASSWORD_ENV, secretName: READER_SECRET });
  return users;
}

/**
 * Stands for the password in the rendered statements: the Job's script replaces it with the
 * value of the user's environment variable, quoted as a SQL string by the shell.
 */
export const PASSWORD_PLACEHOLDER = stringLiteral('@@password@@');

/**
 * The statements that make a user what the spec says, idempotent and run on every Job run:
 * create it if missing; grant its role (no ADMIN OPTION); then set its password, networks and
 * default role again (so a rotated password or a changed network list takes effect, and the role
 * is in force at login without `SET ROLE`). ClickHouse hides the password in its logs.
 */
export function accessUserStatements(user: Pick<AccessUser, 'name' | 'role'>, password: Sql = PASSWORD_PLACEHOLDER): Sql[] {
  return [
    createUser(user.name, password, ACCESS_USER_NETWORKS),
    grantRole(user.role, user.name),
    alterUser(user.name, password, ACCESS_USER_NETWORKS, user.role),
  ];
}

/** Privileges an extra user may hold on a database or table of its own choosing. */
export interface ClickHouseUserGrant {
  /** Privileges such as `SELECT`, `INSERT`, `SHOW TABLES`; none that manage access (users, roles, grants, quotas, profiles, policies). */
  readonly privileges: readonly string[];
  /**
   * The database.
   * @default - the region's database
   */
  readonly database?: string;
  /**
   * A table of that database.
   * @default '*' (every table)
   */
  readonly table?: string;
}

/**
 * A ClickHouse user of your own, created by the access Job on the clusters you name, with its
 * password read from Secrets Manager (never a literal).
 */
export interface ClickHouseExtraUser {
  /** The user's name: letters, digits and `_`, not one of the library's users or roles. */
  readonly name: string;
  /** ARN of the Secrets Manager secret holding the password (its whole SecretString, or `passwordJsonKey` of it). */
  readonly passwordSecretArn: string;
  /**
   * Key of the password inside a JSON secret (`{"username": …, "password": …}`).
   * @default - the whole SecretString
   */
  readonly passwordJsonKey?: string;
  /**
   * The clusters the user exists on, by node role: `data` (the storage cluster) and the ingestion tiers' roles.
   * @default ['data']
   */
  readonly clusters?: readonly string[];
  /**
   * The library's access roles the user holds by default role: `<db>_reader` (on data) or
   * `<db>_ingestion_writer`, each of which must exist on every cluster of the user.
   * @default none
   */
  readonly roles?: readonly string[];
  /**
   * Privileges of its own, granted directly.
   * @default none
   */
  readonly grants?: readonly ClickHouseUserGrant[];
  /**
   * Where the user may log in from: CIDRs inside the private ranges, `127.0.0.1` or `::1`.
   * @default the private ranges and loopback, as the library's client users
   */
  readonly networks?: readonly string[];
}

/** An extra user as the access Job applies it. */
export interface ExtraAccessUser {
  readonly name: string;
  readonly nodeRoles: readonly string[];
  readonly roles: readonly string[];
  readonly grants: readonly { readonly privileges: readonly string[]; readonly database: string; readonly table: string }[];
  readonly networks: readonly string[];
  /** The Job's environment variable holding its password. */
  readonly passwordEnv: string;
  /** The Kubernetes Secret holding every extra user's password, one key per user name. */
  readonly secretName: string;
}

/** The Kubernetes Secret (in the ingestion namespace) of the extra users' passwords, a key per user. */
export const EXTRA_USERS_SECRET = 'clickhouse-extra-users';

/** `CLICKHOUSE_EXTRA_PASSWORD_<NAME>`: the Job's variable of an extra user's password. */
export function extraUserPasswordEnv(name: string): string {
  return `CLICKHOUSE_EXTRA_PASSWORD_${name.toUpperCase()}`;
}

/** The user as the Job applies it: the defaults filled in. */
export function extraAccessUser(topology: Pick<Topology, 'database'>, user: ClickHouseExtraUser): ExtraAccessUser {
  return {
    name: user.name,
    nodeRoles: [...(user.clusters ?? [NodeRole.DATA.value])],
    roles: [...(user.roles ?? [])],
    grants: (user.grants ?? []).map((g) => ({ privileges: [...g.privileges], database: g.database ?? topology.database, table: g.table ?? '*' })),
    networks: [...(user.networks ?? ACCESS_USER_NETWORKS)],
    passwordEnv: extraUserPasswordEnv(user.name),
    secretName: EXTRA_USERS_SECRET,
  };
}

/**
 * An extra user's statements, idempotent, run on every Job run: create it if missing, grant its
 * roles and privileges, then set its password, networks and default roles again. Grants are
 * added, never taken back: a role or privilege removed from the spec stays until revoked by hand.
 */
export function extraUserStatements(user: ExtraAccessUser, password: Sql = PASSWORD_PLACEHOLDER): Sql[] {
  return [
    createUser(user.name, password, user.networks),
    ...user.roles.map((role) => grantRole(role, user.name)),
    ...user.grants.map((g) => grant(g.privileges, g.database, g.table, user.name)),
    alterUser(user.name, password, user.networks, user.roles),
  ];
}
