// (c'') The floor written as a hand-written cdktf app: the same providers, resources, data sources
// and ephemeral resources as (a), built from their typed constructor config (camelCase structs,
// `dependsOn` with the elements themselves, references as tokens), in an order where each element
// exists before anything that names it; then the backend, variables and outputs (values as tokens).
// The config comes precomputed from BENCH_PLAN (typed-plan.ts), so this process only builds and
// synthesizes. Attributes the plan could not type stay overrides, as in (c).
import * as fs from 'fs';
import { App, TerraformStack } from 'cdktf';
import { addressOf, addStackBlocks, classOf, EphemeralBlock, Referable, withTokens } from './elements';
import type { Plan } from './typed-plan';

const plan = JSON.parse(fs.readFileSync(process.env.BENCH_PLAN!, 'utf8')) as Plan;
const app = new App({ outdir: process.env.BENCH_OUTDIR });
for (const planned of plan.stacks) {
  const stack = new TerraformStack(app, planned.name);
  planned.providers.forEach((p, i) => {
    const provider = new (classOf(p.type, 'provider'))(stack, `${p.type}_${i}`, p.config);
    for (const [key, value] of Object.entries(p.overrides)) provider.addOverride(key, value);
  });
  const elements = new Map<string, Referable>();
  for (const e of planned.elements) {
    const config = e.references ? (withTokens(e.config, elements) as Record<string, unknown>) : e.config;
    const dependsOn = e.dependsOn?.map((address) => elements.get(address)!);
    const element = e.kind === 'ephemeral'
      ? new EphemeralBlock(stack, `${e.type}__${e.id}`, { type: e.type, config, dependsOn })
      : new (classOf(e.type, e.kind))(stack, `${e.type}__${e.id}`, { ...config, dependsOn });
    element.overrideLogicalId(e.id);
    for (const [key, value] of Object.entries(e.overrides)) element.addOverride(key, e.references ? withTokens(value, elements) : value);
    elements.set(addressOf(e.kind, e.type, e.id), element as unknown as Referable);
  }
  addStackBlocks(stack, planned.blocks, (v) => withTokens(v, elements));
}
app.synth();
