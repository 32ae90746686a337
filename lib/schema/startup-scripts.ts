/**
 * A role's statements as ClickHouse `<startup_scripts>` (config.d XML). A stateless ingestion
 * node comes back with an empty disk, so it recreates its Kafka table, view and writable table on
 * every boot; every statement is IF NOT EXISTS, so a node that kept its disk runs them harmlessly.
 */
import { clickhouseXml } from '../clickhouse/xml';
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { RenderedFile } from '../render/file';
import { statementsForRole } from './placement';
import { SchemaObjectKind, SchemaOptions } from './statements';

/** Where the file goes under a node's config root. */
export const STARTUP_SCRIPTS_PATH = 'config.d/startup_scripts.xml';

export interface StartupScriptOptions extends SchemaOptions {
  /**
   * Whether the server refuses to start when a statement fails. On an ingestion node a failure
   * means a node that runs but never consumes, so it should fail loudly and be restarted. A data
   * node should still come up to serve reads when ZooKeeper is briefly away at boot.
   * @default true on ingestion roles, false on DATA
   */
  readonly throwOnError?: boolean;
}

/** `config.d/startup_scripts.xml` running the role's statements in order on every boot. */
export function renderStartupScripts(topology: Topology, role: NodeRole | string, options: StartupScriptOptions = {}): RenderedFile {
  const value = typeof role === 'string' ? role : role.value;
  // Roles are applied by the migration runner (sql/<role>/), not at boot: a failing GRANT would
  // stop an ingestion pod that must consume, and consuming needs no role.
  const statements = statementsForRole(topology, value, options).filter((s) => s.kind !== SchemaObjectKind.ACCESS_ROLE);
  const throwOnError = options.throwOnError ?? value !== NodeRole.DATA.value;
  // Pending schema migrations first (lib/migrations): a node that kept its disk catches up, then IF NOT EXISTS fills in the rest.
  const boot = (statements.length > 0 ? topology.bootScripts?.[value] ?? [] : [])
    .map((b) => (b.condition === undefined ? { query: b.query } : { query: b.query, condition: b.condition }));
  const content = clickhouseXml({
    startup_scripts: { throw_on_error: String(throwOnError), scripts: [...boot, ...statements.map((s) => ({ query: s.sql }))] },
  }, ` Schema of role ${value}, run in order on every boot (rendered by cdktf-clickhouse-ingest). `);
  return { path: STARTUP_SCRIPTS_PATH, content };
}

/** The queries of a rendered startup-scripts file, in order (for runners and tests that execute them). */
export function startupScriptQueries(file: RenderedFile): string[] {
  // Loaded here, not at the top: a synth renders these files and never reads them back.
  const { create } = require('xmlbuilder2') as typeof import('xmlbuilder2');
  const doc = create(file.content).toObject() as { clickhouse?: { startup_scripts?: { scripts?: unknown } } };
  const scripts = doc.clickhouse?.startup_scripts?.scripts;
  const list = scripts === undefined ? [] : Array.isArray(scripts) ? scripts : [scripts];
  return list.map((s) => String((s as { query: unknown }).query));
}
