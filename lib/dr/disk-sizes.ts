/**
 * Grow-only disks. EBS volumes and MSK broker storage can grow in place but never shrink, and a
 * synth cannot see what is deployed. So each region keeps a checked-in lock file
 * (`stacks/<region>.sizes.json`) with the size of every disk as last deployed; a synth that asks
 * for less than that is rejected before anything is written, and each synth writes the new floors
 * into `artifacts/disk-sizes.json` for the operator to commit after a successful deploy. Pure.
 */
import { parseJsonFile, Problems } from '../model/validation';
import type { RenderedFile } from '../render/file';

/** Disk sizes in GiB by disk id (the resource's construct path within the stack, plus `#root`/`#broker` for nested disks). */
export type DiskSizes = Readonly<Record<string, number>>;

/** The contents of `stacks/<region>.sizes.json`. */
export interface DiskSizeLock {
  /** The lock's format. */
  readonly version: 1;
  /** The region it belongs to (a lock of another region is refused). */
  readonly region: string;
  /** Size floors in GiB by disk id. */
  readonly sizesGiB: DiskSizes;
}

export const DISK_SIZES_ARTIFACT = 'disk-sizes.json';

/** `stacks/us.sizes.json`: where a region's lock lives in a project. */
export function diskSizeLockPath(region: string): string {
  return `stacks/${region}.sizes.json`;
}

/**
 * Every disk that would shrink below its recorded size, as problems (field: the disk, value: the
 * size asked for, expected: at least the recorded size). Disks missing from the lock are new;
 * disks missing from the stack were removed on purpose (removing a host removes its volume).
 */
export function checkGrowOnly(problems: Problems, desired: DiskSizes, lock: DiskSizeLock | undefined, region: string): void {
  if (lock === undefined) return;
  if (!problems.check(lock.version === 1 && lock.region === region && lock.sizesGiB !== null && typeof lock.sizesGiB === 'object',
    diskSizeLockPath(region), { version: lock.version, region: lock.region }, `a version 1 disk size lock of region ${region}`)) return;
  for (const [disk, size] of Object.entries(desired).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const floor = lock.sizesGiB[disk];
    if (floor === undefined) continue;
    problems.check(size >= floor, `disk ${disk}`, size,
      `at least ${floor} GiB, its size in ${diskSizeLockPath(region)}: EBS volumes and MSK broker storage can only grow ` +
      '(to really shrink, create a new disk under a new id and move the data)');
  }
}

/** Throws one `TopologyValidationError` listing every disk that would shrink. */
export function assertGrowOnly(desired: DiskSizes, lock: DiskSizeLock | undefined, region: string): void {
  const problems = new Problems();
  checkGrowOnly(problems, desired, lock, region);
  problems.throwIfAny('disk sizes');
}

/**
 * The lock to commit after deploying `desired`: the disks of the stack at their new sizes (never
 * below a recorded floor), sorted so the file diffs cleanly; removed disks drop out.
 */
export function nextDiskSizeLock(desired: DiskSizes, lock: DiskSizeLock | undefined, region: string): DiskSizeLock {
  const sizes: Record<string, number> = {};
  for (const disk of Object.keys(desired).sort()) sizes[disk] = Math.max(desired[disk], lock?.sizesGiB[disk] ?? 0);
  return { version: 1, region, sizesGiB: sizes };
}

/** `artifacts/disk-sizes.json`, byte-stable. */
export function renderDiskSizeLock(lock: DiskSizeLock): RenderedFile {
  return { path: DISK_SIZES_ARTIFACT, content: JSON.stringify(lock, null, 2) + '\n' };
}

/** Parses a lock file's text, with a clear error for anything else. */
export function parseDiskSizeLock(text: string, source: string): DiskSizeLock {
  const parsed = parseJsonFile(text, source, 'disk size lock');
  const problems = new Problems();
  const lock = parsed as DiskSizeLock;
  problems.check(lock !== null && typeof lock === 'object' && lock.version === 1 && typeof lock.region === 'string'
    && lock.sizesGiB !== null && typeof lock.sizesGiB === 'object', source, parsed, '{ "version": 1, "region": "...", "sizesGiB": { ... } }');
  for (const [disk, size] of Object.entries(lock?.sizesGiB ?? {})) {
    problems.check(Number.isInteger(size) && size > 0, `${source}: ${disk}`, size, 'a size in whole GiB');
  }
  problems.throwIfAny('disk size lock');
  return lock;
}
