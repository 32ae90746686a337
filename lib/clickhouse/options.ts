import { ENV_VAR, IDENTIFIER, IDENTIFIER_EXPECTED, Problems } from '../model';

/**
 * Mount points shared with the cloud-init renderer, which formats and mounts the same paths.
 * The local NVMe RAID holds the hot volume only: instance-store data is lost when an instance
 * stops, so everything that must survive (ClickHouse's root path with its metadata, the S3 disk's
 * object map) lives on the EBS volume.
 */
export const NVME_MOUNT = '/mnt/nvme';
/** The EBS data volume, mounted where ClickHouse keeps its root path. */
export const EBS_MOUNT = '/var/lib/clickhouse';

/** Where the storage tier's disks live. Tests point them at temporary folders. */
export interface StoragePaths {
  /**
   * ClickHouse's root path (metadata, the warm disk, the S3 disk's object map).
   * @default `${EBS_MOUNT}/`
   */
  readonly root?: string;
  /**
   * The hot disk on the NVMe RAID.
   * @default `${NVME_MOUNT}/clickhouse/`
   */
  readonly nvme?: string;
}

/** The S3 disk of the cold volume. Credentials always come from the instance role. */
export interface ColdStorageOptions {
  /**
   * S3 endpoint with bucket and prefix, e.g. `https://my-bucket.s3.us-east-1.amazonaws.com/clickhouse/us/`.
   * Given here it is written into the config; otherwise each host reads it from `endpointEnv`.
   * @default read from the environment
   */
  readonly endpoint?: string;
  /**
   * Environment variable that holds the endpoint when `endpoint` is not given.
   * @default 'CLICKHOUSE_COLD_S3_ENDPOINT'
   */
  readonly endpointEnv?: string;
  /**
   * Skip the write/read/delete probe ClickHouse runs against the bucket at startup. Only for
   * places that cannot reach S3 (tests); in production the probe turns a wrong bucket or role
   * into a startup failure instead of a failed move hours later.
   * @default false
   */
  readonly skipAccessCheck?: boolean;
}

/** Options of the ClickHouse config renderers. */
export interface ClickHouseConfigOptions {
  /**
   * The `hostClusterType` macro of every node (PostHog's workload: online, offline, logs).
   * @default 'online'
   */
  readonly hostClusterType?: string;
  /**
   * Paths of the storage tier's disks.
   * @default NVMe RAID at `/mnt/nvme/clickhouse/`, root path on EBS at `/var/lib/clickhouse/`
   */
  readonly storagePaths?: StoragePaths;
  /**
   * The cold S3 disk.
   * @default endpoint from `CLICKHOUSE_COLD_S3_ENDPOINT`, credentials from the instance role
   */
  readonly coldStorage?: ColdStorageOptions;
  /**
   * Days system log tables (query_log, part_log, ...) keep rows on ingestion nodes, whose whole
   * volume is a 10Gi cache.
   * @default 3
   */
  readonly ingestionLogRetentionDays?: number;
  /**
   * Days system log tables keep rows on storage nodes (unbounded otherwise).
   * @default 30
   */
  readonly storageLogRetentionDays?: number;
}

export const DEFAULT_COLD_ENDPOINT_ENV = 'CLICKHOUSE_COLD_S3_ENDPOINT';

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly hostClusterType: string;
  readonly rootPath: string;
  readonly nvmePath: string;
  readonly coldEndpoint?: string;
  readonly coldEndpointEnv: string;
  readonly skipAccessCheck: boolean;
  readonly ingestionLogRetentionDays: number;
  readonly storageLogRetentionDays: number;
}

const ABSOLUTE_DIR = /^\/([A-Za-z0-9._-]+\/)*$/;
const ABSOLUTE_DIR_EXPECTED = 'an absolute folder path ending in / (letters, digits, ., _ and -; no . or .. segments)';

function isAbsoluteDir(path: unknown): boolean {
  return typeof path === 'string' && ABSOLUTE_DIR.test(path) && !path.split('/').some((segment) => segment === '.' || segment === '..');
}

/** Fills in defaults and checks every option, throwing one error that lists every problem. */
export function resolveOptions(options: ClickHouseConfigOptions = {}): ResolvedOptions {
  const problems = new Problems();
  const o = { ...options };
  const paths = { ...(o.storagePaths ?? {}) };
  const cold = { ...(o.coldStorage ?? {}) };
  const resolved: ResolvedOptions = {
    hostClusterType: o.hostClusterType ?? 'online',
    rootPath: paths.root ?? `${EBS_MOUNT}/`,
    nvmePath: paths.nvme ?? `${NVME_MOUNT}/clickhouse/`,
    coldEndpoint: cold.endpoint,
    coldEndpointEnv: cold.endpointEnv ?? DEFAULT_COLD_ENDPOINT_ENV,
    skipAccessCheck: cold.skipAccessCheck ?? false,
    ingestionLogRetentionDays: o.ingestionLogRetentionDays ?? 3,
    storageLogRetentionDays: o.storageLogRetentionDays ?? 30,
  };
  problems.check(typeof resolved.hostClusterType === 'string' && IDENTIFIER.test(resolved.hostClusterType), 'hostClusterType', o.hostClusterType, IDENTIFIER_EXPECTED);
  problems.check(isAbsoluteDir(resolved.rootPath), 'storagePaths.root', paths.root, ABSOLUTE_DIR_EXPECTED);
  problems.check(isAbsoluteDir(resolved.nvmePath), 'storagePaths.nvme', paths.nvme, ABSOLUTE_DIR_EXPECTED);
  problems.check(resolved.rootPath !== resolved.nvmePath, 'storagePaths.nvme', paths.nvme,
    'a folder other than the root path (the NVMe RAID is lost when an instance stops)');
  if (cold.endpoint !== undefined) {
    problems.check(typeof cold.endpoint === 'string' && /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._-]+\/([A-Za-z0-9._{}-]+\/)*$/.test(cold.endpoint), 'coldStorage.endpoint',
      cold.endpoint, 'an S3 URL with bucket and prefix ending in /, e.g. https://bucket.s3.us-east-1.amazonaws.com/clickhouse/us/, without credentials');
  }
  problems.check(typeof resolved.coldEndpointEnv === 'string' && ENV_VAR.test(resolved.coldEndpointEnv), 'coldStorage.endpointEnv', cold.endpointEnv,
    'an environment variable name (A-Z, 0-9, _)');
  problems.count('ingestionLogRetentionDays', resolved.ingestionLogRetentionDays, 1, 365);
  problems.count('storageLogRetentionDays', resolved.storageLogRetentionDays, 1, 3650);
  problems.throwIfAny('ClickHouse config options');
  return resolved;
}
