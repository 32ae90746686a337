import * as fs from 'fs';
import { parseRegionLock, RegionLock, renderRegionLock } from './region-lock';
import { AcknowledgedChanges, DecommissionSpec } from '../migrations/plan';

export interface RegionLockOptions {
  /**
   * Stateful parts removed from the spec on purpose (streams, shards, replicas, backends, topics).
   * @default none: removing any of them is refused
   */
  readonly decommissioned?: DecommissionSpec;
  /**
   * Changes done by hand by their procedure (a ZooKeeper reconfiguration, a moved state).
   * @default none
   */
  readonly acknowledged?: AcknowledgedChanges;
  /**
   * Whether synth writes the new lock back to the file (the reviewable diff of the PR).
   * @default true for `RegionLockFile.at`
   */
  readonly update?: boolean;
}

/**
 * Where a region's lock lives. `RegionLockFile.at('stacks/us.lock.json')` reads the committed lock
 * (none yet: the region is new) and has synth write the next one there, so the PR shows what the
 * deploy will change; `RegionLockFile.of(lock)` holds one in memory and writes nothing (tests).
 */
export class RegionLockFile {
  /** The lock file of a project, read now; synth writes the next lock to it. */
  public static at(path: string, options: RegionLockOptions = {}): RegionLockFile {
    const current = fs.existsSync(path) ? parseRegionLock(fs.readFileSync(path, 'utf8'), path) : undefined;
    return new RegionLockFile(current, { ...options }, options.update ?? true ? path : undefined);
  }

  /** A lock held in memory (or none: a new region); nothing is written. */
  public static of(lock: RegionLock | undefined, options: RegionLockOptions = {}): RegionLockFile {
    return new RegionLockFile(lock, { ...options, update: false }, undefined);
  }

  private constructor(
    /** The committed lock, if any. */
    public readonly current: RegionLock | undefined,
    public readonly options: RegionLockOptions,
    /** The file synth writes the next lock to. */
    public readonly path: string | undefined,
  ) {}

  /** Writes the next lock when it differs from the file; returns whether it wrote. */
  public write(next: RegionLock): boolean {
    if (this.path === undefined) return false;
    const text = renderRegionLock(next);
    if (fs.existsSync(this.path) && fs.readFileSync(this.path, 'utf8') === text) return false;
    fs.writeFileSync(this.path, text);
    return true;
  }
}
