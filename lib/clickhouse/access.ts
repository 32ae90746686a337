import { RenderedFile } from '../render/file';
import { clickhouseXml, fromEnv, replacing } from './xml';

/** Storage hosts: the packaged `default` user confined to the host itself. */
export const DEFAULT_USER_FILE = 'users.d/default_user.xml';
/** Storage hosts: the credentials replicas present to each other when fetching parts. */
export const INTERSERVER_CREDENTIALS_FILE = 'config.d/interserver_credentials.xml';

/** The user name replicas fetch parts as (not a secret: it only names the credentials). */
export const INTERSERVER_HTTP_USER_ENV = 'CLICKHOUSE_INTERSERVER_HTTP_USER';
/** The password replicas fetch parts with, read from an AWS secret at boot. */
export const INTERSERVER_HTTP_PASSWORD_ENV = 'CLICKHOUSE_INTERSERVER_HTTP_PASSWORD';

/** Where the `default` user may log in from: the loopback addresses (ClickHouse shows them as `localhost`). */
export const DEFAULT_USER_NETWORKS = ['::1', '127.0.0.1'] as const;

/**
 * The packaged `default` user has no password and may log in from anywhere (`::/0`), which was
 * harmless while the server listened on localhost only; storage hosts now listen on every
 * interface (`network.xml`). Its `networks` are replaced (a merge would keep `::/0`) by the
 * loopback addresses, so local tools (clickhouse-client, the backup timers) keep working and
 * nothing on the network logs in without a password.
 *
 * Ingestion pods are not affected: their Distributed inserts authenticate with the cluster
 * `<secret>`, not a password. The receiving host then runs the insert as the *initial* user,
 * checked against the *initial* client's address: a Kafka table's materialized view runs in the
 * background with no initial user (nothing to check, as for the host's own background work), and
 * a query typed on a pod (`clickhouse-client` inside it) carries `default` from the pod's
 * loopback, which these networks allow. A client that inserts through a pod from elsewhere must
 * use a user that also exists on the storage hosts and may come from its address.
 */
export function renderDefaultUser(): RenderedFile {
  return {
    path: DEFAULT_USER_FILE,
    content: clickhouseXml({ users: { default: { networks: replacing({ ip: [...DEFAULT_USER_NETWORKS] }) } } }),
  };
}

/**
 * `interserver_http_credentials`: replicas fetch parts from each other over the interserver HTTP
 * port (9009), which is unauthenticated unless credentials are set; with them, a peer must
 * present the same user and password, and uses them for its own fetches. Both come from the
 * environment (the password from an AWS secret at boot), never from the file.
 */
export function renderInterserverCredentials(): RenderedFile {
  return {
    path: INTERSERVER_CREDENTIALS_FILE,
    content: clickhouseXml({
      interserver_http_credentials: { user: fromEnv(INTERSERVER_HTTP_USER_ENV), password: fromEnv(INTERSERVER_HTTP_PASSWORD_ENV) },
    }),
  };
}

/** Environment variables the storage access files read. */
export function accessEnvironment(): string[] {
  return [INTERSERVER_HTTP_USER_ENV, INTERSERVER_HTTP_PASSWORD_ENV];
}
