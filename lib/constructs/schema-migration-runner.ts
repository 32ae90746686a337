import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import { ITerraformDependable, TerraformStack } from 'cdktf';
import { LiteralText } from './literal-text';
import { Construct } from 'constructs';
import { DEFAULT_CLICKHOUSE_IMAGE, DEFAULT_INGESTION_NAMESPACE } from '../kubernetes/ingestion';
import { LockedMigration, RegionLock } from '../lock/region-lock';
import { Topology } from '../model/topology';
import { stepChecksum } from '../migrations/plan';
import { BEFORE_ROLLOUT, renderRunnerScript, RunnerTarget } from '../migrations/runner';

/** The Secret RegionStack creates for the runner (the `clickhouse_migrator` user and its password). */
export const SCHEMA_MIGRATOR_SECRET = 'clickhouse-schema-migrator';

/** Where the runner's ClickHouse user comes from: a Kubernetes Secret in the runner's namespace. */
export interface MigrationRunnerCredentials {
  /** @default 'clickhouse-schema-migrator' */
  readonly secretName?: string;
  /** @default 'user' */
  readonly userKey?: string;
  /** @default 'password' */
  readonly passwordKey?: string;
}

export interface SchemaMigrationRunnerProps {
  readonly topology: Topology;
  /** Every migration of the region lock (the runner skips what each node recorded). */
  readonly migrations: readonly LockedMigration[];
  /** The lock the migrations start from: its inventory says which nodes ran before (and must be reached). @default none: every node is new */
  readonly previousLock?: RegionLock;
  /**
   * Namespace of the Job: the ingestion namespace, where the pods' Service names resolve.
   * @default 'clickhouse-ingestion'
   */
  readonly namespace?: string;
  /** An image with clickhouse-client. @default the ingestion tiers' ClickHouse image */
  readonly image?: string;
  /**
   * The ClickHouse user the Job connects as, on storage hosts and pods: it needs ALTER, CREATE,
   * DROP and INSERT/SELECT on the ledger. The Secret is not created here: RegionStack creates it
   * (KubernetesSecretFromAws, user `clickhouse_migrator`) and passes it in `dependsOn` (see docs/schema.md).
   * @default Secret `clickhouse-schema-migrator` with keys `user` and `password`
   */
  readonly credentials?: MigrationRunnerCredentials;
  /**
   * How long terraform waits for the Job.
   * @default '30m'
   */
  readonly timeout?: string;
  /** What must exist before the Jobs run (the namespace, its Secret). @default none */
  readonly dependsOn?: ITerraformDependable[];
  /** The tiers' releases: the Job that finishes every phase waits for their rollout. @default none */
  readonly afterRollout?: ITerraformDependable[];
}

/**
 * Applies the region's schema migrations during `cdktf deploy`, with two Kubernetes Jobs in the
 * ingestion namespace running the rendered runner script (lib/migrations/runner.ts):
 * 1. before the tiers roll, the retire phase on the pods (consumers of retired legs stopped while
 *    their config still names the backend) and the storage phase on every storage host (new
 *    tables and columns exist before any pod writes them);
 * 2. after the tiers' releases, every phase on every node: what pods did not apply at boot, then
 *    the contract phases (columns and tables dropped once nothing writes them).
 * Terraform waits for each Job, so a failed step fails the deploy with the Job's log. The names
 * carry the hash of the migration set: a new migration makes new Jobs, an unchanged set leaves the
 * finished ones in place. Pods apply their role's steps at every boot (startup scripts).
 */
export class SchemaMigrationRunner extends Construct {
  /** The Job that applies every phase on every node, after the tiers rolled (escape hatch). */
  public readonly job: JobV1;
  /** The Job that applies the retire and storage phases, before the tiers roll. */
  public readonly storageJob: JobV1;
  /** The runner scripts, as the Jobs run them (before Terraform escaping). */
  public readonly scriptText: string;
  public readonly storageScriptText: string;
  /** Hash of the migration set: the Jobs' name suffix. */
  public readonly setHash: string;

  private readonly props: SchemaMigrationRunnerProps;

  constructor(scope: Construct, id: string, props: SchemaMigrationRunnerProps) {
    super(scope, id);
    // The script reaches the ConfigMap literally: escaped once, by the stack's LiteralText aspect.
    LiteralText.applyTo(TerraformStack.of(this));
    this.props = props;
    const targets = migrationTargets(props.topology, props.previousLock);
    this.scriptText = renderRunnerScript(props.migrations, targets, props.topology.database);
    this.storageScriptText = renderRunnerScript(props.migrations, targets, props.topology.database, BEFORE_ROLLOUT);
    this.setHash = stepChecksum(this.scriptText).slice(0, 10);
    this.storageJob = this.runnerJob('Storage', `schema-migrations-storage-${this.setHash}`, this.storageScriptText, props.dependsOn ?? []);
    this.job = this.runnerJob('All', `schema-migrations-${this.setHash}`, this.scriptText,
      [...(props.dependsOn ?? []), this.storageJob, ...(props.afterRollout ?? [])]);
  }

  private runnerJob(id: string, name: string, script: string, dependsOn: ITerraformDependable[]): JobV1 {
    const props = this.props;
    const namespace = props.namespace ?? DEFAULT_INGESTION_NAMESPACE;
    const credentials = props.credentials ?? {};
    const secretName = credentials.secretName ?? SCHEMA_MIGRATOR_SECRET;
    const labels = { 'app.kubernetes.io/name': 'schema-migrations', 'app.kubernetes.io/managed-by': 'cdktf-clickhouse-ingest' };
    const configMap = new ConfigMapV1(this, `${id}Script`, {
      metadata: { name, namespace, labels },
      data: { 'migrate.sh': script },
      dependsOn,
    });
    return new JobV1(this, `${id}Job`, {
      metadata: { name, namespace, labels },
      waitForCompletion: true,
      timeouts: { create: props.timeout ?? '30m', update: props.timeout ?? '30m' },
      spec: {
        // Each retry resumes from the ledgers; after the last failure the deploy fails with the Job's log.
        backoffLimit: 4,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            container: [{
              name: 'migrate',
              image: props.image ?? DEFAULT_CLICKHOUSE_IMAGE,
              command: ['/bin/sh', '/migrations/migrate.sh'],
              env: [
                { name: 'CLICKHOUSE_USER', valueFrom: { secretKeyRef: { name: secretName, key: credentials.userKey ?? 'user' } } },
                { name: 'CLICKHOUSE_PASSWORD', valueFrom: { secretKeyRef: { name: secretName, key: credentials.passwordKey ?? 'password' } } },
              ],
              volumeMount: [{ name: 'script', mountPath: '/migrations', readOnly: true }],
              securityContext: { runAsNonRoot: true, runAsUser: '101', allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
            }],
            volume: [{ name: 'script', configMap: { name } }],
          },
        },
      },
      dependsOn: [configMap, ...dependsOn],
    });
  }
}

/**
 * The nodes the Job reaches: every storage host, then every ingestion pod of a role with steps.
 * A node in the previous lock's inventory ran before this deploy and must answer.
 */
export function migrationTargets(topology: Topology, previousLock: RegionLock | undefined): RunnerTarget[] {
  const storage = new Set(previousLock?.inventory.storage.hosts ?? []);
  const targets: RunnerTarget[] = topology.storage.hosts.map((h) => ({ host: h.fqdn, role: 'data', required: storage.has(h.name) }));
  for (const tier of topology.ingestionTiers) {
    const before = new Set(previousLock?.inventory.ingestionTiers[tier.role.value]?.hosts ?? []);
    for (const h of tier.hosts) targets.push({ host: h.fqdn, role: tier.role.value, required: before.has(h.fqdn) });
  }
  return targets;
}
