// The names RegionStack's props had before they followed aws-cdk's `XxxProps` (CHANGELOG.md),
// kept for one release so that code written against them still compiles.
import type { RegionMskProps, RegionWarpStreamProps } from './kafka-backend-options';
import type {
  RegionIngestionTierProps, RegionStackProps, RegionStorageClusterProps, RegionZooKeeperProps,
} from './region-stack-props';

/** @deprecated Renamed `RegionStackProps`; this name goes in the next release. */
export type RegionSpec = RegionStackProps;
/** @deprecated Renamed `RegionStorageClusterProps`; this name goes in the next release. */
export type RegionStorageClusterOptions = RegionStorageClusterProps;
/** @deprecated Renamed `RegionZooKeeperProps`; this name goes in the next release. */
export type RegionZooKeeperOptions = RegionZooKeeperProps;
/** @deprecated Renamed `RegionIngestionTierProps`; this name goes in the next release. */
export type RegionIngestionTierOptions = RegionIngestionTierProps;
/** @deprecated Renamed `RegionMskProps`; this name goes in the next release. */
export type RegionMskOptions = RegionMskProps;
/** @deprecated Renamed `RegionWarpStreamProps`; this name goes in the next release. */
export type RegionWarpStreamOptions = RegionWarpStreamProps;
