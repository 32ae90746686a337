import * as path from 'path';
import { App } from 'cdktf';
import { DisasterRecovery, loadDiskSizeLock } from '../lib/disaster-recovery';
import { RegionStack } from '../lib/region-stack';
import { EU_REGION } from './eu';
import { US_REGION } from './us';

/** The cdktf app: `cdktf synth`, `cdktf deploy us`, `npm run synth`. No cloud credentials needed to synthesize. */
const app = new App();
const stacks = ([['us', US_REGION], ['eu', EU_REGION]] as const).map(([id, spec]) => {
  const stack = new RegionStack(app, id, spec);
  // Runbooks in artifacts/runbooks/, and no disk smaller than in stacks/<region>.sizes.json (the sizes last deployed).
  DisasterRecovery.apply(stack, { diskSizeLock: loadDiskSizeLock(path.join(__dirname, `${id}.sizes.json`)) });
  return stack;
});
// Only one cluster consumes a topic with a group, also across stacks that share a backend.
DisasterRecovery.checkApp(stacks);
app.synth();
