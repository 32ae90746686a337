import { Problems } from '../model/validation';

/** Where a storage host's disks are mounted. */
export interface StorageMounts {
  /**
   * RAID0 of the instance-store NVMe devices: the hot tier. Ephemeral: lost on stop/start.
   * @default - no hot tier (hosts without instance store, e.g. ZooKeeper)
   */
  readonly hot?: string;
  /** The EBS data volume: ClickHouse's root path, S3 disk metadata and the warm tier. */
  readonly data: string;
}

export interface StorageDisksOptions {
  readonly mounts: StorageMounts;
  /** Device name the EBS data volume is attached as, e.g. `/dev/sdf` (Nitro reports it in the NVMe controller data). */
  readonly dataVolumeDevice: string;
  /**
   * Fewest instance-store NVMe devices to accept before building the RAID.
   * @default 1
   */
  readonly minInstanceStoreDevices?: number;
  /**
   * Owner of the mounted directories.
   * @default 'clickhouse'
   */
  readonly owner?: string;
  /**
   * Folders created (owned by `owner`) once the disks are mounted, e.g. ClickHouse's disk paths.
   * @default none
   */
  readonly directories?: readonly string[];
  /**
   * Shell lines run once the disks are mounted (e.g. placing ZooKeeper's myid on its data volume).
   * @default none
   */
  readonly afterMount?: readonly string[];
}

const PATH = /^\/[A-Za-z0-9._/-]+$/;
const DEVICE = /^\/dev\/(sd[b-z]|xvd[b-z])$/;

export function checkStorageDisks(problems: Problems, field: string, o: StorageDisksOptions): void {
  problems.check(PATH.test(o.mounts.data), `${field}.mounts.data`, o.mounts.data, 'an absolute path');
  const hot = o.mounts.hot;
  if (hot !== undefined) {
    problems.check(PATH.test(hot), `${field}.mounts.hot`, hot, 'an absolute path');
    problems.check(!hot.startsWith(o.mounts.data + '/') && hot !== o.mounts.data, `${field}.mounts.hot`, hot,
      `a path outside the data mount ${o.mounts.data} (the two are mounted independently)`);
  }
  problems.check(/^[a-z_][a-z0-9_-]{0,31}$/.test(o.owner ?? 'clickhouse'), `${field}.owner`, o.owner, 'a user name');
  problems.check(DEVICE.test(o.dataVolumeDevice), `${field}.dataVolumeDevice`, o.dataVolumeDevice, 'a device name /dev/sd[b-z] or /dev/xvd[b-z]');
  (o.directories ?? []).forEach((d, i) => problems.check(PATH.test(d), `${field}.directories[${i}]`, d, 'an absolute path'));
  problems.count(`${field}.minInstanceStoreDevices`, o.minInstanceStoreDevices ?? 1, 1, 24);
}

/**
 * A script run before clickhouse-server on every boot. It mounts the EBS data volume (making a
 * file system only on a blank volume, never over data) and assembles the instance-store NVMe
 * devices as RAID0 for the hot tier: re-assembled after a reboot, rebuilt after a stop/start,
 * which hands the instance blank devices (the replicas refill the hot tier).
 */
export function renderStorageDisksScript(o: StorageDisksOptions): string {
  const device = o.dataVolumeDevice.replace(/^\/dev\//, '');
  const owner = o.owner ?? 'clickhouse';
  const hotTier = o.mounts.hot === undefined ? '' : `
# 2. The hot tier: RAID0 over every instance-store NVMe device.
HOT_MOUNT='${o.mounts.hot}'
mapfile -t nvme < <(devices_with_model 'Amazon EC2 NVMe Instance Storage')
[ "\${#nvme[@]}" -ge "$MIN_NVME" ] || { log "found \${#nvme[@]} instance-store devices, expected at least $MIN_NVME"; exit 1; }
md="$DEV/md/ch-hot"
if [ ! -e "$md" ] && mdadm --examine "\${nvme[0]}" >/dev/null 2>&1; then
  mdadm --assemble "$md" "\${nvme[@]}" || true
fi
if [ ! -e "$md" ]; then
  log "building RAID0 over \${#nvme[@]} devices: \${nvme[*]}"
  mdadm --create "$md" --name=ch-hot --level=0 --raid-devices="\${#nvme[@]}" --force --run "\${nvme[@]}"
  mkfs.xfs -f -L ch-hot "$md"
fi
mkdir -p "$HOT_MOUNT"
mountpoint -q "$HOT_MOUNT" || mount -o noatime,discard "$md" "$HOT_MOUNT"
chown "$OWNER:$OWNER" "$HOT_MOUNT"
log "hot tier $md on $HOT_MOUNT"
`;
  return `#!/bin/bash
# Prepares a host's disks on every boot, before the service that uses them.
set -euo pipefail
DATA_MOUNT='${o.mounts.data}'
DATA_DEVICE_NAME='${device}'
MIN_NVME=${o.minInstanceStoreDevices ?? 1}
OWNER='${owner}'
log() { echo "prepare-disks: $*" >&2; }
# Roots of sysfs and /dev; only tests point them elsewhere (with stub commands on PATH).
SYSFS="\${PREPARE_DISKS_SYSFS:-/sys}"
DEV="\${PREPARE_DISKS_DEV:-/dev}"

# Nitro exposes EBS and instance store as NVMe; the EBS controller carries the attachment's
# device name (e.g. sdf) in its vendor-specific data at byte 3072.
ebs_device_name() {
  nvme id-ctrl --raw-binary "$1" 2>/dev/null | dd bs=1 skip=3072 count=32 status=none | tr -d '\\0 ' | sed 's|^/dev/||'
}
devices_with_model() {
  local b
  for b in "$SYSFS"/block/nvme*n1; do
    [ -e "$b" ] || continue
    if [ "$(tr -s ' ' < "$b/device/model" | sed 's/ *$//')" = "$1" ]; then echo "$DEV/$(basename "$b")"; fi
  done
}

# 1. The EBS data volume; Terraform attaches it after the instance starts, so wait for it.
data_dev=''
for _ in $(seq 1 120); do
  for d in $(devices_with_model 'Amazon Elastic Block Store'); do
    if [ "$(ebs_device_name "$d")" = "$DATA_DEVICE_NAME" ]; then data_dev="$d"; fi
  done
  [ -n "$data_dev" ] && break
  sleep 5
done
[ -n "$data_dev" ] || { log "EBS volume attached as $DATA_DEVICE_NAME not found after 10 minutes"; exit 1; }
if ! blkid "$data_dev" >/dev/null 2>&1; then
  log "blank EBS volume $data_dev: making an XFS file system"
  mkfs.xfs -L data "$data_dev"
fi
mkdir -p "$DATA_MOUNT"
mountpoint -q "$DATA_MOUNT" || mount -o noatime "$data_dev" "$DATA_MOUNT"

chown "$OWNER:$OWNER" "$DATA_MOUNT"
log "data volume $data_dev on $DATA_MOUNT"
${hotTier}${(o.directories ?? []).map((d) => `install -d -o "$OWNER" -g "$OWNER" '${d}'\n`).join('')}${(o.afterMount ?? []).join('\n')}
`;
}
