// The package's entry point: re-exports only. The constructs and their props, the spec types,
// the errors, and the helpers users need (rehearsal, snapshot tests, disaster recovery). The pure
// renderers and other building blocks are in 'cdktf-clickhouse-ingest/renderers'.

// The region description and the model it is validated into.
export {
  buildTopology, DataEngine, DEFAULT_CLUSTER_NAMES, KafkaAuth, KafkaBackendKind, LEG_KAFKA_SETTINGS, LIMITS, NodeRole, OWNED_KAFKA_SETTINGS, Problems,
  TopologyValidationError,
} from './model';
export type {
  Cluster, ClusterKind, OffsetPolicy, Problem, ClusterNamesSpec, ClusterShard, ColumnSpec, ConsumersSwitch, Host, IngestionTier, IngestionTierSpec, KafkaBackendModel,
  KafkaBackendSpec, KafkaTopicSpec, ShuffleSink, ShuffleSinkSpec, StorageModel, StorageSpec, Stream, StreamLeg, StreamLegSpec, StreamSpec,
  Topology, TopologySpec, ZooKeeperEnsembleSpec, ZooKeeperNode,
} from './model';

// Constructs and their props.
export * from './constructs/region-stack';
export * from './constructs/state-backend';
export * from './constructs/storage-cluster';
export { ZooKeeper } from './constructs/zookeeper';
export type { ZooKeeperNodeResources, ZooKeeperProps, ZooKeeperAutopurgeOptions, ZooCfgOptions } from './constructs/zookeeper';
export * from './constructs/kafka-backend';
export * from './constructs/clickhouse-operator';
export * from './constructs/stateless-ingestion-tier';
export * from './constructs/backup-bucket';
export * from './constructs/literal-text';
export * from './constructs/generated-secret';
export * from './constructs/kubernetes-secret-from-aws';
export * from './constructs/kafka-topics';
export * from './constructs/ingestion-storage-class';
export * from './constructs/region-prerequisites';
export { Observability, ebsVolumeBursts } from './constructs/observability';
export type { ObservabilityProps, ObservabilitySpec, PrometheusOperatorOptions } from './constructs/observability';
export * from './lock/region-lock-file';
export * from './constructs/schema-migration-runner';
export * from './constructs/clickhouse-access';
export { CLICKHOUSE_SERVER_IMAGE, CLICKHOUSE_SERVER_VERSION, SERVER_FEATURES } from './clickhouse/versions';
export type { ServerFeature, ServerFeatureId } from './clickhouse/versions';
export { NAME_LIMITS } from './constructs/region-validation';
export type { IngestionInstallationOptions } from './kubernetes/ingestion';
export type { ClickHouseConfigOptions, ColdStorageOptions, StoragePaths } from './clickhouse';
export type { BackupPlan, BackupScheduleProps, ShardBackup } from './dr/backup';
export { EnvSource, ReclaimPolicy } from './kubernetes/chi';
export type {
  ChiCluster, ChiPodTemplate, ChiSpec, ChiVolumeClaimTemplate, ClickHouseInstallation, EnvVar, ObjectMeta, PodDistribution,
} from './kubernetes/chi';
export type { RenderedFile } from './render/file';

// Disaster recovery.
export * from './constructs/disaster-recovery';
export * from './dr/disk-sizes';

// The policy pack.
export {
  checkSynthOutput, DEFAULT_DATA_PORTS, DEFAULT_STATEFUL_RESOURCE_TYPES, describePolicyRules, POLICY_RULE_IDS, POLICY_SUPPRESSION_METADATA,
  PolicyPack,
} from './policy';
export type { PolicyPackOptions, PolicyRuleId, PolicyViolation, StackViolation, SynthOutputCheckOptions } from './policy';

// The offline rehearsal of a synthesized region.
export {
  assertRehearsalPassed, backendMigrationDrill, bundleFromArtifacts, bundleFromFiles, bundleFromTopology, formatDrill, formatReport,
  kcatAvailable, podReplacementDrill, rehearse, RehearsalError, runDrills, shuffleHogDrill,
  brokerOutageDrill, checkArtifactsAgainstModel, deadLetterDrill, DRILLS, registerDrill, rehearsalTopologySpec, runDrill,
  schemaEvolutionDrill, storageReplicaDrill,
} from './rehearsal';
export type { Drill, DrillOptions, DrillReport, LegReport, LegDocument, RehearsalBundle, StreamDocument, TopologyDocument, RehearsalReport, RehearseOptions, StreamReport } from './rehearsal';

// Test helpers for platform teams' pull requests.
export * from './testing/snapshot';
