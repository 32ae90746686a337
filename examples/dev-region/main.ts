import { App } from 'cdktf';
import { RegionStack } from '../../lib/constructs/region-stack';
import { DEV_REGION } from './region';

// npx ts-node --transpile-only examples/dev-region/main.ts → cdktf.out/stacks/dev
const app = new App();
new RegionStack(app, 'dev', DEV_REGION);
app.synth();
