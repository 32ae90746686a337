import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { CronJobV1 } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { ITerraformDependable, TerraformStack } from 'cdktf';
import { LiteralText } from './literal-text';
import { Construct } from 'constructs';
import {
  accessUserNames, ClickHouseExtraUser, EXTRA_USERS_SECRET, READER_PASSWORD_ENV, READER_SECRET, WRITER_PASSWORD_ENV, WRITER_SECRET,
} from '../clickhouse/access-users';
import { BootSecret } from '../cloud-init/boot-secrets';
import { generatedSecret } from './generated-secret';
import { KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { DEFAULT_CLICKHOUSE_IMAGE, DEFAULT_INGESTION_NAMESPACE } from '../kubernetes/ingestion';
import { AccessPlan, accessPlan, checkExtraUsers, renderAccessScript } from '../migrations/access-runner';
import { stepChecksum } from '../migrations/plan';
import { Topology } from '../model/topology';
import { Problems } from '../model/validation';
import { SCHEMA_MIGRATOR_SECRET } from './schema-migration-runner';

export type { ClickHouseExtraUser, ClickHouseUserGrant } from '../clickhouse/access-users';

/** What a region may set about its client users and the access Job (`RegionStackProps.accessOptions`). */
export interface RegionAccessProps {
  /**
   * The password of `<db>_writer_user`.
   * @default - a Secrets Manager secret created here with a generated value
   */
  readonly writerSecret?: BootSecret;
  /**
   * The password of `<db>_reader_user`.
   * @default - a Secrets Manager secret created here with a generated value
   */
  readonly readerSecret?: BootSecret;
  /**
   * ClickHouse users of your own, created and kept by the access Job on the clusters each names
   * (the storage cluster `data`, the ingestion tiers' roles), with the library's client roles or
   * privileges of their own. Each password is read from its Secrets Manager secret at apply into
   * the Kubernetes Secret `clickhouse-extra-users` (write-only: in no plan, state or file).
   * Grants are added, never revoked: a role, privilege or user removed from the list stays until
   * revoked or dropped by hand.
   * @default none
   */
  readonly extraUsers?: readonly ClickHouseExtraUser[];
  /**
   * KMS key of the generated secrets.
   * @default - in a RegionStack, the storage cluster's key (`storageClusterOptions.kmsKeyArn`); else the AWS managed key (aws/secretsmanager)
   */
  readonly kmsKeyArn?: string;
  /**
   * Bump after changing a password in Secrets Manager: the Kubernetes Secrets are copied again
   * and a new Job sets the new passwords on every node.
   * @default 1
   */
  readonly passwordRevision?: number;
  /**
   * When the reconcile CronJob applies the same script again, for nodes that came back without
   * their access storage since the last deploy (an ingestion pod with a new volume).
   * @default '*\/15 * * * *'
   */
  readonly reconcileSchedule?: string;
  /**
   * How long terraform waits for the Job: long enough for a first deploy's storage hosts to boot.
   * @default '45m'
   */
  readonly timeout?: string;
  /**
   * Tries per node (10 s apart) before the deploy Job fails: the storage hosts of a first deploy
   * are still installing ClickHouse when the Job starts.
   * @default 180 (30 minutes)
   */
  readonly triesPerNode?: number;
}

export interface ClickHouseAccessProps extends RegionAccessProps {
  readonly topology: Topology;
  /**
   * Namespace of the Job, the CronJob and the users' Secrets: the ingestion namespace, where the
   * pods' Service names resolve and the migrator's Secret is.
   * @default 'clickhouse-ingestion'
   */
  readonly namespace?: string;
  /** An image with clickhouse-client. @default the ingestion tiers' ClickHouse image */
  readonly image?: string;
  /**
   * The Secret of the user the Job logs in as (keys `user`, `password`): `clickhouse_migrator`,
   * which may create roles and users and grant the access roles.
   * @default 'clickhouse-schema-migrator'
   */
  readonly migratorSecretName?: string;
  /** Protect the generated secrets from `terraform destroy` (clients log in with them). */
  readonly preventDestroy: boolean;
  /** What must exist before the Secrets and the Job: the namespace, the migrator's Secret. @default none */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * What the Job runs after: the tiers' releases (pods up), the migration Job (tables exist), the
   * storage hosts and their DNS records.
   * @default none
   */
  readonly after?: ITerraformDependable[];
}

/** The Kubernetes labels of the access Job and CronJob. */
const LABELS = { 'app.kubernetes.io/name': 'clickhouse-access', 'app.kubernetes.io/managed-by': 'cdktf-clickhouse-ingest' };
/** Where the script is mounted in the containers. */
const SCRIPT_DIR = '/access';
/** Tries of a failing statement in the deploy Job (10 s apart): past a storage host's 5-minute config refresh. */
const STATEMENT_TRIES = 36;

/**
 * The region's access on every node, on every deploy: a Kubernetes Job, after the tiers rolled
 * and the migrations ran, logs in to every storage host and every ingestion pod as
 * `clickhouse_migrator` and applies the node role's access roles and grants (`CREATE ROLE IF NOT
 * EXISTS`, `GRANT`, the same statements as `sql/<role>/`) and the client users
 * `<db>_writer_user` and `<db>_reader_user` (lib/clickhouse/access-users.ts), each with its
 * generated password from Secrets Manager, copied into a Kubernetes Secret. Terraform waits for
 * the Job, so a node that never answers fails the deploy with the Job's log. Its name carries the
 * hash of the script and the password revision: a change of nodes, tables or passwords makes a new
 * Job; an unchanged region leaves the finished one. A CronJob runs the same script every 15
 * minutes, skipping nodes that do not answer, for a pod that came back with a new volume between
 * deploys.
 */
export class ClickHouseAccess extends Construct {
  /** The deploy Job (the main resource). */
  public readonly job: JobV1;
  /** The reconcile CronJob: the same script on a schedule. */
  public readonly reconcileJob: CronJobV1;
  /** The script both run (before Terraform escaping). */
  public readonly scriptText: string;
  /** Which nodes, statements and users the script applies. */
  public readonly plan: AccessPlan;
  /** Hash of the script and the password revision: the Job's name suffix. */
  public readonly setHash: string;
  /** @attribute The writer user's name (`<db>_writer_user`). */
  public readonly writerUser: string;
  /** @attribute The reader user's name (`<db>_reader_user`). */
  public readonly readerUser: string;
  /** The writer's generated password (absent when one was given). */
  public readonly writerSecret?: SecretsmanagerSecret;
  /** The reader's generated password (absent when one was given). */
  public readonly readerSecret?: SecretsmanagerSecret;
  /** Where the writer's password is kept (created here or given). */
  public readonly writerSecretSource: BootSecret;
  /** Where the reader's password is kept (created here or given). */
  public readonly readerSecretSource: BootSecret;
  /** `clickhouse-writer` in the namespace: keys `user` and `password`, for the Job and for clients in the cluster. */
  public readonly writerKubernetesSecret: KubernetesSecretFromAws;
  /** `clickhouse-reader` in the namespace: keys `user` and `password`. */
  public readonly readerKubernetesSecret: KubernetesSecretFromAws;
  /** `clickhouse-extra-users` in the namespace: one key per extra user, its password (absent without `extraUsers`). */
  public readonly extraUsersKubernetesSecret?: KubernetesSecretFromAws;

  constructor(scope: Construct, id: string, props: ClickHouseAccessProps) {
    validateRegionAccessProps(props, props.topology);
    super(scope, id);
    // The access script reaches the ConfigMap literally: escaped once, by the stack's LiteralText aspect.
    LiteralText.applyTo(TerraformStack.of(this));
    const topology = props.topology;
    const namespace = props.namespace ?? DEFAULT_INGESTION_NAMESPACE;
    const revision = props.passwordRevision ?? 1;
    const users = accessUserNames(topology);
    this.writerUser = users.writer;
    this.readerUser = users.reader;

    const password = (kind: 'writer' | 'reader', user: string, given: BootSecret | undefined): { source: BootSecret; secret?: SecretsmanagerSecret; version?: SecretsmanagerSecretVersion } => {
      if (given !== undefined) return { source: given };
      // Fixed after the first apply, like the cluster secret: rotating is a deliberate operation (passwordRevision).
      const generated = generatedSecret(this, `${kind}-secret`, {
        namePrefix: `${topology.name}-clickhouse-${kind}-`,
        description: `Password of ClickHouse user ${user} of region ${topology.name}`,
        ...(props.kmsKeyArn !== undefined ? { kmsKeyArn: props.kmsKeyArn } : {}),
        tags: { Name: `${topology.name}-clickhouse-${kind}`, 'clickhouse-ingest:component': 'access' },
        preventDestroy: props.preventDestroy,
      });
      return { source: BootSecret.fromSecretsManager(generated.secret.arn), secret: generated.secret, version: generated.version };
    };
    const writer = password('writer', users.writer, props.writerSecret);
    const reader = password('reader', users.reader, props.readerSecret);
    this.writerSecret = writer.secret;
    this.readerSecret = reader.secret;
    this.writerSecretSource = writer.source;
    this.readerSecretSource = reader.source;
    const kubernetesSecret = (id: string, name: string, user: string, p: typeof writer): KubernetesSecretFromAws =>
      new KubernetesSecretFromAws(this, id, {
        name, namespace,
        keys: { password: { secret: p.source } },
        values: { user },
        dependsOn: [...(p.version ? [p.version] : []), ...(props.dependsOn ?? [])],
        revision,
        labels: { 'app.kubernetes.io/part-of': 'clickhouse' },
      });
    this.writerKubernetesSecret = kubernetesSecret('writer-kubernetes-secret', WRITER_SECRET, users.writer, writer);
    this.readerKubernetesSecret = kubernetesSecret('reader-kubernetes-secret', READER_SECRET, users.reader, reader);

    const extraUsers = props.extraUsers ?? [];
    if (extraUsers.length > 0) {
      this.extraUsersKubernetesSecret = new KubernetesSecretFromAws(this, 'extra-users-kubernetes-secret', {
        name: EXTRA_USERS_SECRET, namespace,
        keys: Object.fromEntries(extraUsers.map((u) => [u.name, {
          secret: BootSecret.fromSecretsManager(u.passwordSecretArn), ...(u.passwordJsonKey !== undefined ? { jsonKey: u.passwordJsonKey } : {}),
        }])),
        dependsOn: [...(props.dependsOn ?? [])],
        revision,
        labels: { 'app.kubernetes.io/part-of': 'clickhouse' },
      });
    }

    this.plan = accessPlan(topology, extraUsers);
    this.scriptText = renderAccessScript(this.plan);
    this.setHash = stepChecksum(`${this.scriptText}\npassword revision ${revision}\n`).slice(0, 10);
    const name = `clickhouse-access-${this.setHash}`;
    const before = [...(props.dependsOn ?? []), this.writerKubernetesSecret.secret, this.readerKubernetesSecret.secret,
      ...(this.extraUsersKubernetesSecret ? [this.extraUsersKubernetesSecret.secret] : [])];
    const configMap = new ConfigMapV1(this, 'Script', {
      metadata: { name, namespace, labels: LABELS },
      // Literal as written: the stack's LiteralText aspect escapes `${` for Terraform, once.
      data: { 'apply-access.sh': this.scriptText },
      dependsOn: before,
    });
    const migratorSecret = props.migratorSecretName ?? SCHEMA_MIGRATOR_SECRET;
    const pod = (tries: number, unreachable: 'fail' | 'skip', statementTries: number) => ({
      metadata: { labels: LABELS },
      spec: {
        restartPolicy: 'Never',
        container: [{
          name: 'access',
          image: props.image ?? DEFAULT_CLICKHOUSE_IMAGE,
          command: ['/bin/sh', `${SCRIPT_DIR}/apply-access.sh`, String(tries), unreachable, String(statementTries)],
          env: [
            { name: 'CLICKHOUSE_USER', valueFrom: { secretKeyRef: { name: migratorSecret, key: 'user' } } },
            { name: 'CLICKHOUSE_PASSWORD', valueFrom: { secretKeyRef: { name: migratorSecret, key: 'password' } } },
            { name: WRITER_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: WRITER_SECRET, key: 'password' } } },
            { name: READER_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: READER_SECRET, key: 'password' } } },
            ...this.plan.extraUsers.map((u) => ({ name: u.passwordEnv, valueFrom: { secretKeyRef: { name: u.secretName, key: u.name } } })),
          ],
          volumeMount: [{ name: 'script', mountPath: SCRIPT_DIR, readOnly: true }],
          securityContext: { runAsNonRoot: true, runAsUser: '101', allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
        }],
        volume: [{ name: 'script', configMap: { name } }],
      },
    });
    const timeout = props.timeout ?? '45m';
    this.job = new JobV1(this, 'Job', {
      metadata: { name, namespace, labels: LABELS },
      waitForCompletion: true,
      timeouts: { create: timeout, update: timeout },
      // A retry starts over: every statement is idempotent.
      spec: { backoffLimit: 2, template: pod(props.triesPerNode ?? 180, 'fail', STATEMENT_TRIES) },
      dependsOn: [configMap, ...before, ...(props.after ?? [])],
    });
    this.reconcileJob = new CronJobV1(this, 'Reconcile', {
      metadata: { name: 'clickhouse-access-reconcile', namespace, labels: LABELS },
      spec: {
        schedule: props.reconcileSchedule ?? '*/15 * * * *',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: LABELS },
          // One try per node: a node that does not answer is left to the next run.
          spec: { backoffLimit: 0, activeDeadlineSeconds: 600, template: pod(1, 'skip', 1) },
        },
      },
      dependsOn: [configMap, this.job],
    });
  }
}

/**
 * Throws one error naming every bad option (passwordRevision, triesPerNode, reconcileSchedule, and
 * with the topology extraUsers).
 */
export function validateRegionAccessProps(options: RegionAccessProps, topology?: Topology): void {
  const problems = new Problems();
  if (topology !== undefined) checkExtraUsers(problems, topology, options.extraUsers);
  if (options.passwordRevision !== undefined) {
    problems.check(Number.isInteger(options.passwordRevision) && options.passwordRevision >= 1, 'passwordRevision', options.passwordRevision, 'an integer ≥ 1');
  }
  if (options.triesPerNode !== undefined) problems.check(Number.isInteger(options.triesPerNode) && options.triesPerNode >= 1, 'triesPerNode', options.triesPerNode, 'an integer ≥ 1');
  if (options.reconcileSchedule !== undefined) {
    problems.check(/^\S+( \S+){4}$/.test(options.reconcileSchedule), 'reconcileSchedule', options.reconcileSchedule, 'a cron schedule of five fields');
  }
  problems.throwIfAny('ClickHouse access');
}
