/**
 * A role's statements as ClickHouse `<startup_scripts>` (config.d XML). A stateless ingestion
 * node comes back with an empty disk, so it recreates its Kafka table, view and writable table on
 * every boot; every statement is IF NOT EXISTS, so a node that kept its disk runs them harmlessly.
 */
import { childElements, clickhouseXml, readXml } from '../clickhouse/xml';
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

/** Each script of a rendered startup-scripts file, in order: its query and, for a pending migration step, its condition. */
export function startupScripts(file: RenderedFile): { readonly query: string; readonly condition?: string }[] {
  const root = readXml(file.content);
  return childElements(root, 'startup_scripts').flatMap((s) => childElements(s, 'scripts')).map((script) => {
    const [query] = childElements(script, 'query');
    const [condition] = childElements(script, 'condition');
    return { query: query?.textContent ?? '', ...(condition !== undefined ? { condition: condition.textContent ?? '' } : {}) };
  });
}

/** The queries of a rendered startup-scripts file, in order (for runners and tests that execute them). */
export function startupScriptQueries(file: RenderedFile): string[] {
  return startupScripts(file).map((s) => s.query);
}
