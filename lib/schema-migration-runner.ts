import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_CLICKHOUSE_IMAGE, DEFAULT_INGESTION_NAMESPACE } from './kubernetes/ingestion';
import { escapeTerraformTemplate } from './kubernetes/yaml';
import { LockedMigration, RegionLock } from './lock/region-lock';
import { Topology } from './model/topology';
import { stepChecksum } from './migrations/plan';
import { renderRunnerScript, RunnerTarget } from './migrations/runner';

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
   * DROP and INSERT/SELECT on the ledger. The Secret is not created here (see docs/schema.md).
   * @default Secret `clickhouse-schema-migrator` with keys `user` and `password`
   */
  readonly credentials?: MigrationRunnerCredentials;
  /**
   * How long terraform waits for the Job.
   * @default '30m'
   */
  readonly timeout?: string;
  /** What must exist before the Job runs (the namespace, its Secret). @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Applies the region's schema migrations during `cdktf deploy`: a Kubernetes Job in the ingestion
 * namespace runs the rendered runner script (lib/migrations/runner.ts) against every storage host
 * and every ingestion pod, in the migrations' order, and Terraform waits for it, so a failed step
 * fails the deploy with the Job's log. The Job's name carries the hash of the migration set: a new
 * migration makes a new Job, an unchanged set leaves the finished one in place. Pods that boot
 * later apply the same steps from their startup scripts.
 */
export class SchemaMigrationRunner extends Construct {
  /** The Job (escape hatch). */
  public readonly job: JobV1;
  public readonly script: ConfigMapV1;
  /** The runner script, as the Job runs it (before Terraform escaping). */
  public readonly scriptText: string;
  /** Hash of the migration set: the Job's name suffix. */
  public readonly setHash: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationRunnerProps) {
    super(scope, id);
    const namespace = props.namespace ?? DEFAULT_INGESTION_NAMESPACE;
    const credentials = props.credentials ?? {};
    const targets = migrationTargets(props.topology, props.previousLock);
    this.scriptText = renderRunnerScript(props.migrations, targets, props.topology.database);
    this.setHash = stepChecksum(this.scriptText).slice(0, 10);
    const name = `schema-migrations-${this.setHash}`;
    const labels = { 'app.kubernetes.io/name': 'schema-migrations', 'app.kubernetes.io/managed-by': 'cdktf-clickhouse-ingest' };
    this.script = new ConfigMapV1(this, 'Script', {
      metadata: { name, namespace, labels },
      data: { 'migrate.sh': escapeTerraformTemplate(this.scriptText) },
      dependsOn: props.dependsOn,
    });
    this.job = new JobV1(this, 'Job', {
      metadata: { name, namespace, labels },
      waitForCompletion: true,
      timeouts: { create: props.timeout ?? '30m', update: props.timeout ?? '30m' },
      spec: {
        // Each retry resumes from the ledger; after three failures the deploy fails with the log.
        backoffLimit: 2,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            container: [{
              name: 'migrate',
              image: props.image ?? DEFAULT_CLICKHOUSE_IMAGE,
              command: ['/bin/sh', '/migrations/migrate.sh'],
              env: [
                { name: 'CLICKHOUSE_USER', valueFrom: { secretKeyRef: { name: credentials.secretName ?? 'clickhouse-schema-migrator', key: credentials.userKey ?? 'user' } } },
                { name: 'CLICKHOUSE_PASSWORD', valueFrom: { secretKeyRef: { name: credentials.secretName ?? 'clickhouse-schema-migrator', key: credentials.passwordKey ?? 'password' } } },
              ],
              volumeMount: [{ name: 'script', mountPath: '/migrations', readOnly: true }],
              securityContext: { runAsNonRoot: true, runAsUser: '101', allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
            }],
            volume: [{ name: 'script', configMap: { name } }],
          },
        },
      },
      dependsOn: [this.script, ...(props.dependsOn ?? [])],
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
