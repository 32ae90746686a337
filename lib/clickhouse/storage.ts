import { RenderedFile } from '../render/file';
import { ClickHouseConfigOptions, ResolvedOptions, resolveOptions } from './options';
import { clickhouseXml, fromEnv, XmlTree } from './xml';

export const STORAGE_FILE = 'config.d/storage.xml';

/** The storage policy the data tables use (`SETTINGS storage_policy = 'tiered'`). */
export const TIERED_STORAGE_POLICY = 'tiered';
/** Disk names, in the order data moves: hot NVMe → warm EBS → cold S3. */
export const STORAGE_DISKS = { hot: 'nvme', warm: 'ebs', cold: 's3_cold' } as const;
/** Volume names of the tiered policy, in order. */
export const STORAGE_VOLUMES = ['hot', 'warm', 'cold'] as const;

/** Folders the cloud-init renderer must create (owned by clickhouse) before ClickHouse starts. */
export function storageDirectories(options: ClickHouseConfigOptions = {}): string[] {
  const o = resolveOptions(options);
  return [o.rootPath, o.nvmePath, warmPath(o), coldMetadataPath(o)];
}

function warmPath(o: ResolvedOptions): string {
  return `${o.rootPath}disks/${STORAGE_DISKS.warm}/`;
}

/** The S3 disk's object map: lose it and the objects in the bucket are unreadable, so it lives on EBS. */
function coldMetadataPath(o: ResolvedOptions): string {
  return `${o.rootPath}disks/${STORAGE_DISKS.cold}/`;
}

/**
 * The storage tier's disks and its one policy. New parts land on the hot volume (the NVMe RAID);
 * when it is more than 90% full (`move_factor` 0.1) the oldest parts move to the warm volume on
 * EBS, and from there to S3. Table TTLs (`TO VOLUME 'cold'`) move data on purpose. ClickHouse's
 * root path, and with it every table's metadata and the S3 disk's object map, is on EBS: the
 * instance store is wiped when an instance stops.
 */
export function renderStorageConfiguration(options: ClickHouseConfigOptions = {}): RenderedFile {
  const o = resolveOptions(options);
  const cold: Record<string, XmlTree | string | number> = {
    type: 's3',
    endpoint: o.coldEndpoint ?? fromEnv(o.coldEndpointEnv),
    // The instance role via IMDSv2; never keys in the config.
    use_environment_credentials: 'true',
    metadata_path: coldMetadataPath(o),
  };
  if (o.skipAccessCheck) cold.skip_access_check = 'true';
  return {
    path: STORAGE_FILE,
    content: clickhouseXml({
      path: o.rootPath,
      storage_configuration: {
        disks: {
          [STORAGE_DISKS.hot]: { type: 'local', path: o.nvmePath },
          [STORAGE_DISKS.warm]: { type: 'local', path: warmPath(o) },
          [STORAGE_DISKS.cold]: cold,
        },
        policies: {
          [TIERED_STORAGE_POLICY]: {
            volumes: {
              hot: { disk: STORAGE_DISKS.hot },
              warm: { disk: STORAGE_DISKS.warm },
              // Moving a part to S3 on INSERT would make the insert as slow as S3.
              cold: { disk: STORAGE_DISKS.cold, perform_ttl_move_on_insert: 'false' },
            },
            move_factor: 0.1,
          },
        },
      },
    }),
  };
}

/** Environment variables the storage configuration reads. */
export function storageEnvironment(options: ClickHouseConfigOptions = {}): string[] {
  const o = resolveOptions(options);
  return o.coldEndpoint === undefined ? [o.coldEndpointEnv] : [];
}
