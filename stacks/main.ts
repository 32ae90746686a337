import { App } from 'cdktf';
import { addRegionStacks } from './app';

/**
 * The cdktf app: `cdktf synth`, `cdktf deploy us`, `npm run synth`. No cloud credentials needed to synthesize.
 * Without stack traces in the manifest's annotations, manifest.json holds no paths of this machine.
 */
const app = new App({ stackTraces: false });
const stacks = addRegionStacks(app);
app.synth();

for (const stack of stacks) {
  const { storage, ingestionTiers } = stack.topology;
  const tiers = ingestionTiers.map((t) => `${t.role.value} ${t.nodes}`).join(', ');
  const ingestion = ingestionTiers.reduce((n, t) => n + t.nodes, 0);
  console.log(`${stack.node.id}: ${storage.hosts.length} data nodes (${storage.shards} × ${storage.replicas}), ` +
    `${ingestion} ingestion nodes (${tiers}) → ${app.outdir}/stacks/${stack.node.id}`);
}
