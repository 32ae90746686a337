// (b) A region scaled by BENCH_FACTOR (10: 100 shards × 3 replicas, 380 ingestion nodes, 100 streams).
import { App } from 'cdktf';
import { RegionStack } from '../../lib/constructs/region-stack';
import { scaledRegion } from '../regions';

const factor = Number(process.env.BENCH_FACTOR ?? 10);
const app = new App({ outdir: process.env.BENCH_OUTDIR });
new RegionStack(app, `scale${factor}x`, scaledRegion(factor));
app.synth();
