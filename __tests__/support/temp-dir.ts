import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Temporary folders that a test file creates, removed when the file is done. Importing this module
 * registers the cleanup (jest runs it after the file's last test). No cdktf here: suites that never
 * synthesize should not pay for loading it (see ./temp.ts for the cdktf helpers).
 */
const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed after the test file. */
export function tempDir(prefix = 'test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Registers a folder made elsewhere (e.g. by `Testing.fullSynth`) for removal after the test file. */
export function removeAfterAll(dir: string): string {
  created.push(dir);
  return dir;
}
