import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';

/**
 * Temporary folders that a test file creates, removed when the file is done. cdktf's
 * `Testing.app()` and `Testing.fullSynth()` each leave a `cdktf.outdir.*` folder in the temp dir
 * (about 280 per run before these helpers); use `testApp()` and `fullSynth()` instead.
 * Importing this module registers the cleanup (jest runs it after the file's last test).
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

/** `Testing.app()` whose outdir is removed after the test file. */
export function testApp(options: Parameters<typeof Testing.app>[0] = {}): App {
  return Testing.app({ ...options, outdir: options.outdir ?? tempDir('cdktf.outdir.') });
}

/** `Testing.fullSynth(stack)`, its outdir removed after the test file. */
export function fullSynth(stack: TerraformStack): string {
  const outdir = Testing.fullSynth(stack);
  created.push(outdir);
  return outdir;
}
