import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../support/temp-dir';

/**
 * `npm run synth` runs the sources through scripts/ts-register.js, and `npm ci` fills its transpile
 * cache (the `prepare` script, scripts/warm-ts-cache.js), so the first synth after an install never
 * loads the compiler. Both run here as they do there: real node processes over the real sources.
 */

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Loads the region stack's module graph through the hook; returns whether @swc/core was loaded (its package.json, read for the cache key, aside). */
function loadsCompiler(cache: string): boolean {
  const out = execFileSync(process.execPath, ['-r', './scripts/ts-register.js', '-e',
    "require('./lib/constructs/region-stack'); require('./stacks/app'); " +
    "process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('@swc/core') && !k.endsWith('package.json'))))"],
  { cwd: root, env: { ...process.env, TS_REGISTER_CACHE: cache }, encoding: 'utf8' });
  return out.trim() === 'true';
}

test('the prepare script warms the cache, so the app then loads without @swc/core', () => {
  expect(pkg.scripts.prepare).toBe('node scripts/warm-ts-cache.js');
  const cache = tempDir('ts-cache-');
  // An empty cache transpiles, so the check below could fail.
  expect(loadsCompiler(tempDir('ts-cache-empty-'))).toBe(true);
  const out = execFileSync(process.execPath, ['scripts/warm-ts-cache.js'], { cwd: root, env: { ...process.env, TS_REGISTER_CACHE: cache }, encoding: 'utf8' });
  expect(out).toMatch(/^warm-ts-cache: \d+ sources in the transpile cache/);
  expect(loadsCompiler(cache)).toBe(false);
}, 60_000);

test('a cached transpile is keyed by the source: an edited file is transpiled afresh', () => {
  const cache = tempDir('ts-cache-');
  const dir = tempDir('ts-src-');
  const file = path.join(dir, 'value.ts');
  const run = (): string => execFileSync(process.execPath, ['-r', path.join(root, 'scripts/ts-register.js'), file],
    { cwd: root, env: { ...process.env, TS_REGISTER_CACHE: cache }, encoding: 'utf8' });
  fs.writeFileSync(file, "const value: string = 'one';\nprocess.stdout.write(value);\n");
  expect(run()).toBe('one');
  fs.writeFileSync(file, "const value: string = 'two';\nprocess.stdout.write(value);\n");
  expect(run()).toBe('two');
}, 60_000);
