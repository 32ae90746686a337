// (c) The floor: a bare cdktf app that creates the same providers, resources and data sources as a
// synthesized output (BENCH_SOURCE, a cdktf.out folder), with the same attributes, from the
// prebuilt providers by deep import. No model, no renderers, no artifacts, no policy pack.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformElement, TerraformStack } from 'cdktf';

type Blocks = Record<string, Record<string, Record<string, unknown>>>;
type ElementClass = (new (scope: TerraformStack, id: string, config: object) => TerraformElement) & { tfResourceType?: string };

const PROVIDER_PREFIXES = ['aws', 'kubernetes', 'helm'];

/** `aws_s3_bucket_policy` → the class exported by `@cdktf/provider-aws/lib/s3-bucket-policy`. */
function classOf(type: string, kind: 'resource' | 'data' | 'provider'): ElementClass {
  const provider = kind === 'provider' ? type : PROVIDER_PREFIXES.find((p) => type.startsWith(`${p}_`));
  if (!provider) throw new Error(`no prebuilt provider for ${type}`);
  const rest = type.slice(provider.length + 1).replace(/_/g, '-');
  const module = kind === 'provider' ? 'provider' : kind === 'data' ? `data-${provider}-${rest}` : rest;
  const exports = require(`@cdktf/provider-${provider}/lib/${module}`) as Record<string, ElementClass>;
  const found = Object.values(exports).find((c) => typeof c === 'function' && c.tfResourceType === type);
  if (!found) throw new Error(`no class for ${type} in @cdktf/provider-${provider}/lib/${module}`);
  return found;
}

function copy(element: TerraformElement, config: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(config)) if (key !== '//') element.addOverride(key, value);
}

const source = process.env.BENCH_SOURCE!;
const app = new App({ outdir: process.env.BENCH_OUTDIR });
for (const name of fs.readdirSync(path.join(source, 'stacks')).sort()) {
  const json = JSON.parse(fs.readFileSync(path.join(source, 'stacks', name, 'cdk.tf.json'), 'utf8')) as {
    provider?: Record<string, Record<string, unknown>[]>; resource?: Blocks; data?: Blocks;
  };
  const stack = new TerraformStack(app, name);
  for (const [type, configs] of Object.entries(json.provider ?? {})) {
    const Provider = classOf(type, 'provider');
    configs.forEach((c, i) => copy(new Provider(stack, `${type}_${i}`, {}), c));
  }
  for (const [kind, blocks] of [['resource', json.resource], ['data', json.data]] as const) {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      const Element = classOf(type, kind);
      for (const [id, config] of Object.entries(byName)) copy(new Element(stack, `${type}__${id}`, {}), config);
    }
  }
}
app.synth();
