/**
 * Every test run gets a temp dir of its own, and nothing may be left in it. globalSetup points
 * TMPDIR (so `os.tmpdir()` in every jest worker and in the processes they start) at a fresh folder;
 * globalTeardown removes it and fails the run, naming each entry a test left behind: a
 * `cdktf.outdir.*` of cdktf's Testing helpers, an engine's or a rehearsal's work folder, a
 * terraform work dir. Other processes on the machine cannot disturb the count, since they never
 * write there. The only things kept across runs are build caches, outside this folder.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const STATE = 'CDKTF_CLICKHOUSE_TEST_TMPDIR';

/**
 * Caches by design: the engine worker, written once per source version (lib/rehearsal/engine-process.ts),
 * and the compile cache of the v8-compile-cache package that some child tools load.
 */
const CACHES = [/^cdktf-clickhouse-ingest-engine-worker-[0-9a-f]+\.js$/, /^v8-compile-cache-\d+$/];

async function setup() {
  const outer = os.tmpdir();
  const dir = fs.mkdtempSync(path.join(outer, 'cdktf-clickhouse-ingest-test-'));
  process.env[STATE] = dir;
  process.env.TMPDIR = dir;
  // The rehearsal's mock Kafka helper is built with gcc once per source version: keep it across runs.
  process.env.REHEARSAL_CACHE_DIR = process.env.REHEARSAL_CACHE_DIR ?? path.join(outer, 'cdktf-clickhouse-rehearsal');
}

async function teardown() {
  const dir = process.env[STATE];
  if (dir === undefined || !fs.existsSync(dir)) return;
  const left = fs.readdirSync(dir).filter((name) => !CACHES.some((c) => c.test(name))).sort();
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    const shown = left.slice(0, 20).join(', ') + (left.length > 20 ? `, … (${left.length - 20} more)` : '');
    throw new Error(`Tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp dir: ${shown}. ` +
      'Use tempDir()/testApp()/fullSynth() from __tests__/support/temp.ts, or remove what a test creates.');
  }
}

module.exports = { setup, teardown };
