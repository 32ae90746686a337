/**
 * A cluster's own ClickHouse server settings and settings profiles, beside the library's: rendered
 * into files of their own (`config.d/zz_extra_settings.xml`, `users.d/zz_extra_profiles.xml`, last
 * in load order), refused where they would override what the library manages. Pure: no cdktf.
 */
import { Problems } from '../model/validation';
import { RenderedFile } from '../render/file';
import { clickhouseXml, NOT_XML_CHARACTER, readXmlObject, XmlTree } from './xml';

/** A setting's value: a scalar, or nested elements (`merge_tree: { max_parts_in_total: 200000 }`). */
export type ExtraSettingValue = string | number | boolean | { readonly [name: string]: ExtraSettingValue };

/** Settings, profiles of one cluster (the storage cluster, or one ingestion tier). */
export interface ClickHouseExtraConfig {
  /**
   * Server settings (top-level elements of the server config), e.g.
   * `{ max_concurrent_queries: 200, merge_tree: { max_parts_in_total: 200000 } }`. A name the
   * library renders itself (remote_servers, zookeeper, macros, storage_configuration, logs, ...)
   * is refused, naming the file that has it.
   * @default none
   */
  readonly serverSettings?: Readonly<Record<string, ExtraSettingValue>>;
  /**
   * Settings profiles by name, each a map of query settings, e.g.
   * `{ reporting: { max_memory_usage: 10000000000, readonly: 1 } }`. A profile the library defines
   * (`default`, the ingestion profile, ...) is refused.
   * @default none
   */
  readonly profiles?: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>;
}

/** The files a cluster's extra config renders into (after every file of the library's). */
export const EXTRA_SETTINGS_FILE = 'config.d/zz_extra_settings.xml';
export const EXTRA_PROFILES_FILE = 'users.d/zz_extra_profiles.xml';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Top-level names each of the library's files defines: server settings (config.d) and profiles (users.d). */
function managedNames(files: readonly RenderedFile[]): { settings: Map<string, string>; profiles: Map<string, string> } {
  const settings = new Map<string, string>();
  const profiles = new Map<string, string>();
  for (const f of files) {
    if (!f.path.endsWith('.xml')) continue;
    const root = (readXmlObject(f.content).clickhouse ?? {}) as Record<string, unknown>;
    if (f.path.startsWith('users.d/')) {
      const p = root.profiles;
      if (p !== null && typeof p === 'object') for (const name of Object.keys(p)) if (!name.startsWith('@')) profiles.set(name, f.path);
    } else {
      for (const name of Object.keys(root)) if (!name.startsWith('@') && !name.startsWith('#')) settings.set(name, f.path);
    }
  }
  // The server's own profile every user starts from.
  if (!profiles.has('default')) profiles.set('default', 'the server\'s default profile');
  return { settings, profiles };
}

function checkValue(problems: Problems, field: string, value: unknown, depth: number): XmlTree[string] | undefined {
  if (typeof value === 'number') return problems.check(Number.isFinite(value), field, value, 'a finite number') ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    return problems.check(!NOT_XML_CHARACTER.test(value) && value.length <= 4096, field, value,
      'a string of at most 4096 characters, none of them a control character XML does not allow') ? value : undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 8) {
    const out: Record<string, XmlTree[string]> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!problems.check(NAME.test(k), `${field}.${k}`, k, 'an element name: letters, digits and _')) continue;
      const child = checkValue(problems, `${field}.${k}`, v, depth + 1);
      if (child !== undefined) out[k] = child;
    }
    return out;
  }
  problems.add(field, value, 'a number, a string, true/false, or nested settings');
  return undefined;
}

/** Entries by name, so the rendered files do not depend on the order the props were written in. */
function sortedEntries<V>(record: Readonly<Record<string, V>> | undefined): [string, V][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A name of the user's own: well-formed, and not one the library's files already hold (`owner`, where they do). */
function ownName(problems: Problems, field: string, name: string, wellFormed: string, owner: string | undefined, taken: string): boolean {
  return problems.check(NAME.test(name), field, name, `${wellFormed}: letters, digits and _`)
    && problems.check(owner === undefined, field, name, `${taken} ${owner}`);
}

/**
 * Checks a cluster's extra config against the library's files of that cluster and renders it.
 * Problems go under `field` (`storageClusterOptions.extraConfig`); nothing is rendered when there are any.
 */
export function renderExtraConfig(problems: Problems, field: string, extra: ClickHouseExtraConfig | undefined,
  libraryFiles: readonly RenderedFile[]): RenderedFile[] {
  if (extra === undefined) return [];
  const before = problems.all.length;
  if (!problems.check(extra !== null && typeof extra === 'object', field, extra, 'serverSettings and profiles')) return [];
  const managed = managedNames(libraryFiles);
  const settings: Record<string, XmlTree[string]> = {};
  for (const [name, value] of sortedEntries(extra.serverSettings)) {
    const f = `${field}.serverSettings.${name}`;
    if (!ownName(problems, f, name, 'a server setting name', managed.settings.get(name), `a setting the library does not manage: ${name} is rendered in`)) continue;
    const v = checkValue(problems, f, value, 0);
    if (v !== undefined) settings[name] = v;
  }
  const profiles: Record<string, XmlTree[string]> = {};
  for (const [name, profile] of sortedEntries(extra.profiles)) {
    const f = `${field}.profiles.${name}`;
    if (!ownName(problems, f, name, 'a profile name', managed.profiles.get(name), `a profile the library does not define: ${name} is defined in`)) continue;
    if (!problems.check(profile !== null && typeof profile === 'object' && !Array.isArray(profile), f, profile, 'query settings by name')) continue;
    const out: Record<string, XmlTree[string]> = {};
    for (const [k, v] of sortedEntries(profile as Record<string, unknown>)) {
      if (!problems.check(NAME.test(k), `${f}.${k}`, k, 'a setting name: letters, digits and _')) continue;
      if (!problems.check(typeof v !== 'object' || v === null, `${f}.${k}`, v, 'a number, a string or true/false')) continue;
      const value = checkValue(problems, `${f}.${k}`, v, 0);
      if (value !== undefined) out[k] = value;
    }
    profiles[name] = out;
  }
  if (problems.all.length > before) return [];
  const files: RenderedFile[] = [];
  if (Object.keys(settings).length > 0) files.push({ path: EXTRA_SETTINGS_FILE, content: clickhouseXml(settings) });
  if (Object.keys(profiles).length > 0) files.push({ path: EXTRA_PROFILES_FILE, content: clickhouseXml({ profiles }) });
  return files;
}
