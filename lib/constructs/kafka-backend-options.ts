import { KafkaBackendKind } from '../model';
import { ExistingMskBackendProps, ExternalKafkaBackendProps, MskBackendProps, WarpStreamBackendProps } from './kafka-backend';

/** MSK props a region may set; the network, the ClickHouse clients and prevent_destroy come from the region. */
export type RegionMskProps = Omit<MskBackendProps, 'topology' | 'name' | 'vpcId' | 'clientSubnetIds' | 'clientSecurityGroupIds' | 'preventDestroy'>;

/** WarpStream props a region may set; the region, the EKS OIDC provider and prevent_destroy come from the region. */
export type RegionWarpStreamProps = Omit<WarpStreamBackendProps, 'topology' | 'name' | 'region' | 'oidcProviderArn' | 'oidcIssuerUrl' | 'preventDestroy'>;

/** An existing MSK cluster's props a region may set; the clients (the EKS cluster's security group) come from the region. */
export type RegionExistingMskProps = Omit<ExistingMskBackendProps, 'topology' | 'name' | 'clientSecurityGroupIds'>;

/** An external Kafka's props a region may set (`bootstrapBrokers` for the topology's `auth`). */
export type RegionExternalKafkaProps = Omit<ExternalKafkaBackendProps, 'topology' | 'name'>;

/**
 * How one Kafka backend of the topology is deployed: `KafkaBackendOptions.msk(...)`,
 * `.existingMsk(...)`, `.warpStream(...)` or `.external(...)`.
 */
export class KafkaBackendOptions {
  /** An AWS MSK cluster the region creates in its VPC (a backend of kind `msk`). */
  public static msk(options: RegionMskProps = {}): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.MSK, { msk: { ...options } });
  }

  /**
   * An MSK cluster that already exists (a backend of kind `msk`): the region creates no broker and
   * reads the bootstrap brokers of the topology's auth mode from `clusterArn`.
   */
  public static existingMsk(options: RegionExistingMskProps): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.MSK, { existingMsk: { ...options } });
  }

  /** WarpStream agents on the region's EKS cluster; the virtual cluster id comes from WarpStream's console. */
  public static warpStream(options: RegionWarpStreamProps): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.WARPSTREAM, { warpStream: { ...options } });
  }

  /** A Kafka the region does not deploy (a backend of kind `external`), reached through its bootstrap brokers. */
  public static external(options: RegionExternalKafkaProps): KafkaBackendOptions {
    return new KafkaBackendOptions(KafkaBackendKind.EXTERNAL, { external: { ...options } });
  }

  /** The MSK cluster's props, for `msk(...)`. */
  public readonly mskOptions?: RegionMskProps;
  /** The existing MSK cluster's props, for `existingMsk(...)`. */
  public readonly existingMskOptions?: RegionExistingMskProps;
  /** The WarpStream agents' props, for `warpStream(...)`. */
  public readonly warpStreamOptions?: RegionWarpStreamProps;
  /** The external Kafka's props, for `external(...)`. */
  public readonly externalOptions?: RegionExternalKafkaProps;

  private constructor(
    public readonly kind: KafkaBackendKind,
    options: { msk?: RegionMskProps; existingMsk?: RegionExistingMskProps; warpStream?: RegionWarpStreamProps; external?: RegionExternalKafkaProps },
  ) {
    this.mskOptions = options.msk;
    this.existingMskOptions = options.existingMsk;
    this.warpStreamOptions = options.warpStream;
    this.externalOptions = options.external;
  }
}
