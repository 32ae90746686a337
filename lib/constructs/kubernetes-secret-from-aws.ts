import { Fn, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { BootSecret } from '../cloud-init/boot-secrets';
import { EphemeralResource } from './ephemeral-resource';
import { Problems } from '../model/validation';

/** Where one key of a Kubernetes Secret comes from: an AWS secret store, read ephemerally at apply. */
export interface AwsSecretSource {
  /** The Secrets Manager secret (ARN or name) or SSM SecureString parameter. */
  readonly secret: BootSecret;
  /**
   * Key inside a JSON secret (`{"username": …, "password": …}`).
   * @default - the whole value
   */
  readonly jsonKey?: string;
}

export interface KubernetesSecretFromAwsProps {
  readonly name: string;
  readonly namespace: string;
  /** Keys of the Secret and where each value comes from. */
  readonly keys: Readonly<Record<string, AwsSecretSource>>;
  /**
   * Keys whose values are not secret (a user name next to its password), written with the others.
   * @default none
   */
  readonly values?: Readonly<Record<string, string>>;
  /**
   * What must exist before the values are read: the secret versions that carry them, the namespace.
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * Bump to copy the values again (after a rotation in AWS); write-only data is written only when this changes.
   * @default 1
   */
  readonly revision?: number;
  /** @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Kubernetes Secret whose values are copied from AWS secret stores at apply time: each source is
 * read through an ephemeral resource and written through the provider's write-only `data_wo`, so no
 * value reaches the plan or the state (Terraform ≥ 1.11). The stack creates the Secrets it deploys
 * into; nothing waits for a platform team to create them by hand.
 */
export class KubernetesSecretFromAws extends Construct {
  /** The Secret (escape hatch). */
  public readonly secret: SecretV1;
  /** @attribute */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: KubernetesSecretFromAwsProps) {
    super(scope, id);
    const problems = new Problems();
    for (const [key, source] of Object.entries(props.keys)) {
      // The ephemeral aws_ssm_parameter reads by ARN only.
      if (source.secret.store === 'ssm') {
        problems.check(/^(arn:|\$\{)/.test(source.secret.id), `keys.${key}`, source.secret.id,
          'an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) for a value copied into Kubernetes');
      }
    }
    for (const key of Object.keys(props.values ?? {})) {
      problems.check(props.keys[key] === undefined, `values.${key}`, key, 'a key not also copied from AWS (keys)');
    }
    problems.throwIfAny(`Kubernetes Secret ${props.name}`);
    const dependsOn = [...(props.dependsOn ?? [])];
    // One ephemeral read per distinct secret, shared by its keys.
    const reads = new Map<string, EphemeralResource>();
    const readOf = (source: BootSecret): EphemeralResource => {
      const key = `${source.store}:${source.id}`;
      let read = reads.get(key);
      if (read === undefined) {
        read = source.store === 'secretsmanager'
          ? new EphemeralResource(this, `Read${reads.size}`, { type: 'aws_secretsmanager_secret_version', config: { secret_id: source.id }, dependsOn })
          : new EphemeralResource(this, `Read${reads.size}`, { type: 'aws_ssm_parameter', config: { arn: source.id, with_decryption: true }, dependsOn });
        reads.set(key, read);
      }
      return read;
    };
    const data: Record<string, string> = { ...(props.values ?? {}) };
    for (const key of Object.keys(props.keys).sort()) {
      const source = props.keys[key];
      const read = readOf(source.secret);
      const value = read.getString(source.secret.store === 'secretsmanager' ? 'secret_string' : 'value');
      data[key] = source.jsonKey !== undefined ? Fn.lookup(Fn.jsondecode(value), source.jsonKey, '') : value;
    }
    this.secretName = props.name;
    this.secret = new SecretV1(this, 'Secret', {
      metadata: { name: props.name, namespace: props.namespace, ...(props.labels ? { labels: { ...props.labels } } : {}) },
      type: 'Opaque',
      dataWo: data,
      dataWoRevision: props.revision ?? 1,
      dependsOn,
    });
  }
}
