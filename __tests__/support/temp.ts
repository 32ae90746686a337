import { App, TerraformStack, Testing } from 'cdktf';
import { removeAfterAll, tempDir } from './temp-dir';

export { tempDir } from './temp-dir';

/**
 * cdktf's `Testing.app()` and `Testing.fullSynth()` each leave a `cdktf.outdir.*` folder in the
 * temp dir (about 280 per run before these helpers); use `testApp()` and `fullSynth()` instead,
 * whose folders are removed after the test file.
 */

/** `Testing.app()` whose outdir is removed after the test file. */
export function testApp(options: Parameters<typeof Testing.app>[0] = {}): App {
  return Testing.app({ ...options, outdir: options.outdir ?? tempDir('cdktf.outdir.') });
}

/** `Testing.fullSynth(stack)`, its outdir removed after the test file. */
export function fullSynth(stack: TerraformStack): string {
  return removeAfterAll(Testing.fullSynth(stack));
}
