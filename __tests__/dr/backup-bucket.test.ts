/** The backup bucket's Terraform: versioned, encrypted, private, TLS only, expiring; writers confined to a prefix. */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack, Testing } from 'cdktf';
import { BackupBucket } from '../../lib/constructs/backup-bucket';
import { RemovalPolicy } from '../../lib/cloud-init/ec2-host';
import { TopologyValidationError } from '../../lib/model';
import { tempDir } from '../support/temp';

type Json = { resource: Record<string, Record<string, Record<string, unknown>>>; data: Record<string, Record<string, Record<string, unknown>>> };

function synth(build: (stack: TerraformStack) => void): Json {
  const stack = new TerraformStack(new App({ outdir: tempDir('cdktf.outdir.') }), 'test');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  build(stack);
  return JSON.parse(Testing.synth(stack)) as Json;
}

const only = <T>(byName: Record<string, T> | undefined): T => {
  const values = Object.values(byName ?? {});
  expect(values).toHaveLength(1);
  return values[0];
};

describe('BackupBucket', () => {
  const json = synth((stack) => {
    const role = new IamRole(stack, 'role', { assumeRolePolicy: '{}' });
    new BackupBucket(stack, 'backups', { namePrefix: 'us-clickhouse-backups-' }).grantWrite(role, 'us/');
  });

  test('versioned, encrypted, public access blocked, owner-enforced, prevent_destroy', () => {
    const bucket = only(json.resource.aws_s3_bucket);
    expect(bucket).toMatchObject({ bucket_prefix: 'us-clickhouse-backups-', force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(only(json.resource.aws_s3_bucket_versioning)).toMatchObject({ versioning_configuration: { status: 'Enabled' } });
    expect(only(json.resource.aws_s3_bucket_server_side_encryption_configuration)).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    expect(only(json.resource.aws_s3_bucket_public_access_block)).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(only(json.resource.aws_s3_bucket_ownership_controls)).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
  });

  test('TLS only, and a retention lifecycle', () => {
    const tls = Object.entries(json.data.aws_iam_policy_document)
      .find(([name]) => name.includes('tls-only'))![1];
    expect(tls).toMatchObject({ statement: [{ effect: 'Deny', actions: ['s3:*'], condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }] }] });
    expect(only(json.resource.aws_s3_bucket_lifecycle_configuration)).toMatchObject({
      rule: [{ status: 'Enabled', expiration: [{ days: 35 }], noncurrent_version_expiration: [{ noncurrent_days: 14 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }],
    });
  });

  test('a writer may use its own prefix only, and delete nothing but lock files', () => {
    const doc = Object.entries(json.data.aws_iam_policy_document).find(([name]) => name.includes('backup-writer'))![1] as
      { statement: { sid: string; actions: string[]; resources: string[]; condition?: unknown[] }[] };
    const bySid = Object.fromEntries(doc.statement.map((s) => [s.sid, s]));
    expect(bySid.ListOwnPrefix.condition).toEqual([{ test: 'StringLike', variable: 's3:prefix', values: ['us/*'] }]);
    expect(bySid.ReadWriteOwnPrefix.resources).toEqual([expect.stringMatching(/\/us\/\*$/)]);
    expect(bySid.RemoveBackupLocks.resources).toEqual([expect.stringMatching(/\/us\/\*\/\.lock$/)]);
    const all = doc.statement.flatMap((s) => s.actions);
    expect(all.filter((a) => a === 's3:DeleteObject')).toHaveLength(1);
    expect(all).not.toContain('s3:*');
    expect(only(json.resource.aws_iam_role_policy)).toMatchObject({ name: 'clickhouse-backups-backup-writer' });
  });

  test('bad props are rejected with every problem at once', () => {
    let error: unknown;
    try {
      synth((stack) => new BackupBucket(stack, 'b', { namePrefix: 'Bad_Name', retentionDays: 3, removalPolicy: RemovalPolicy.destroy('x') }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    expect((error as TopologyValidationError).problems.map((p) => p.field)).toEqual(['namePrefix', 'retentionDays', 'removalPolicy.reason']);
  });
});
