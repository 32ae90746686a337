import { ENV_VAR } from '../model/names';
import { Problems } from '../model/validation';

/**
 * Where a secret that a server needs in its environment comes from at boot. The value never
 * appears in user data or in Terraform's configuration: the host reads it with its instance role.
 */
export class BootSecret {
  /** A Secrets Manager secret (its `SecretString`), by ARN or name. */
  public static fromSecretsManager(secretId: string): BootSecret {
    return new BootSecret('secretsmanager', secretId);
  }

  /** An SSM parameter (SecureString), by name. */
  public static fromSsmParameter(name: string): BootSecret {
    return new BootSecret('ssm', name);
  }

  private constructor(
    public readonly store: 'secretsmanager' | 'ssm',
    /** ARN, name or Terraform token of the secret or parameter. */
    public readonly id: string,
  ) {}
}

/** A secret bound to the environment variable the server's config reads (`from_env`). */
export interface BootSecretBinding {
  readonly env: string;
  readonly secret: BootSecret;
}

/** ARNs and names as AWS spells them, or an unresolved Terraform token (`${...}`) of one. */
const SECRET_ID = /^([A-Za-z0-9/_+=.@:-]{1,2048}|\$\{[^}'"\\\n]+\})$/;

export function checkBootSecrets(problems: Problems, field: string, bindings: readonly BootSecretBinding[]): void {
  bindings.forEach((b, i) => {
    problems.check(ENV_VAR.test(b.env), `${field}[${i}].env`, b.env, 'an environment variable name (A-Z, 0-9, _)');
    problems.check(b.secret instanceof BootSecret, `${field}[${i}].secret`, b.secret, 'BootSecret.fromSecretsManager(...) or BootSecret.fromSsmParameter(...)');
    if (b.secret instanceof BootSecret) {
      problems.check(SECRET_ID.test(b.secret.id), `${field}[${i}].secret`, b.secret.id, 'a secret ARN or name, or a parameter name');
    }
  });
  const names = bindings.map((b) => b.env);
  problems.check(new Set(names).size === names.length, field, names, 'each environment variable bound once');
}

/**
 * A script that reads each secret with the instance role and writes `KEY=value` lines to
 * `envFile` (mode 0600, on /run so that it never reaches a disk), for systemd's EnvironmentFile.
 */
export function renderFetchSecretsScript(bindings: readonly BootSecretBinding[], region: string, envFile: string): string {
  const fetches = bindings.map((b) => b.secret.store === 'secretsmanager'
    ? `fetch ${b.env} aws secretsmanager get-secret-value --secret-id '${b.secret.id}' --query SecretString --output text`
    : `fetch ${b.env} aws ssm get-parameter --with-decryption --name '${b.secret.id}' --query Parameter.Value --output text`);
  return [
    '#!/bin/bash',
    '# Reads the server\'s secrets with the instance role into an environment file on /run (never on disk).',
    'set -euo pipefail',
    'umask 077',
    `export AWS_DEFAULT_REGION='${region}'`,
    `target='${envFile}'`,
    'mkdir -p "$(dirname "$target")"',
    'tmp="$(mktemp "$target.XXXXXX")"',
    'trap \'rm -f "$tmp"\' EXIT',
    'fetch() {',
    '  local name="$1"; shift',
    '  local value attempt',
    '  for attempt in 1 2 3 4 5 6 7 8 9 10; do',
    '    if value="$("$@")"; then break; fi',
    '    echo "fetching $name failed (attempt $attempt), retrying" >&2; sleep 6',
    '  done',
    '  [ -n "${value:-}" ] || { echo "secret for $name is empty or unreadable" >&2; exit 1; }',
    '  case "$value" in *$\'\\n\'*|*\\"*|*\\\\*) echo "secret for $name contains a newline, quote or backslash" >&2; exit 1;; esac',
    '  printf \'%s="%s"\\n\' "$name" "$value" >> "$tmp"',
    '}',
    ...fetches,
    'mv "$tmp" "$target"',
    'trap - EXIT',
    '',
  ].join('\n');
}
