import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MigrationPhase, migrationRegion } from '../../examples/backend-migration/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { buildRegionTopology, RegionStackProps } from '../../lib/constructs/region-stack';
import { migrationFiles, startupScriptQueries } from '../../lib/schema';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { ConfigFile, EngineJob, EngineJobResult, mapConcurrently, runEngineJob } from '../support/engine';
import { cleanUp, readTree, synthStacks } from './support/synth';

interface TopologyJson {
  database: string;
  artifacts: { nodeGroups: { name: string; roles: string[]; hosts: string[] }[]; sql: Record<string, string[]> };
}

// The dev region's files are the us shapes with smaller numbers; examples.test.ts synthesizes it.
const REGIONS: Record<string, RegionStackProps> = {
  us: US_REGION,
  eu: EU_REGION,
  migration: migrationRegion(MigrationPhase.BOTH_LEGS),
  shuffle: SHUFFLEHOG_REGION,
};

/** Test-only overlay: host paths into the engine's temp folder, no ZooKeeper (data tables run as their twins), no S3 probe. */
function overlay(dir: string, storage: boolean): ConfigFile {
  const disks = storage
    ? `<storage_configuration><disks>
        <nvme><path>${dir}/nvme/</path></nvme>
        <ebs><path>${dir}/ebs/</path></ebs>
        <s3_cold><metadata_path>${dir}/s3_cold/</metadata_path><skip_access_check>true</skip_access_check></s3_cold>
      </disks></storage_configuration>`
    : '';
  return { path: 'config.d/zz_test_overlay.xml', content: `<clickhouse><path>${dir}/root/</path><zookeeper remove="1"/>${disks}</clickhouse>` };
}

/** A value for every `from_env` the files read: broker lists and endpoints point at closed local ports. */
function environmentFor(files: readonly ConfigFile[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of files) {
    for (const [, name] of f.content.matchAll(/from_env="([A-Z0-9_]+)"/g)) {
      env[name] = name.startsWith('KAFKA_HOSTS') ? '127.0.0.1:9' : name.includes('S3_ENDPOINT') ? 'http://127.0.0.1:9/cold-bucket/data/' : 'test-value';
    }
  }
  return env;
}

/** The non-replicated twin of a Replicated data-table statement: same table without the ZooKeeper path and replica. */
function twin(sql: string): string {
  return sql.replace(/ENGINE = Replicated(\w*MergeTree)\('[^']*', '[^']*'(, )?/, 'ENGINE = $1(');
}

/**
 * The artifacts of a region. us and eu are read from their golden copies, which stacks.test.ts
 * proves equal to a fresh synth (saving two synths here); the examples are synthesized.
 */
function artifactsOf(id: string): ReadonlyMap<string, string> {
  const golden = path.join(__dirname, 'golden', id, 'artifacts');
  if (['us', 'eu'].includes(id) && fs.existsSync(golden)) return readTree(golden);
  return synthStacks({ [id]: REGIONS[id] })[id].artifacts;
}

describe.each(Object.keys(REGIONS))('artifacts of %s load in ClickHouse and their SQL runs in role order', (id) => {
  let stack: { artifacts: ReadonlyMap<string, string> };
  let topology: TopologyJson;
  beforeAll(() => {
    stack = { artifacts: artifactsOf(id) };
    topology = JSON.parse(stack.artifacts.get('topology.json')!) as TopologyJson;
  });
  afterAll(() => {
    cleanUp();
  });

  test('every config file belongs to a node group listed in topology.json', () => {
    const groups = topology.artifacts.nodeGroups.map((g) => g.name);
    const folders = new Set([...stack.artifacts.keys()].filter((p) => p.startsWith('clickhouse/')).map((p) => p.split('/')[1]));
    expect([...folders].sort()).toEqual([...groups].sort());
  });

  test('the data SQL equals the schema renderer\'s non-replicated twin once the ZooKeeper path is dropped', () => {
    const twins = new Map(migrationFiles(buildRegionTopology(REGIONS[id]), { replicated: false }).map((f) => [f.path, f.content]));
    for (const file of topology.artifacts.sql.data ?? []) {
      expect(twin(stack.artifacts.get(`sql/data/${file}`)!)).toBe(twins.get(`sql/data/${file}`));
    }
  });

  interface GroupRun {
    readonly group: TopologyJson['artifacts']['nodeGroups'][number];
    readonly files: ConfigFile[];
    readonly sqlFiles: string[];
    readonly statements: string[];
    readonly result: EngineJobResult;
  }
  let runs: GroupRun[];
  beforeAll(async () => {
    const prepared = topology.artifacts.nodeGroups.map((group) => {
      const role = group.roles[0];
      const prefix = `clickhouse/${group.name}/`;
      const files: ConfigFile[] = [...stack.artifacts]
        .filter(([p]) => p.startsWith(prefix) && !p.startsWith(`${prefix}hosts/`))
        .map(([p, content]) => ({ path: p.slice(prefix.length), content }));
      if (role === 'data') {
        // A storage host loads the shared files plus its own macros.
        files.push({ path: 'config.d/macros.xml', content: stack.artifacts.get(`${prefix}hosts/${group.hosts[0]}/config.d/macros.xml`)! });
      }
      // Roles and grants: the migration runner's, not the boot schema's, and chdb has no writable
      // access storage to run them (they are parsed in __tests__/schema/posthog-shapes.test.ts).
      const sqlFiles = (topology.artifacts.sql[role] ?? []).filter((f) => !/^\d_(role|grant)_/.test(f));
      const statements = sqlFiles.map((f) => stack.artifacts.get(`sql/${role}/${f}`)!);
      const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), `region-${group.name}-`));
      const job: EngineJob = {
        files: [...files, overlay(hostDir, role === 'data')],
        env: environmentFor(files),
        statements: sqlFiles.map((name, i) => ({ name, sql: role === 'data' ? twin(statements[i]) : statements[i] })),
        queries: {
          role: "SELECT substitution FROM system.macros WHERE macro = 'hostClusterRole'",
          tables: `SELECT name FROM system.tables WHERE database = '${topology.database}' ORDER BY name`,
          clusters: 'SELECT DISTINCT cluster FROM system.clusters',
          collections: 'SELECT name FROM system.named_collections',
          foregroundInsert: "SELECT toString(getSetting('distributed_foreground_insert')) AS value",
        },
      };
      return { group, files, sqlFiles, statements, job, hostDir };
    });
    try {
      const results = await mapConcurrently(prepared, 2, (p) => runEngineJob(p.job));
      runs = prepared.map((p, i) => ({ group: p.group, files: p.files, sqlFiles: p.sqlFiles, statements: p.statements, result: results[i] }));
    } finally {
      for (const p of prepared) fs.rmSync(p.hostDir, { recursive: true, force: true });
    }
  });

  test('each node group: boot schema = its role\'s SQL files; config loads, macros name its role, the SQL runs in order and creates every object', () => {
    expect(runs.length).toBe(topology.artifacts.nodeGroups.length);
    for (const { group, files, sqlFiles, statements, result } of runs) {
      const role = group.roles[0];
      expect(files.length).toBeGreaterThan(0);
      // The boot schema and the migration files are the same statements in the same order.
      const startup = files.find((f) => f.path === 'config.d/startup_scripts.xml');
      expect(startup && startupScriptQueries(startup).map((q) => `${q};\n`)).toEqual(statements);
      // Names the group and the statement in the failure message.
      expect({ group: group.name, opened: result.opened, failedStatement: result.failedStatement, error: result.error })
        .toEqual({ group: group.name, opened: true, failedStatement: undefined, error: undefined });
      const column = (key: string, name: string): unknown[] => result.results[key].map((r) => r[name]);
      expect(column('role', 'substitution')).toEqual([role]);
      const expected = sqlFiles.filter((f) => !/^0_database_/.test(f)).map((f) => f.replace(/^\d_/, '').replace(/\.sql$/, ''));
      expect(column('tables', 'name')).toEqual([...expected].sort());
      // Every Distributed table targets a cluster this node knows; every Kafka table a named collection it has.
      const distributedTargets = statements.map((sql) => /ENGINE = Distributed\('?(\w+)'?/.exec(sql)?.[1]).filter((c) => c !== undefined);
      const kafkaCollections = statements.map((sql) => /ENGINE = Kafka\((\w+)/.exec(sql)?.[1]).filter((c) => c !== undefined);
      expect(column('clusters', 'cluster')).toEqual(expect.arrayContaining(distributedTargets));
      expect(column('collections', 'name')).toEqual(expect.arrayContaining(kafkaCollections));
      if (role !== 'data') expect(column('foregroundInsert', 'value')).toEqual([expect.stringMatching(/^(1|true)$/)]);
    }
  });
});
