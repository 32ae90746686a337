// `node -r ./scripts/ts-register.js app.ts`: runs TypeScript sources as `npm run synth` and `cdktf synth`
// do. Each .ts file is transpiled by @swc/core with the same options as the jest transform
// (jest.config.js), and the JavaScript is kept in node_modules/.cache/ts-register under a hash of the
// source, so a later run reads it back without loading the compiler at all. Unlike
// @swc-node/register it never loads the `typescript` package (≈ 50 MB and half a second per run) and
// leaves .js files alone. Types are not checked here: `npm run typecheck` does that.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const SWC_OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  // Inline, so `node --enable-source-maps -r ./scripts/ts-register.js` maps stack traces to the sources;
  // without that flag Node ignores them (mapping every trace cdktf captures would cost seconds).
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};
const CACHE_DIR = process.env.TS_REGISTER_CACHE ?? path.join(__dirname, '..', 'node_modules', '.cache', 'ts-register');
// The compiler's version and options are part of every key: an upgrade never serves stale output.
const SALT = `${require('@swc/core/package.json').version}\0${JSON.stringify(SWC_OPTIONS)}\0`;

let swc;
function transpile(source, filename) {
  swc ??= require('@swc/core');
  return swc.transformSync(source, { ...SWC_OPTIONS, filename }).code;
}

function cached(source, filename) {
  const key = crypto.createHash('sha256').update(SALT).update(filename).update('\0').update(source).digest('hex');
  const file = path.join(CACHE_DIR, `${key.slice(0, 2)}/${key.slice(2)}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    const code = transpile(source, filename);
    try {
      // Written under a temporary name and renamed, so concurrent runs never read half a file.
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, file);
    } catch {
      // A read-only checkout still runs, only without the cache.
    }
    return code;
  }
}

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(cached(fs.readFileSync(filename, 'utf8'), filename), filename);
};

/** Transpiles `files` into the cache now (scripts/warm-ts-cache.js, run by `npm install`). */
function warm(files) {
  for (const filename of files) cached(fs.readFileSync(filename, 'utf8'), filename);
}

module.exports = { warm };
