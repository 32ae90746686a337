import { Annotations, dependable, ITerraformDependable, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { MIGRATOR_PASSWORD_ENV } from '../clickhouse/migrator-user';
import { scramCredentialEnv } from '../clickhouse/named-collections';
import { BootSecret } from '../cloud-init/boot-secrets';
import { ClickHouseOperator } from './clickhouse-operator';
import { KafkaBackend, MskBackend } from './kafka-backend';
import { KafkaTopics } from './kafka-topics';
import { AwsSecretSource, KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { INTERSERVER_SECRET_ENV, Topology } from '../model';
import { KafkaAuth } from '../model/spec';
import type { PodIdentityProps, StatelessIngestionTier } from './stateless-ingestion-tier';

export interface IngestionPrerequisitesProps {
  readonly topology: Topology;
  readonly operator: ClickHouseOperator;
  readonly tiers: Readonly<Record<string, StatelessIngestionTier>>;
  readonly backends: Readonly<Record<string, KafkaBackend>>;
  /** The cluster secret the storage hosts use (the pods must present the same). */
  readonly interServerSecret: BootSecret;
  /** The version carrying it, when the stack generates it. */
  readonly interServerSecretVersion?: SecretsmanagerSecretVersion;
  /** The schema migrator's password the storage hosts use (the pods must accept the same). */
  readonly migratorSecret: BootSecret;
  /** The version carrying it, when the stack generates it. */
  readonly migratorSecretVersion?: SecretsmanagerSecretVersion;
  /** For the topics Jobs of SASL/IAM backends. */
  readonly podIdentity: () => PodIdentityProps;
  /** What the tiers' releases must also wait for (the cache volumes' StorageClass). */
  readonly alsoBefore?: readonly ITerraformDependable[];
}

/**
 * What the stateless tiers need before their pods start, created by the stack in the order a first
 * apply runs it: each tier namespace's Secret (the cluster secret, SCRAM credentials) copied from
 * AWS, and every consumed backend's topics (a Job per backend). Each tier's release depends on
 * them, so no pod starts without its Secret or before its topics exist.
 */
export class IngestionPrerequisites extends Construct {
  /** The tiers' Secrets, by `namespace/name`. */
  public readonly secrets: Readonly<Record<string, KubernetesSecretFromAws>>;
  /** The topics Job of each backend, by backend name. */
  public readonly topics: Readonly<Record<string, KafkaTopics>>;

  constructor(scope: Construct, id: string, props: IngestionPrerequisitesProps) {
    super(scope, id);
    const namespaces = props.operator.watchedNamespaceResources;
    // Where each secret variable of the pods comes from.
    const sources: Record<string, { source: AwsSecretSource; after: ITerraformDependable[] }> = {
      [INTERSERVER_SECRET_ENV]: { source: { secret: props.interServerSecret }, after: props.interServerSecretVersion ? [props.interServerSecretVersion] : [] },
      [MIGRATOR_PASSWORD_ENV]: { source: { secret: props.migratorSecret }, after: props.migratorSecretVersion ? [props.migratorSecretVersion] : [] },
    };
    for (const backend of Object.values(props.backends)) {
      if (!(backend instanceof MskBackend) || backend.auth !== KafkaAuth.SASL_SCRAM) continue;
      const arn = backend.scramCredentialsSecretArn;
      if (arn === undefined) continue;
      const env = scramCredentialEnv(backend.model);
      // Read once the secret has its value (the association follows it).
      const after = backend.scramSecretAssociation ? [backend.scramSecretAssociation] : [];
      sources[env.username] = { source: { secret: BootSecret.fromSecretsManager(arn), jsonKey: 'username' }, after };
      sources[env.password] = { source: { secret: BootSecret.fromSecretsManager(arn), jsonKey: 'password' }, after };
    }

    // The Secret keys each tier's pods read, grouped by the Secret they name.
    const wanted = new Map<string, { namespace: string; name: string; keys: Set<string>; tiers: StatelessIngestionTier[] }>();
    for (const tier of Object.values(props.tiers)) {
      const namespace = tier.installation.metadata.namespace ?? '';
      for (const template of tier.installation.spec.templates.podTemplates) {
        for (const container of template.spec.containers) {
          for (const env of container.env ?? []) {
            const ref = env.valueFrom?.secretKeyRef;
            if (ref === undefined) continue;
            const key = `${namespace}/${ref.name}`;
            const entry = wanted.get(key) ?? { namespace, name: ref.name, keys: new Set<string>(), tiers: [] };
            entry.keys.add(ref.key);
            if (!entry.tiers.includes(tier)) entry.tiers.push(tier);
            wanted.set(key, entry);
          }
        }
      }
    }
    const secrets: Record<string, KubernetesSecretFromAws> = {};
    for (const [key, entry] of [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const unknown = [...entry.keys].filter((k) => sources[k] === undefined);
      if (unknown.length > 0) {
        Annotations.of(this).addWarning(`Secret ${key} holds ${unknown.join(', ')}, which the stack has no source for: `
          + 'the platform must create that Secret before the tiers start');
        continue;
      }
      const keys = Object.fromEntries([...entry.keys].sort().map((k) => [k, sources[k].source]));
      const after = [...new Set([...entry.keys].flatMap((k) => sources[k].after))];
      const secret = new KubernetesSecretFromAws(this, `Secret-${entry.namespace}-${entry.name}`, {
        name: entry.name, namespace: entry.namespace, keys, dependsOn: [...after, ...namespaces],
        labels: { 'app.kubernetes.io/part-of': 'clickhouse' },
      });
      secrets[key] = secret;
      for (const tier of entry.tiers) addDependency(tier.release, secret.secret);
    }
    this.secrets = secrets;

    // Topics of every backend a tier consumes from or produces to, before that tier starts.
    const topicsNamespace = Object.values(props.tiers)[0]?.installation.metadata.namespace ?? props.operator.watchNamespaces[0];
    const topics: Record<string, KafkaTopics> = {};
    for (const [name, backend] of Object.entries(props.backends).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (backend.model.topics.length === 0) continue;
      topics[name] = new KafkaTopics(this, `Topics-${name}`, {
        backend,
        namespace: topicsNamespace,
        dependsOn: namespaces,
        ...(backend.auth === KafkaAuth.SASL_IAM && backend instanceof MskBackend ? { podIdentity: props.podIdentity() } : {}),
      });
    }
    this.topics = topics;
    for (const [role, tier] of Object.entries(props.tiers)) {
      const uses = new Set<string>();
      for (const stream of props.topology.streams) {
        for (const leg of stream.legs) {
          if (!leg.roles.some((r) => r.value === role)) continue;
          uses.add(leg.backend.name);
          if (stream.shuffle) uses.add(stream.shuffle.backend);
        }
      }
      for (const name of [...uses].sort()) if (topics[name]) addDependency(tier.release, topics[name].job);
      for (const d of props.alsoBefore ?? []) addDependency(tier.release, d);
    }
  }
}

/** Adds `dependency` to a resource's depends_on after the resource was created. */
function addDependency(resource: TerraformResource, dependency: ITerraformDependable): void {
  const entry = dependable(dependency);
  if (!(resource.dependsOn ?? []).includes(entry)) resource.dependsOn = [...(resource.dependsOn ?? []), entry];
}
