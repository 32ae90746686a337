import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { StorageClassV1 } from '@cdktf/provider-kubernetes/lib/storage-class-v1';
import { LiteralText } from './literal-text';

export interface IngestionStorageClassProps {
  /**
   * StorageClass name; the ingestion tiers' cache volumes name it.
   * @default 'clickhouse-ingestion-gp3'
   */
  readonly name?: string;
  /**
   * KMS key of the volumes.
   * @default - the AWS managed key (aws/ebs)
   */
  readonly kmsKeyArn?: string;
}

/**
 * The StorageClass of the stateless tiers' cache volumes: EBS gp3 through the EBS CSI driver,
 * encrypted, deleted with their claim (the tier stores nothing), bound in the pod's zone
 * (WaitForFirstConsumer), and growable. The EKS cluster needs the EBS CSI driver add-on.
 */
export class IngestionStorageClass extends Construct {
  /** The StorageClass (escape hatch). */
  public readonly storageClass: StorageClassV1;
  /** @attribute */
  public readonly storageClassName: string;

  constructor(scope: Construct, id: string, props: IngestionStorageClassProps = {}) {
    super(scope, id);
    LiteralText.applyTo(TerraformStack.of(this));
    const name = props.name ?? 'clickhouse-ingestion-gp3';
    this.storageClass = new StorageClassV1(this, 'StorageClass', {
      metadata: { name, labels: { 'app.kubernetes.io/part-of': 'clickhouse' } },
      storageProvisioner: 'ebs.csi.aws.com',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      parameters: { type: 'gp3', encrypted: 'true', ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}) },
    });
    // The literal name: the tiers validate and render it; their releases depend on the StorageClass explicitly.
    this.storageClassName = name;
  }
}
