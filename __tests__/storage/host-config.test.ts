import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { ConfigFile, TestEngine } from '../support/engine';
import { STORAGE_CONFIG_PREFIX } from '../../lib/constructs/storage-cluster';
import { US_TOPOLOGY } from '../../stacks/us';
import { synthStorage, usTopology } from './support/fixtures';

/**
 * What a storage host ends up with, taken from the synthesized Terraform itself: the shared S3
 * objects (what clickhouse-sync-config copies into config.d/users.d) plus the files its user data
 * writes, loaded into a real ClickHouse.
 */
describe('a storage host\'s config, as delivered by the synthesized plan, loads in ClickHouse', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'storage-host-'));
  let engine: TestEngine | undefined;
  afterAll(async () => {
    await engine?.kill();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('macros of the host, remote_servers of every shard, the tiered storage policy', async () => {
    // Two shards and one pod per tier: ClickHouse resolves every remote_servers host at startup,
    // and each unresolvable test name costs a DNS timeout.
    const topology = usTopology(2, { ingestionTiers: US_TOPOLOGY.ingestionTiers!.map((t) => ({ ...t, nodes: 1 })) });
    const { json } = synthStorage(topology, {
      // Local folders instead of /var/lib/clickhouse and /mnt/nvme; no S3 probe from a test machine.
      clickhouseConfig: { storagePaths: { root: `${scratch}/root/`, nvme: `${scratch}/nvme/` }, coldStorage: { skipAccessCheck: true } },
    });
    const objects: ConfigFile[] = Object.values(json.resource.aws_s3_object).map((o) => ({
      path: String(o.key).slice(STORAGE_CONFIG_PREFIX.length + 1), content: String(o.content),
    }));
    const host = Object.values(json.resource.aws_instance).find((i) => (i.tags as Record<string, string>).Name === 'ch-data-s02-r2')!;
    const userData = parse(String(host.user_data)) as { write_files: { path: string; content: string }[] };
    const written = userData.write_files
      .filter((f) => f.path.startsWith('/etc/clickhouse-server/config.d/') || f.path.startsWith('/etc/clickhouse-server/users.d/'))
      .map((f) => ({ path: f.path.slice('/etc/clickhouse-server/'.length), content: f.content }));
    expect(written.map((f) => f.path)).toEqual(['config.d/macros.xml']);
    // The startup scripts create replicated tables, which need a ZooKeeper this test does not run.
    const files = [...objects.filter((f) => f.path !== 'config.d/startup_scripts.xml'), ...written];

    // What the host's boot provides: host.env as written, a test value per secret the fetch script reads,
    // and a local stand-in for the cold endpoint (a Terraform token here).
    const writtenFile = (path: string): string => userData.write_files.find((f) => f.path === path)!.content;
    const env: Record<string, string> = Object.fromEntries(writtenFile('/etc/clickhouse-server/host.env').split('\n').filter((l) => l !== '')
      .map((l) => /^([A-Z0-9_]+)="(.*)"$/.exec(l)!.slice(1, 3)));
    for (const [, name] of writtenFile('/usr/local/sbin/clickhouse-fetch-secrets').matchAll(/^fetch ([A-Z0-9_]+) aws /gm)) env[name] = `test-only-${name}`;
    env.CLICKHOUSE_COLD_S3_ENDPOINT = 'http://127.0.0.1:9/cold-tier/cold/ch-data-s02-r2/';
    // Substitute `from_env` the way ClickHouse's preprocessor does, failing on any variable a storage host
    // does not get (ClickHouse would load an unset one as empty).
    const resolved = files.map((f) => ({
      path: f.path,
      content: f.content.replace(/<([A-Za-z_][\w.-]*) from_env="([A-Z0-9_]+)"\s*\/>/g, (_, tag: string, name: string) => {
        if (env[name] === undefined) throw new Error(`${f.path} reads ${name}, which a storage host does not get`);
        return `<${tag}>${env[name]}</${tag}>`;
      }),
    }));
    engine = await TestEngine.open(resolved);
    const macros = Object.fromEntries((await engine.rows<{ macro: string; substitution: string }>('SELECT macro, substitution FROM system.macros'))
      .map((m) => [m.macro, m.substitution]));
    expect(macros).toMatchObject({ shard: '02', replica: 'ch-data-s02-r2', hostClusterRole: 'data' });
    expect(await engine.value("SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = 'posthog'")).toBe('2');
    expect(await engine.value("SELECT count() FROM system.clusters WHERE cluster = 'posthog'")).toBe('6');
    expect(await engine.value("SELECT count() FROM system.clusters WHERE cluster = 'posthog_migrations'")).toBe('6'); // the storage hosts only: names every member resolves
    const volumes = await engine.rows<{ volume_name: string; disks: string[] }>(
      "SELECT volume_name, disks FROM system.storage_policies WHERE policy_name = 'tiered' ORDER BY volume_priority");
    expect(volumes.map((v) => v.volume_name)).toEqual(['hot', 'warm', 'cold']);
    // The synced users.d confines the default user to loopback (the engine's base users.xml allows ::/0, as the package does).
    expect(await engine.rows("SELECT host_ip, host_names FROM system.users WHERE name = 'default'")).toEqual([{ host_ip: [], host_names: ['localhost'] }]);
    expect(env).toMatchObject({ CLICKHOUSE_INTERSERVER_HTTP_USER: 'interserver', CLICKHOUSE_INTERSERVER_HTTP_PASSWORD: 'test-only-CLICKHOUSE_INTERSERVER_HTTP_PASSWORD' });
    // The schema migration runner's user, its password fetched at boot like the other secrets.
    expect(env.CLICKHOUSE_MIGRATOR_PASSWORD).toBe('test-only-CLICKHOUSE_MIGRATOR_PASSWORD');
    expect(await engine.rows("SELECT storage, auth_type FROM system.users WHERE name = 'clickhouse_migrator'"))
      .toEqual([{ storage: 'users_xml', auth_type: ['plaintext_password'] }]);
  });
});
