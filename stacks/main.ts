import { App } from 'cdktf';
import { RegionStack } from '../lib/region-stack';
import { EU_REGION } from './eu';
import { US_REGION } from './us';

/** The cdktf app: `cdktf synth`, `cdktf deploy us`, `npm run synth`. No cloud credentials needed to synthesize. */
const app = new App();
const stacks = [new RegionStack(app, 'us', US_REGION), new RegionStack(app, 'eu', EU_REGION)];
app.synth();

for (const stack of stacks) {
  const { storage, ingestionTiers } = stack.topology;
  const tiers = ingestionTiers.map((t) => `${t.role.value} ${t.nodes}`).join(', ');
  const ingestion = ingestionTiers.reduce((n, t) => n + t.nodes, 0);
  console.log(`${stack.node.id}: ${storage.hosts.length} data nodes (${storage.shards} × ${storage.replicas}), ` +
    `${ingestion} ingestion nodes (${tiers}) → ${app.outdir}/stacks/${stack.node.id}`);
}
