// (a) The default regions, as `npm run synth` builds them.
import { App } from 'cdktf';
import { RegionStack } from '../../lib/constructs/region-stack';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';

const app = new App({ outdir: process.env.BENCH_OUTDIR });
new RegionStack(app, 'us', US_REGION);
new RegionStack(app, 'eu', EU_REGION);
app.synth();
