import * as fs from 'fs';
import * as path from 'path';
import { nodeGroups, renderHostMacros, renderNodeGroupConfig, ClickHouseConfigOptions, STORAGE_GROUP_NAME } from '../clickhouse';
import { Problems, Topology } from '../model';
import { RenderedFile } from '../render/file';
import { renderTopologyJson } from '../render/topology-json';
import { migrationFiles, renderStartupScripts, startupScripts } from '../schema';

/** The parts of `topology.json` the rehearsal reads (see `renderTopologyJson`). */
export interface TopologyDocument {
  readonly version: number;
  readonly name: string;
  readonly database: string;
  readonly ingestionTiers: readonly {
    readonly role: string; readonly clusterName: string; readonly installation?: string; readonly nodes?: number; readonly consumersPerNode?: number;
  }[];
  readonly kafkaBackends: readonly {
    readonly name: string;
    readonly kind: string;
    readonly auth: string;
    readonly brokerListEnv: string;
    readonly topics: readonly { readonly name: string; readonly partitions: number }[];
  }[];
  readonly streams: readonly StreamDocument[];
  readonly zookeeperRoot?: string;
  readonly clusterNames?: { readonly sharded?: string; readonly singleShard?: string; readonly migrations?: string };
  readonly storage?: {
    readonly shards: number;
    readonly replicas: number;
    readonly hosts: readonly { readonly name: string; readonly fqdn: string; readonly shard: number; readonly replica: number; readonly tcpPort: number }[];
  };
  readonly zookeeper?: readonly { readonly fqdn: string; readonly clientPort: number }[];
  readonly clusters?: readonly {
    readonly name: string;
    readonly secretEnv: string;
    readonly shards: readonly { readonly weight: number; readonly internalReplication: boolean; readonly replicas: readonly { readonly host: string; readonly port: number }[] }[];
  }[];
  readonly artifacts?: {
    readonly nodeGroups?: readonly { readonly name: string; readonly roles: readonly string[] }[];
    readonly sql?: Readonly<Record<string, readonly string[]>>;
  };
}

export interface StreamDocument {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** Null for a ShuffleHog stream, which stores nothing. */
  readonly engine: { readonly family: string; readonly folds: boolean } | null;
  readonly dataTable: string;
  readonly sharded?: boolean;
  readonly shardingKey?: string | null;
  readonly targetCluster?: string | null;
  /** A sharded stream's Distributed read table over its data table. */
  readonly readTable?: string | null;
  /** `<stream>_dead_letters` on the storage hosts. */
  readonly deadLetterTable?: string;
  readonly legs: readonly LegDocument[];
  readonly shuffle: null | { readonly backend: string; readonly topic: string; readonly keyExpression: string; readonly producerTable: string };
}

export interface LegDocument {
  readonly backend: string;
  readonly backendKind: string;
  readonly topic: string;
  /** The topic's declared partitions. */
  readonly partitions?: number;
  readonly consumerGroup: string;
  readonly consumersPerNode?: Readonly<Record<string, number>>;
  readonly format?: string;
  readonly suffix: string;
  readonly roles: readonly string[];
  readonly kafkaTable: string;
  readonly materializedView: string;
  readonly writableTable: string;
  readonly deadLetterView?: string;
  readonly deadLetterWritableTable?: string;
}

/** Everything a rehearsal reads: the region's `topology.json` and its artifacts by path. */
export interface RehearsalBundle {
  readonly topology: TopologyDocument;
  /** Artifacts keyed by their path under `artifacts/`, e.g. `sql/small/2_kafka_groups.sql`. */
  readonly files: ReadonlyMap<string, string>;
}

/** Why a rehearsal could not run or what broke the chain; the message names the object. */
export class RehearsalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RehearsalError';
  }
}

/** A bundle from rendered files (paths relative to `artifacts/`); one of them must be `topology.json`. */
export function bundleFromFiles(files: readonly RenderedFile[]): RehearsalBundle {
  const map = new Map(files.map((f) => [f.path, f.content] as const));
  const json = map.get('topology.json');
  if (json === undefined) throw new RehearsalError('no topology.json among the artifacts: synthesize the stack with this version of the library');
  const topology = JSON.parse(json) as TopologyDocument;
  const problems = new Problems();
  problems.check(typeof topology.database === 'string', 'topology.json database', topology.database, 'the database name');
  problems.check(Array.isArray(topology.streams), 'topology.json streams', topology.streams, 'a list of streams');
  problems.check(Array.isArray(topology.ingestionTiers), 'topology.json ingestionTiers', topology.ingestionTiers, 'a list of tiers');
  problems.check(Array.isArray(topology.kafkaBackends), 'topology.json kafkaBackends', topology.kafkaBackends, 'a list of backends');
  problems.throwIfAny('topology.json');
  return { topology, files: map };
}

/** A synthesized stack's artifacts: `cdktf.out/stacks/<stack>/artifacts/`. */
export function bundleFromArtifacts(dir: string): RehearsalBundle {
  if (!fs.existsSync(path.join(dir, 'topology.json'))) {
    throw new RehearsalError(`${path.join(dir, 'topology.json')} not found: run \`npm run synth\` first`);
  }
  const files: RenderedFile[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(p);
      else if (p === 'topology.json' || /^(clickhouse|sql)\//.test(p)) files.push({ path: p, content: fs.readFileSync(path.join(dir, p), 'utf8') });
    }
  };
  walk('');
  return bundleFromFiles(files);
}

/**
 * The same files a synth writes, rendered in memory from a topology (ClickHouse config per node
 * group, SQL per role, `topology.json`), so a rehearsal needs no synth.
 */
export function bundleFromTopology(topology: Topology, options: ClickHouseConfigOptions = {}): RehearsalBundle {
  const groups = nodeGroups(topology);
  const config = groups.flatMap((g) => [...renderNodeGroupConfig(topology, g, options), renderStartupScripts(topology, g.role)]
    .map((f) => ({ path: `clickhouse/${g.name}/${f.path}`, content: f.content })));
  // Each storage host's own files (its macros), where a synth writes them.
  for (const h of topology.storage.hosts) {
    const macros = renderHostMacros(topology, h, options);
    config.push({ path: `clickhouse/${STORAGE_GROUP_NAME}/hosts/${h.name}/${macros.path}`, content: macros.content });
  }
  const sql = migrationFiles(topology);
  const sqlByRole: Record<string, string[]> = {};
  for (const f of sql) {
    const [, role, file] = f.path.split('/');
    (sqlByRole[role] ??= []).push(file);
  }
  const index = { nodeGroups: groups.map((g) => ({ name: g.name, roles: [g.role.value], hosts: g.hosts.map((h) => h.name) })), sql: sqlByRole };
  return bundleFromFiles([...config, ...sql, renderTopologyJson(topology, index)]);
}

/** The config.d/ and users.d/ files of the node group that runs a role, relative to the group folder. */
export function nodeConfigFiles(bundle: RehearsalBundle, role: string): RenderedFile[] {
  const groups = bundle.topology.artifacts?.nodeGroups ?? [];
  const group = groups.find((g) => g.roles.includes(role))?.name
    ?? bundle.topology.ingestionTiers.find((t) => t.role === role)?.installation
    ?? `ingestion-${role.replace(/_/g, '-')}`;
  const prefix = `clickhouse/${group}/`;
  const files: RenderedFile[] = [];
  for (const [p, content] of bundle.files) {
    if (!p.startsWith(prefix)) continue;
    const rel = p.slice(prefix.length);
    // The role's statements run from sql/<role>/ (one file each, so a failure names its file).
    if (/^(config|users)\.d\/[^/]+\.xml$/.test(rel) && rel !== 'config.d/startup_scripts.xml') files.push({ path: rel, content });
  }
  if (files.length === 0) throw new RehearsalError(`no ClickHouse config for role ${role}: expected ${prefix}config.d/*.xml among the artifacts`);
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A storage host's own files (`clickhouse/data/hosts/<host>/config.d/*.xml`: its macros), relative to the host folder. */
export function hostConfigFiles(bundle: RehearsalBundle, host: string): RenderedFile[] {
  const prefix = `clickhouse/${STORAGE_GROUP_NAME}/hosts/${host}/`;
  const files = [...bundle.files].filter(([p]) => p.startsWith(prefix) && /^config\.d\/[^/]+\.xml$/.test(p.slice(prefix.length)))
    .map(([p, content]) => ({ path: p.slice(prefix.length), content }));
  if (files.length === 0) throw new RehearsalError(`no config for storage host ${host}: expected ${prefix}config.d/macros.xml among the artifacts`);
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The node group folder that runs a role. */
export function groupOfRole(bundle: RehearsalBundle, role: string): string {
  return bundle.topology.artifacts?.nodeGroups?.find((g) => g.roles.includes(role))?.name
    ?? bundle.topology.ingestionTiers.find((t) => t.role === role)?.installation
    ?? (role === 'data' ? STORAGE_GROUP_NAME : `ingestion-${role.replace(/_/g, '-')}`);
}

/**
 * The statements a node group's `config.d/startup_scripts.xml` runs at boot, in order (empty when
 * the group has none): the same statements the host runs, read from the file it loads.
 */
export function startupStatements(bundle: RehearsalBundle, role: string): {
  readonly path: string;
  readonly queries: readonly string[];
  /** Each script's query with its `<condition>` (the migration ledger's steps run only when pending). */
  readonly scripts: readonly { readonly query: string; readonly condition?: string }[];
} | undefined {
  const p = `clickhouse/${groupOfRole(bundle, role)}/config.d/startup_scripts.xml`;
  const content = bundle.files.get(p);
  if (content === undefined) return undefined;
  const scripts = startupScripts({ path: p, content });
  return { path: p, queries: scripts.map((s) => s.query), scripts };
}

/** A role's statements in run order, each with the artifact it came from. */
export function roleStatements(bundle: RehearsalBundle, role: string): RenderedFile[] {
  const prefix = `sql/${role}/`;
  const listed = bundle.topology.artifacts?.sql?.[role];
  const names = listed !== undefined
    ? listed.map((n) => prefix + n)
    : [...bundle.files.keys()].filter((p) => p.startsWith(prefix) && p.endsWith('.sql')).sort();
  return names.map((p) => {
    const content = bundle.files.get(p);
    if (content === undefined) throw new RehearsalError(`${p} is listed in topology.json but missing from the artifacts`);
    return { path: p, content };
  });
}

/** Returns a copy of the bundle with one artifact replaced (tests break a stream this way). */
export function withArtifact(bundle: RehearsalBundle, file: RenderedFile): RehearsalBundle {
  const files = new Map(bundle.files);
  files.set(file.path, file.content);
  return { topology: bundle.topology, files };
}

/**
 * A bundle limited to the named streams, plus the ShuffleHog streams that feed them (a stream
 * reading a re-keyed topic needs its producer). Throws naming an unknown stream.
 */
export function withStreams(bundle: RehearsalBundle, names: readonly string[]): RehearsalBundle {
  const all = bundle.topology.streams;
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new RehearsalError(`no stream ${unknown.join(', ')} in ${bundle.topology.name} (streams: ${all.map((s) => s.name).join(', ')})`);
  const keep = new Set(names);
  for (let changed = true; changed;) {
    changed = false;
    for (const s of all) {
      if (keep.has(s.name) || s.shuffle === null) continue;
      const feeds = all.some((t) => keep.has(t.name) && t.legs.some((l) => l.backend === s.shuffle!.backend && l.topic === s.shuffle!.topic));
      if (feeds) {
        keep.add(s.name);
        changed = true;
      }
    }
  }
  return { topology: { ...bundle.topology, streams: all.filter((s) => keep.has(s.name)) }, files: bundle.files };
}
