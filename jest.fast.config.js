/**
 * `npm test`: the fast suite, for the edit-test loop (about a minute on two cores with lint and
 * tsc). The model, renderers, constructs and policy pack, bad input and the docs' examples, with
 * no engine started. The files below start real engines (chdb, ZooKeeper, librdkafka's mock Kafka,
 * terraform, cloud-init, promtool, systemd-analyze) or synthesize whole regions many times over;
 * they run in `npm run test:all` (jest.config.js), which CI runs.
 */
const base = require('./jest.config');

const fs = require('fs');
const path = require('path');

/**
 * A file that imports an engine helper starts an engine: chdb (support/engine, chdb), terraform
 * (support/terraform), ZooKeeper (support/zookeeper), cloud-init (cloud-init-schema), the mock
 * Kafka and rehearsals (lib/rehearsal). Found by reading the imports, so a new engine test never
 * lands in the fast suite by accident.
 */
const ENGINE_IMPORT = /from '[^']*(support\/engine|support\/terraform|support\/zookeeper|cloud-init-schema|chdb-stand-in|lib\/rehearsal[^']*)'|from 'chdb'|require\('chdb'\)/;

/**
 * Engines started without one of those imports (ZooKeeper, cloud-init, promtool, systemd-analyze,
 * npm pack, the chdb topology check of whole regions), and whole regions synthesized many times
 * (golden files, every shipped stack through the policy pack, plan stability, fuzzing, locks,
 * snapshots, artifacts on disk).
 */
const ENGINE_SUITES = [
  'bench/floors', 'dr/consumers-off', 'dr/disk-sizes', 'kafka/topics-job', 'migrations/region-lock-synth', 'observability/artifacts',
  'observability/observability-construct', 'observability/rules', 'observability/zookeeper-exporter', 'package/hygiene',
  'policy/default-stacks', 'region/access', 'region/clickhouse-config', 'region/examples', 'region/stacks', 'safety/fuzz',
  'safety/plan-stability', 'schema/property', 'storage/prepare-disks', 'testing/snapshot', 'zookeeper/zoo-cfg',
];

function engineSuites(dir = path.join(__dirname, '__tests__')) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...engineSuites(file));
    else if (entry.name.endsWith('.test.ts')) {
      const suite = path.relative(path.join(__dirname, '__tests__'), file).replace(/\.test\.ts$/, '').split(path.sep).join('/');
      if (ENGINE_SUITES.includes(suite) || ENGINE_IMPORT.test(fs.readFileSync(file, 'utf8'))) found.push(suite);
    }
  }
  return found.sort();
}

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/', ...engineSuites().map((s) => `/__tests__/${s}\\.test\\.ts$`)],
  maxWorkers: 2,
};
