/**
 * KubernetesSecretFromAws: values copied from AWS through ephemeral reads into the write-only
 * data_wo, next to keys whose values are not secret (a user name), and one error for bad keys.
 */
import { Testing, TerraformStack } from 'cdktf';
import { BootSecret } from '../../lib/cloud-init/boot-secrets';
import { KubernetesSecretFromAws } from '../../lib/constructs/kubernetes-secret-from-aws';
import { testApp } from '../support/temp';

describe('KubernetesSecretFromAws', () => {
  test('a non-secret value sits next to the copied password, both write-only', () => {
    const stack = new TerraformStack(testApp(), 's');
    new KubernetesSecretFromAws(stack, 'migrator', {
      name: 'clickhouse-schema-migrator', namespace: 'clickhouse-ingestion',
      keys: { password: { secret: BootSecret.fromSecretsManager('arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf') } },
      values: { user: 'clickhouse_migrator' },
    });
    const json = JSON.parse(Testing.synth(stack)) as { resource: { kubernetes_secret_v1: Record<string, { data_wo: Record<string, string>; data?: unknown }> } };
    const [secret] = Object.values(json.resource.kubernetes_secret_v1);
    expect(secret.data).toBeUndefined();
    expect(secret.data_wo.user).toBe('clickhouse_migrator');
    expect(secret.data_wo.password).toMatch(/^\$\{ephemeral\.aws_secretsmanager_secret_version\.[^.]+\.secret_string\}$/);
  });

  test('a key both copied and given as a value is refused', () => {
    const stack = new TerraformStack(testApp(), 's');
    const secret = BootSecret.fromSecretsManager('arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf');
    expect(() => new KubernetesSecretFromAws(stack, 'bad', {
      name: 'x', namespace: 'y', keys: { password: { secret } }, values: { password: 'literal' },
    })).toThrow(/values\.password/);
  });
});
