/**
 * `npm test`: the fast suite, for the edit-test loop (about a minute on two cores with lint and
 * tsc). The model, renderers, constructs and policy pack, bad input and the docs' examples, with
 * no engine started. The files below start real engines (chdb, ZooKeeper, librdkafka's mock Kafka,
 * terraform, cloud-init, promtool, systemd-analyze) or synthesize whole regions many times over;
 * they run in `npm run test:all` (jest.config.js), which CI runs.
 */
const base = require('./jest.config');

const ENGINE_SUITES = [
  // chdb: rendered config and SQL loaded into a real ClickHouse
  'clickhouse/engine', 'clickhouse/migrator-user', 'clickhouse/zookeeper', 'dr/backup', 'dr/offset-drill', 'dr/offsets',
  'ingestion/chi-engine', 'migrations/boot-scripts', 'migrations/column-properties', 'migrations/evolution',
  'model/sql-text', 'observability/endpoint-engine', 'observability/metric-names', 'region/artifacts-engine',
  'schema/engine', 'schema/posthog-shapes', 'schema/property', 'schema/quoting', 'schema/replicated', 'schema/shufflehog',
  'storage/host-config', 'storage/tiered-storage',
  // rehearsals and drills (mock Kafka, chdb, ZooKeeper)
  'rehearsal/rehearsal', 'rehearsal/mutations', 'rehearsal/dead-letter-drill', 'rehearsal/schema-evolution',
  // ZooKeeper, cloud-init, promtool, systemd-analyze, terraform, npm pack
  'zookeeper/root-znodes', 'zookeeper/zoo-cfg', 'zookeeper/zookeeper-construct', 'kafka/topics-job',
  'storage/prepare-disks', 'storage/storage-cluster', 'observability/rules', 'observability/artifacts',
  'observability/zookeeper-exporter', 'observability/observability-construct', 'region/first-apply',
  'region/terraform-validate', 'safety/literal-text', 'package/hygiene',
  // whole regions synthesized, many of them or many times (golden files, every shipped stack
  // through the policy pack, plan stability, fuzzing, locks, snapshots, artifacts on disk)
  'region/stacks', 'policy/default-stacks', 'region/examples', 'region/clickhouse-config', 'safety/plan-stability',
  'safety/fuzz', 'dr/disk-sizes', 'dr/consumers-off', 'migrations/region-lock-synth', 'testing/snapshot', 'rehearsal/artifacts',
];

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/', ...ENGINE_SUITES.map((s) => `/__tests__/${s}\\.test\\.ts$`)],
  maxWorkers: 2,
};
