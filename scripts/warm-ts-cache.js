// The `prepare` script (`npm ci`, `npm install`): fills the transpile cache of scripts/ts-register.js
// with the sources `npm run synth` and `cdktf synth` load, so the first synth after a fresh install
// runs like every later one (an empty cache loads @swc/core: ≈ 0.3 s and ≈ 50 MB more peak RSS).
// Never fails the install: without @swc/core (a production install) there is nothing to warm.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

try {
  const files = ['lib', 'stacks'].filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap((d) => sources(path.join(ROOT, d)));
  require('./ts-register').warm(files);
  console.log(`warm-ts-cache: ${files.length} sources in the transpile cache`);
} catch (e) {
  console.warn(`warm-ts-cache: skipped (${e instanceof Error ? e.message : String(e)})`);
}
