import { App } from 'cdktf';
import { RegionStack } from '../lib/region-stack';
import { EU_REGION } from './eu';
import { US_REGION } from './us';

/** The cdktf app: `cdktf synth`, `cdktf deploy us`, `npm run synth`. No cloud credentials needed to synthesize. */
const app = new App();
new RegionStack(app, 'us', US_REGION);
new RegionStack(app, 'eu', EU_REGION);
app.synth();
