// `cdktf-clickhouse-ingest/renderers`: every building block, for users who compose their own
// constructs or runners from the pure renderers (ClickHouse XML, SQL placement, zoo.cfg, cloud-init,
// Helm values, review artifacts) and the model's helpers. Re-exports only. Not covered by the
// root's stability promise: names here may change in a minor release (see CHANGELOG.md).

// The topology model.
export * from './model';

// Pure renderers.
export * from './clickhouse';
export * from './schema';
export * from './cloud-init';
export * from './zookeeper/index';
export * from './kubernetes/chi';
export * from './kubernetes/ingestion';
export * from './kubernetes/operator';
export * from './kubernetes/warpstream';
export * from './kubernetes/yaml';
export * from './render/file';
export * from './render/artifacts';
export * from './render/ansible-inventory';
export * from './render/topology-json';
export * from './render/topology-md';
export * from './dr/backup';
export * from './dr/offsets';
export * from './render/terraform-literal';
export * from './render/placeholders';
export * from './kubernetes/kafka-topics';
export * from './observability/index';
export * from './lock';
export * from './migrations';

// Constructs.
export * from './constructs/storage-cluster';
export * from './constructs/zookeeper';
export * from './constructs/kafka-backend';
export * from './constructs/clickhouse-operator';
export * from './constructs/stateless-ingestion-tier';
export * from './constructs/region-stack';
export * from './constructs/backup-bucket';
export * from './constructs/disaster-recovery';
export * from './constructs/literal-text';
export * from './constructs/ephemeral-resource';
export * from './constructs/generated-secret';
export * from './constructs/kubernetes-secret-from-aws';
export * from './constructs/kafka-topics';
export * from './constructs/ingestion-storage-class';
export * from './constructs/region-prerequisites';
export * from './constructs/observability';
export * from './constructs/region-validation';
export * from './lock/region-lock-file';
export * from './constructs/schema-migration-runner';
export * from './clickhouse/versions';
export * from './dr/disk-sizes';

// The policy pack.
export * from './policy';

// The offline rehearsal of a synthesized region.
export * from './rehearsal';

// Test helpers for platform teams' pull requests.
export * from './testing/snapshot';
