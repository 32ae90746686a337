// (c) The floor: a bare cdktf app that creates the same providers, resources and data sources as a
// synthesized output (BENCH_SOURCE, a cdktf.out folder), with the same attributes, from the
// prebuilt providers by deep import. No model, no renderers, no artifacts, no policy pack. Each
// element keeps its logical id, so the output's blocks equal the source's (bench/run.ts checks);
// with BENCH_REFERENCES=1, (c'), references become tokens as in a hand-written app.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformElement, TerraformStack, Token } from 'cdktf';

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

/** What an attribute reference is resolved from (`interpolationForAttribute` of resources and data sources). */
type Referable = TerraformElement & { interpolationForAttribute(attribute: string): unknown };

// A plain reference `${aws_instance.host.private_ip}` / `${data.aws_x.y.list[0].attr}` (not an escaped `$${`).
const REFERENCE = /(?<!\$)\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+(?:\.[a-z0-9_]+|\[[0-9]+\])*)\}/g;

/**
 * With BENCH_REFERENCES=1 every plain reference in a string becomes a cdktf token of the referenced
 * element, as in an app that passes `instance.privateIp`: tokens capture stack traces and are
 * resolved at synth, which the literal `${…}` strings of the plain floor skip. References inside
 * function calls stay literal (an app would build them with `Fn`, more tokens still).
 */
const WITH_REFERENCES = process.env.BENCH_REFERENCES === '1';

function withTokens(value: unknown, elements: ReadonlyMap<string, Referable>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REFERENCE, (whole: string, address: string, attribute: string) => {
      const element = elements.get(address);
      return element ? Token.asString(element.interpolationForAttribute(attribute)) : whole;
    });
  }
  if (Array.isArray(value)) return value.map((v) => withTokens(v, elements));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTokens(v, elements)]));
  }
  return value;
}

function copy(element: TerraformElement, config: Record<string, unknown>, elements?: ReadonlyMap<string, Referable>): void {
  for (const [key, value] of Object.entries(config)) if (key !== '//') element.addOverride(key, elements ? withTokens(value, elements) : value);
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
        elements.set(`${kind === 'data' ? 'data.' : ''}${type}.${id}`, element as unknown as Referable);
        created.push([element, config]);
      }
    }
  }
  for (const [element, config] of created) copy(element, config, WITH_REFERENCES ? elements : undefined);
}
app.synth();
