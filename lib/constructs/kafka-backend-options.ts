import { KafkaBackendKind } from '../model';
import { MskBackendProps, WarpStreamBackendProps } from './kafka-backend';

/** MSK props a region may set; the network, the ClickHouse clients and prevent_destroy come from the region. */
export type RegionMskProps = Omit<MskBackendProps, 'topology' | 'name' | 'vpcId' | 'clientSubnetIds' | 'clientSecurityGroupIds' | 'preventDestroy'>;

/** WarpStream props a region may set; the region, the EKS OIDC provider and prevent_destroy come from the region. */
export type RegionWarpStreamProps = Omit<WarpStreamBackendProps, 'topology' | 'name' | 'region' | 'oidcProviderArn' | 'oidcIssuerUrl' | 'preventDestroy'>;

/** How one Kafka backend of the topology is deployed: `KafkaBackendOptions.msk(...)` or `.warpStream(...)`. */
export class KafkaBackendOptions {
  /** An AWS MSK cluster in the region's VPC. */
  public static msk(options: RegionMskProps = {}): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.MSK, { ...options }, undefined);
  }

  /** WarpStream agents on the region's EKS cluster; the virtual cluster id comes from WarpStream's console. */
  public static warpStream(options: RegionWarpStreamProps): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.WARPSTREAM, undefined, { ...options });
  }

  private constructor(
    public readonly kind: KafkaBackendKind,
    public readonly mskOptions: RegionMskProps | undefined,
    public readonly warpStreamOptions: RegionWarpStreamProps | undefined,
  ) {}
}
