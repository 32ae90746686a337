/** A file a renderer produces, with its path relative to some root, e.g. `config.d/macros.xml`. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/** Sorts files by path so output is deterministic regardless of build order. */
export function sortFiles(files: readonly RenderedFile[]): RenderedFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
