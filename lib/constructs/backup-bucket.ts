import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { checkRemovalPolicy, RemovalPolicy } from '../cloud-init/ec2-host';
import { Problems } from '../model/validation';

export interface BackupBucketProps {
  /** Prefix of the generated bucket name, e.g. `us-clickhouse-backups-`. */
  readonly namePrefix: string;
  /**
   * Days a backup object is kept. Must cover two full-backup cycles, so an incremental backup
   * never outlives the full backup it is based on.
   * @default 35
   */
  readonly retentionDays?: number;
  /**
   * Days an overwritten or deleted object version is kept (versioning undoes a deletion for this long).
   * @default 14
   */
  readonly noncurrentVersionDays?: number;
  /**
   * KMS key of the objects.
   * @default - SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /**
   * Whether `terraform destroy` may remove the bucket.
   * @default RemovalPolicy.retain()
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Backup chains: under each prefix, `full-*` backups are kept `fullRetentionDays` and
   * `incremental-*` ones `retentionDays`, so no full backup expires while an incremental based on it
   * exists. Objects outside these prefixes expire after `fullRetentionDays`.
   * @default - one rule: every object expires after `retentionDays`
   */
  readonly chains?: { readonly prefixes: readonly string[]; readonly fullRetentionDays: number };
}

/**
 * The bucket ClickHouse backups go to, apart from the cold tier: versioned, encrypted, private
 * (public access blocked, owner-enforced objects), TLS only, and expiring backups after a
 * retention period. Writers get a prefix each through `grantWrite`.
 */
export class BackupBucket extends Construct {
  /** The bucket (escape hatch). */
  public readonly bucket: S3Bucket;
  /** The lifecycle rules. */
  public readonly lifecycle: S3BucketLifecycleConfiguration;
  /** The TLS-only bucket policy. */
  public readonly policy: S3BucketPolicy;

  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const p = { ...props };
    const removal = p.removalPolicy ?? RemovalPolicy.retain();
    const retentionDays = p.retentionDays ?? 35;
    const noncurrentDays = p.noncurrentVersionDays ?? 14;
    const problems = new Problems();
    problems.check(typeof p.namePrefix === 'string' && /^[a-z0-9][a-z0-9-]{0,35}$/.test(p.namePrefix), 'namePrefix', p.namePrefix,
      'a bucket name prefix: lower-case letters, digits and -, at most 36 characters');
    problems.count('retentionDays', retentionDays, 15, 3650);
    problems.count('noncurrentVersionDays', noncurrentDays, 1, 365);
    if (p.chains !== undefined) {
      problems.count('chains.fullRetentionDays', p.chains.fullRetentionDays, retentionDays + 1, 3650);
      p.chains.prefixes.forEach((x, i) => problems.check(/^[a-z0-9][a-z0-9/_-]*\/$/.test(x), `chains.prefixes[${i}]`, x, 'a key prefix ending in /'));
    }
    checkRemovalPolicy(problems, 'removalPolicy', removal);
    problems.throwIfAny('backup bucket');
    this.kmsKeyArn = p.kmsKeyArn;

    this.bucket = new S3Bucket(this, 'bucket', {
      bucketPrefix: p.namePrefix,
      forceDestroy: false,
      lifecycle: { preventDestroy: !removal.allowDestroy },
      tags: { ...p.tags, ...removal.tags() },
    });
    new S3BucketVersioningA(this, 'versioning', { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{
        applyServerSideEncryptionByDefault: p.kmsKeyArn ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: p.kmsKeyArn } : { sseAlgorithm: 'AES256' },
        bucketKeyEnabled: p.kmsKeyArn !== undefined,
      }],
    });
    new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const tlsOnly = new DataAwsIamPolicyDocument(this, 'tls-only', {
      statement: [{
        sid: 'DenyInsecureTransport', effect: 'Deny', actions: ['s3:*'],
        principals: [{ type: '*', identifiers: ['*'] }],
        resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      }],
    });
    this.policy = new S3BucketPolicy(this, 'policy', { bucket: this.bucket.id, policy: tlsOnly.json });
    const chains = p.chains;
    this.lifecycle = new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: chains === undefined ? [{
        id: 'retention',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        expiration: [{ days: retentionDays }],
        noncurrentVersionExpiration: [{ noncurrentDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      }] : [
        // S3 applies the earliest expiration of overlapping rules: the catch-all keeps the longest.
        {
          id: 'retention',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: chains.fullRetentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
        ...chains.prefixes.map((prefix) => ({
          id: `incremental-${prefix.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`,
          status: 'Enabled',
          filter: [{ prefix: `${prefix}incremental-` }],
          expiration: [{ days: retentionDays }],
        })),
      ],
    });
  }

  /**
   * Lets `role` write and read backups under `prefix` only (e.g. `us/`): list that prefix, put and
   * get objects below it, abort its uploads, and delete only the `.lock` files ClickHouse removes
   * when a backup completes. Nothing else in the bucket, and no deletion of a backup.
   */
  public grantWrite(role: IamRole, prefix: string, id = 'backup-writer'): IamRolePolicy {
    const problems = new Problems();
    problems.check(/^[a-z0-9][a-z0-9/_-]*\/$/.test(prefix), 'prefix', prefix, 'a key prefix ending in /, such as us/');
    problems.throwIfAny('backup grant');
    const objects = `${this.bucket.arn}/${prefix}*`;
    const document = new DataAwsIamPolicyDocument(this, `${id}-policy-document`, {
      statement: [
        {
          sid: 'ListOwnPrefix', actions: ['s3:ListBucket'], resources: [this.bucket.arn],
          condition: [{ test: 'StringLike', variable: 's3:prefix', values: [`${prefix}*`] }],
        },
        { sid: 'ReadWriteOwnPrefix', actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [objects] },
        { sid: 'RemoveBackupLocks', actions: ['s3:DeleteObject'], resources: [`${this.bucket.arn}/${prefix}*/.lock`] },
        ...(this.kmsKeyArn ? [{ sid: 'UseKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.kmsKeyArn] }] : []),
      ],
    });
    return new IamRolePolicy(this, id, { role: role.id, name: `clickhouse-backups-${id}`, policy: document.json });
  }
}
