// (c) The floor: a bare cdktf app that creates the same providers, resources, data sources and
// ephemeral resources as a synthesized output (BENCH_SOURCE, a cdktf.out folder), with the same
// attributes, from the prebuilt providers by deep import, and the same backend, variables and
// outputs. No model, no renderers, no artifacts, no policy pack. Each element keeps its logical id,
// so the output's blocks equal the source's (bench/run.ts checks); with BENCH_REFERENCES=1, (c'),
// references become tokens as in a hand-written app.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformElement, TerraformStack } from 'cdktf';
import { addressOf, addStackBlocks, classOf, EphemeralBlock, Referable, StackJson, withTokens } from './elements';

/** BENCH_REFERENCES=1: plain references become tokens of the elements they name (elements.ts). */
const WITH_REFERENCES = process.env.BENCH_REFERENCES === '1';

function copy(element: TerraformElement, config: Record<string, unknown>, elements?: ReadonlyMap<string, Referable>): void {
  for (const [key, value] of Object.entries(config)) if (key !== '//') element.addOverride(key, elements ? withTokens(value, elements) : value);
}

const source = process.env.BENCH_SOURCE!;
const app = new App({ outdir: process.env.BENCH_OUTDIR });
for (const name of fs.readdirSync(path.join(source, 'stacks')).sort()) {
  const json = JSON.parse(fs.readFileSync(path.join(source, 'stacks', name, 'cdk.tf.json'), 'utf8')) as StackJson;
  const stack = new TerraformStack(app, name);
  for (const [type, configs] of Object.entries(json.provider ?? {})) {
    const Provider = classOf(type, 'provider');
    configs.forEach((c, i) => copy(new Provider(stack, `${type}_${i}`, {}), c));
  }
  // Every element first, so a reference can find the element it names.
  const created: [TerraformElement, Record<string, unknown>][] = [];
  const elements = new Map<string, Referable>();
  for (const [kind, blocks] of [['resource', json.resource], ['data', json.data]] as const) {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      const Element = classOf(type, kind);
      for (const [id, config] of Object.entries(byName)) {
        const element = new Element(stack, `${type}__${id}`, {});
        // The element's own id in the output: cdk.tf.json keys by friendlyUniqueId, which overrideLogicalId keeps.
        element.overrideLogicalId(id);
        elements.set(addressOf(kind, type, id), element as unknown as Referable);
        created.push([element, config]);
      }
    }
  }
  // Ephemeral resources have no provider class to override: each is built with its block as it is
  // (`depends_on` included), before the attributes that may name them.
  for (const [type, byName] of Object.entries(json.ephemeral ?? {})) {
    for (const [id, config] of Object.entries(byName)) {
      const block = WITH_REFERENCES ? (withTokens(config, elements) as Record<string, unknown>) : config;
      const element = new EphemeralBlock(stack, `${type}__${id}`, { type, config: block });
      element.overrideLogicalId(id);
      elements.set(addressOf('ephemeral', type, id), element);
    }
  }
  for (const [element, config] of created) copy(element, config, WITH_REFERENCES ? elements : undefined);
  addStackBlocks(stack, json, WITH_REFERENCES ? (v) => withTokens(v, elements) : undefined);
}
app.synth();
