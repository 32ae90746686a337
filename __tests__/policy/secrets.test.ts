import * as fc from 'fast-check';
import { entropy, findSecretsInJson, findSecretsInText } from '../../lib/policy';

describe('secret scanner', () => {
  test.each([
    ['an AWS access key id', 'note: AKIAIOSFODNN7EXAMPLE'],
    ['an AWS session key id', 'ASIAY34FZKBOKMUTVV7A'],
    ['a PEM private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow...'],
    ['an OpenSSH private key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['a password in a URL', 'kafka_broker_list: sasl://ingest:Sup3rS3cret@b-1.msk:9096'],
    ['a ClickHouse <password> element', '<users><app><password>s3cr3t</password></app></users>'],
    ['a password hash in ClickHouse users', '<password_sha256_hex>65e84be33532fb784c48129675f9eff3a682b27168c0ea744b2cf58ee02337c5</password_sha256_hex>'],
    ['a YAML password', 'auth:\n  password: hunter2hunter2\n'],
    ['an ini-style password', 'sasl.password=CorrectHorseBattery'],
    ['a random-looking API token', 'apiToken: "x9Fq2LmZ7vR4tY8wK3pN6bC1"'],
    ['an AWS secret access key next to its name', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ])('finds %s', (_what, text) => {
    expect(findSecretsInText(text, 'file')).not.toEqual([]);
  });

  test.each([
    ['a from_env secret', '<secret from_env="CLICKHOUSE_INTERSERVER_SECRET"/>'],
    ['an empty password (ClickHouse default user without network access)', '<password></password>'],
    ['a Terraform reference', 'password: ${random_password.ch.result}'],
    ['a Helm template', 'password: {{ .Values.password }}'],
    ['a Kubernetes secretKeyRef', 'valueFrom:\n  secretKeyRef:\n    name: clickhouse-secrets\n    key: password\n'],
    ['a secret name', 'secretName: warpstream-agent-key'],
    ['an env variable name', 'passwordEnv: KAFKA_SASL_PASSWORD'],
    ['an ARN', 'secret_arn: arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_ingest'],
    ['a short lower-case token-ish word', 'token_audience: sts-amazonaws-com'],
    ['SQL with sharding keys', "ENGINE = Distributed('posthog', 'posthog', 'sharded_events', sipHash64(distinct_id))"],
    ['the interserver secret setting of remote_servers', '<remote_servers><posthog><secret from_env="X"></secret></posthog></remote_servers>'],
  ])('ignores %s', (_what, text) => {
    expect(findSecretsInText(text, 'file')).toEqual([]);
  });

  test('JSON: secret-ish keys with literal values are found, references are not, and the value is never echoed', () => {
    const found = findSecretsInJson({
      resource: {
        kubernetes_secret_v1: { s: { data: { password: 'plain-text-password' } } },
        aws_secretsmanager_secret_version: { v: { secret_string: 'Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA=' } },
        helm_release: { r: { values: ['auth:\n  token: ${data.aws_eks_cluster_auth.eks.token}\n'] } },
      },
    });
    expect(found.map((f) => f.location)).toEqual([
      'resource.kubernetes_secret_v1.s.data.password',
      'resource.aws_secretsmanager_secret_version.v.secret_string',
    ]);
    expect(JSON.stringify(found)).not.toContain('plain-text-password');
  });

  test('entropy separates random tokens from words', () => {
    expect(entropy('aaaaaaaaaaaaaaaa')).toBe(0);
    expect(entropy('x9Fq2LmZ7vR4tY8wK3pN6bC1')).toBeGreaterThan(4);
  });
});

describe('secret scanner, properties', () => {
  const literal = fc.stringMatching(/^[a-z0-9][A-Za-z0-9!#%+\-.]{3,40}$/).filter((v) => !/^(true|false|null|none)$/i.test(v));

  test('any literal password, in YAML, ini, JSON or XML form, is found and never echoed', () => {
    fc.assert(fc.property(literal, fc.constantFrom('password', 'sasl_password', 'adminPassword', 'db.passwd'), (value, name) => {
      for (const text of [`${name}: ${value}`, `${name}=${value}`, `"${name}": "${value}"`, `<${name}>${value}</${name}>`]) {
        const found = findSecretsInText(`config:\n  ${text}\n`, 'f');
        expect(found.length).toBeGreaterThan(0);
        if (value.length > 2) expect(found.filter((f) => f.hint.includes(value))).toEqual([]);
      }
    }), { numRuns: 200 });
  });

  test('references are never findings, whatever they are called', () => {
    const reference = fc.oneof(
      fc.stringMatching(/^[a-z_]{1,12}\.[a-z_]{1,12}\.[a-z_]{1,12}$/).map((r) => `\${${r}}`),
      fc.stringMatching(/^[A-Z][A-Z0-9_]{2,30}$/),
      fc.stringMatching(/^[a-z]{1,10}$/).map((r) => `{{ .Values.${r} }}`),
    );
    fc.assert(fc.property(reference, fc.constantFrom('password', 'secret_string', 'api_token', 'privateKey'), (value, name) => {
      expect(findSecretsInText(`${name}: ${value}`, 'f')).toEqual([]);
    }), { numRuns: 200 });
  });
});
