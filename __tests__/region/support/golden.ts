import * as fs from 'fs';
import * as path from 'path';
import { readTree } from './synth';

/**
 * Golden folders: a synthesized stack is compared file by file with a committed copy under
 * `__tests__/region/golden/<name>/`, laid out exactly like `cdktf.out/stacks/<name>/`, so a pull
 * request shows plan and artifact changes as ordinary file diffs. `jest -u` rewrites them, as it
 * does snapshots; a missing golden folder is written on first run unless jest runs with `--ci`.
 */
export function expectToMatchGolden(actualDir: string, name: string): void {
  const goldenDir = path.join(__dirname, '..', 'golden', name);
  const actual = readTree(actualDir);
  const mode = (expect.getState() as { snapshotState?: { _updateSnapshot?: string } }).snapshotState?._updateSnapshot ?? 'new';
  if (mode === 'all' || (mode === 'new' && !fs.existsSync(goldenDir))) {
    fs.rmSync(goldenDir, { recursive: true, force: true });
    for (const [file, content] of actual) {
      const target = path.join(goldenDir, ...file.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    console.warn(`golden ${name}: wrote ${actual.size} files to ${path.relative(process.cwd(), goldenDir)}`);
    return;
  }
  const golden = readTree(goldenDir);
  // File lists first: an added or missing file is the most readable failure.
  expect([...actual.keys()]).toEqual([...golden.keys()]);
  for (const [file, content] of actual) {
    if (content !== golden.get(file)) {
      // Shows the first differing lines of the first differing file; `jest -u` accepts the change.
      const ours = content.split('\n');
      const theirs = (golden.get(file) ?? '').split('\n');
      let line = 0;
      while (line < ours.length && ours[line] === theirs[line]) line++;
      const from = Math.max(0, line - 3);
      expect({ file, line: line + 1, text: ours.slice(from, line + 8) }).toEqual({ file, line: line + 1, text: theirs.slice(from, line + 8) });
    }
  }
}
