import { Problems } from '../model';
import { RenderedFile, sortFiles } from './file';

/** Folder beside a stack's `cdk.tf.json` that holds the review artifacts. */
export const ARTIFACTS_DIR = 'artifacts';

/** A relative POSIX path whose segments are plain file names: nothing can escape the artifacts folder. */
const SAFE_PATH = /^(?!.*\/\/)[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/** Prefixes every file's path with a folder, e.g. `sql/data`. */
export function underFolder(folder: string, files: readonly RenderedFile[]): RenderedFile[] {
  return files.map((f) => ({ path: `${folder}/${f.path}`, content: f.content }));
}

/**
 * Checks and orders a region's artifacts: every path relative and safe, no two files on one path
 * (two renderers disagreeing would otherwise silently overwrite each other), sorted by path.
 */
export function assembleArtifacts(files: readonly RenderedFile[]): RenderedFile[] {
  const problems = new Problems();
  const seen = new Set<string>();
  for (const f of files) {
    problems.check(SAFE_PATH.test(f.path) && !f.path.split('/').includes('..'), 'artifacts', f.path,
      'a relative path of plain file names (letters, digits, ., _ and -)');
    if (seen.has(f.path)) problems.add('artifacts', f.path, 'one file per path (two renderers produced this one)');
    seen.add(f.path);
  }
  problems.throwIfAny('set of artifacts');
  return sortFiles(files);
}

/** The parts of a synthesized `cdk.tf.json` this module reads. */
interface SynthesizedConfig {
  readonly resource?: {
    readonly helm_release?: Readonly<Record<string, { readonly name?: unknown; readonly values?: unknown }>>;
  };
}

/**
 * `helm/<release>.values.yaml` for every `helm_release` in a synthesized stack, read back from the
 * Terraform JSON so that what reviewers see is exactly what Terraform applies. A release with
 * several values documents gets them in order, separated by `---`.
 */
export function helmValuesArtifacts(config: unknown): RenderedFile[] {
  const releases = (config as SynthesizedConfig | undefined)?.resource?.helm_release ?? {};
  const files: RenderedFile[] = [];
  const ids = Object.keys(releases).sort();
  const nameOf = (id: string): string | undefined => {
    const name = releases[id].name;
    return typeof name === 'string' && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) ? name : undefined;
  };
  for (const id of ids) {
    const release = releases[id];
    // Release names are unique per namespace only; fall back to the logical id when two share one.
    const name = nameOf(id);
    const fileName = name !== undefined && ids.filter((other) => nameOf(other) === name).length === 1 ? name : id;
    const values = Array.isArray(release.values) ? release.values.map(String) : [];
    const content = values.map((v) => (v.endsWith('\n') ? v : v + '\n')).join('---\n');
    files.push({ path: `helm/${fileName}.values.yaml`, content });
  }
  return files;
}
