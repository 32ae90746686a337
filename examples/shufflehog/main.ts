import { App } from 'cdktf';
import { RegionStack } from '../../lib/constructs/region-stack';
import { SHUFFLEHOG_REGION } from './region';

// npx ts-node --transpile-only examples/shufflehog/main.ts → cdktf.out/stacks/shuffle
const app = new App();
new RegionStack(app, 'shuffle', SHUFFLEHOG_REGION);
app.synth();
