import { LEDGER_DATABASE } from '../migrations/runner';
import { Topology } from '../model/topology';
import { RenderedFile } from '../render/file';
import { identifier } from '../schema/sql';
import { clickhouseXml, fromEnv, replacing } from './xml';

/** Every node: the user the schema migration runner's Jobs log in as. */
export const MIGRATOR_USER_FILE = 'users.d/schema_migrator.xml';
/** The runner's ClickHouse user name (not a secret: the Kubernetes Secret carries it next to the password). */
export const MIGRATOR_USER = 'clickhouse_migrator';
/** Its password, read from an AWS secret at boot (storage hosts) or from the tier's Kubernetes Secret (pods). */
export const MIGRATOR_PASSWORD_ENV = 'CLICKHOUSE_MIGRATOR_PASSWORD';

/**
 * Where the migrator may log in from: the private address ranges (the Job runs in the EKS cluster,
 * whose pods take VPC addresses, or 100.64.0.0/10 with custom networking) and loopback. The
 * security groups decide which of these reach a node: on storage hosts, port 9000 admits the EKS
 * cluster security group, the storage hosts and the configured allowed sources only.
 */
export const MIGRATOR_USER_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', '::1', '127.0.0.1'] as const;

/** DDL and DML of the steps; SYSTEM SYNC REPLICA before contracting replicated tables. */
const SCHEMA_PRIVILEGES = ['SHOW', 'SELECT', 'INSERT', 'ALTER', 'CREATE DATABASE', 'CREATE TABLE', 'CREATE VIEW', 'DROP TABLE', 'DROP VIEW',
  'TRUNCATE', 'OPTIMIZE', 'SYSTEM SYNC REPLICA'];
/** The ledger: created once, then read and appended to. */
const LEDGER_PRIVILEGES = ['SHOW', 'SELECT', 'INSERT', 'CREATE DATABASE', 'CREATE TABLE'];

/**
 * What the runner does on a node (lib/migrations/runner.ts, lib/migrations/access-runner.ts), and
 * nothing else: the DDL and INSERT/SELECT of its steps on the region's database, with grant option
 * so that its steps can grant to the access roles (`GRANT INSERT … TO <db>_ingestion_writer`); its
 * ledger database; CREATE ROLE for the access roles; CREATE USER, ALTER USER and ROLE ADMIN for the
 * client users (`<db>_writer_user` gets `<db>_ingestion_writer`: granting a role needs ROLE ADMIN
 * or the role WITH ADMIN OPTION, and ClickHouse resolves a users.xml user's role grants when it reads
 * the file, before the migrations create the roles); the Kafka
 * engine and the named collections the Kafka tables name. No DROP USER or DROP ROLE, no other
 * database. ROLE ADMIN is global: it could also grant a role an operator created by hand.
 */
export function migratorGrants(topology: Pick<Topology, 'database'>): string[] {
  return [
    `GRANT ${SCHEMA_PRIVILEGES.join(', ')} ON ${identifier(topology.database)}.* WITH GRANT OPTION`,
    `GRANT ${LEDGER_PRIVILEGES.join(', ')} ON ${identifier(LEDGER_DATABASE)}.*`,
    'GRANT CREATE ROLE ON *.*',
    'GRANT CREATE USER, ALTER USER, ROLE ADMIN ON *.*',
    'GRANT KAFKA ON *.*',
    'GRANT NAMED COLLECTION ON *',
  ];
}

/**
 * `users.d/schema_migrator.xml`: the `clickhouse_migrator` user of the schema migration runner,
 * on every storage host and ingestion pod. The password comes from the environment (`from_env`),
 * never from the file: a plain `<password>` because ClickHouse substitutes `from_env` before it
 * reads the user, while a `password_sha256_hex` would need the hash, not the secret. The user is
 * defined in users.xml storage (read-only, so it exists before any SQL runs, and a deploy cannot
 * lock itself out); its privileges are given directly (`<grants>`), since the `<db>_migrator` role
 * is itself created by the migrations.
 */
export function renderMigratorUser(topology: Pick<Topology, 'database'>): RenderedFile {
  return {
    path: MIGRATOR_USER_FILE,
    content: clickhouseXml({
      users: {
        [MIGRATOR_USER]: {
          password: fromEnv(MIGRATOR_PASSWORD_ENV),
          networks: replacing({ ip: [...MIGRATOR_USER_NETWORKS] }),
          profile: 'default',
          quota: 'default',
          grants: { query: migratorGrants(topology) },
        },
      },
    }),
  };
}
