/**
 * The schema migration runner's ClickHouse user (users.d/schema_migrator.xml) as ClickHouse loads
 * it (chdb): a users.xml user with a password from the environment, the private networks and its
 * grants. chdb cannot log in over the network nor impersonate, so what the Job can do is checked
 * through system.grants; the storage host test loads it with the rest of the synced config.
 */
import { MIGRATOR_PASSWORD_ENV, MIGRATOR_USER, MIGRATOR_USER_FILE, renderMigratorUser } from '../../lib/clickhouse/migrator-user';
import { nodeGroups, renderNodeGroupConfig, requiredEnvironment } from '../../lib/clickhouse';
import { TestEngine } from '../support/engine';
import { issueTopology } from './support/topologies';

const topology = issueTopology();

describe('migrator user', () => {
  it('is on every node group, reading its password from the environment only', () => {
    for (const group of nodeGroups(topology)) {
      const file = renderNodeGroupConfig(topology, group).find((f) => f.path === MIGRATOR_USER_FILE);
      expect(file?.content).toContain(`<password from_env="${MIGRATOR_PASSWORD_ENV}"/>`);
      expect(requiredEnvironment(topology, group)).toContain(MIGRATOR_PASSWORD_ENV);
    }
  });

  it('loads in ClickHouse with the private networks and the runner\'s grants only', async () => {
    const file = renderMigratorUser(topology);
    // ClickHouse's preprocessor substitutes from_env; the test engine's environment stands in for the boot secret.
    const resolved = { path: file.path, content: file.content.replace(`<password from_env="${MIGRATOR_PASSWORD_ENV}"/>`, '<password>test-only</password>') };
    expect(resolved.content).not.toBe(file.content);
    const engine = await TestEngine.open([resolved]);
    try {
      const [user] = await engine.rows<{ storage: string; auth_type: string[]; host_ip: string[]; host_names: string[] }>(
        `SELECT storage, auth_type, host_ip, host_names FROM system.users WHERE name = '${MIGRATOR_USER}'`);
      expect(user).toEqual({
        storage: 'users_xml', auth_type: ['plaintext_password'],
        host_ip: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'], host_names: ['localhost'],
      });
      const grants = await engine.rows<{ access_type: string; database: string | null; grant_option: number }>(
        `SELECT access_type, database, grant_option FROM system.grants WHERE user_name = '${MIGRATOR_USER}' ORDER BY database, access_type`);
      const on = (db: string | null): string[] => grants.filter((g) => g.database === db).map((g) => g.access_type);
      // DDL of the steps on the region's database, grantable to the access roles the steps create.
      expect(on(topology.database)).toEqual(expect.arrayContaining(['CREATE TABLE', 'CREATE VIEW', 'ALTER', 'DROP TABLE', 'INSERT', 'SELECT', 'SYSTEM SYNC REPLICA']));
      expect(grants.filter((g) => g.database === topology.database).every((g) => g.grant_option === 1)).toBe(true);
      expect(on('clickhouse_ingest')).toEqual(expect.arrayContaining(['CREATE TABLE', 'INSERT', 'SELECT']));
      // Global: creating the access roles and the client users and granting them their roles (the
      // access Job), Kafka tables and their named collections (KAFKA shows as READ, WRITE on the source).
      const shown = (await engine.rows<Record<string, string>>(`SHOW GRANTS FOR ${MIGRATOR_USER}`)).map((r) => Object.values(r)[0]);
      expect(shown).toEqual(expect.arrayContaining([
        `GRANT CREATE USER, ALTER USER, CREATE ROLE ON * TO ${MIGRATOR_USER}`, `GRANT ROLE ADMIN ON *.* TO ${MIGRATOR_USER}`,
        `GRANT NAMED COLLECTION ON * TO ${MIGRATOR_USER}`, `GRANT KAFKA ON *.* TO ${MIGRATOR_USER}`,
      ]));
      // Users may be created and altered, never dropped; no role dropped; no other database, nothing on *.* beyond those.
      expect(grants.map((g) => g.access_type)).not.toContain('DROP USER');
      expect(grants.map((g) => g.access_type)).not.toContain('DROP ROLE');
      expect([...new Set(grants.map((g) => g.database))].sort()).toEqual(['clickhouse_ingest', topology.database, null].sort());
      expect(on(null).sort()).toEqual(['ALTER USER', 'CREATE ROLE', 'CREATE USER', 'NAMED COLLECTION', 'READ', 'ROLE ADMIN', 'WRITE']);
      expect(grants.filter((g) => g.database === null).every((g) => g.grant_option === 0)).toBe(true);
      expect(shown).toHaveLength(6);
    } finally {
      await engine.kill();
    }
  });
});
