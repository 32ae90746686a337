import * as path from 'path';
import { App } from 'cdktf';
import { DisasterRecovery, loadDiskSizeLock } from '../lib/constructs/disaster-recovery';
import { RegionLockFile } from '../lib/lock/region-lock-file';
import { RegionStack } from '../lib/constructs/region-stack';
import { EU_REGION } from './eu';
import { US_REGION } from './us';

/** The production regions, by stack id. */
export const REGIONS = { us: US_REGION, eu: EU_REGION } as const;

/**
 * Adds the `us` and `eu` stacks to an app, exactly as `npm run synth` builds them (the tests
 * snapshot this, so the golden copies are what the command writes).
 */
export function addRegionStacks(app: App): RegionStack[] {
  return Object.entries(REGIONS).map(([id, spec]) => {
    // stacks/<region>.lock.json: what the region runs; synth writes the next one for the PR (docs/schema.md).
    const stack = new RegionStack(app, id, { ...spec, regionLock: RegionLockFile.at(path.join(__dirname, `${id}.lock.json`)) });
    // Runbooks in artifacts/runbooks/, and no disk smaller than in stacks/<region>.sizes.json (the sizes last deployed).
    DisasterRecovery.apply(stack, { diskSizeLock: loadDiskSizeLock(path.join(__dirname, `${id}.sizes.json`)) });
    return stack;
  });
}
