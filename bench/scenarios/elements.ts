// What the floors share: the prebuilt provider class of a Terraform type, and plain references.
import { TerraformElement, TerraformStack, Token } from 'cdktf';

export type Blocks = Record<string, Record<string, Record<string, unknown>>>;
export interface StackJson {
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly resource?: Blocks;
  readonly data?: Blocks;
}
export type ElementClass = (new (scope: TerraformStack, id: string, config: object) => TerraformElement) & { tfResourceType?: string };

const PROVIDER_PREFIXES = ['aws', 'kubernetes', 'helm'];

/** `aws_s3_bucket_policy` → the class exported by `@cdktf/provider-aws/lib/s3-bucket-policy`. */
export function classOf(type: string, kind: 'resource' | 'data' | 'provider'): ElementClass {
  const provider = kind === 'provider' ? type : PROVIDER_PREFIXES.find((p) => type.startsWith(`${p}_`));
  if (!provider) throw new Error(`no prebuilt provider for ${type}`);
  const rest = type.slice(provider.length + 1).replace(/_/g, '-');
  const module = kind === 'provider' ? 'provider' : kind === 'data' ? `data-${provider}-${rest}` : rest;
  const exports = require(`@cdktf/provider-${provider}/lib/${module}`) as Record<string, ElementClass>;
  const found = Object.values(exports).find((c) => typeof c === 'function' && c.tfResourceType === type);
  if (!found) throw new Error(`no class for ${type} in @cdktf/provider-${provider}/lib/${module}`);
  return found;
}

/** An element's address in references and `depends_on`: `aws_instance.x`, `data.aws_ami.y`. */
export function addressOf(kind: 'resource' | 'data', type: string, id: string): string {
  return `${kind === 'data' ? 'data.' : ''}${type}.${id}`;
}

/** What an attribute reference is resolved from (`interpolationForAttribute` of resources and data sources). */
export type Referable = TerraformElement & { interpolationForAttribute(attribute: string): unknown };

// A plain reference `${aws_instance.host.private_ip}` / `${data.aws_x.y.list[0].attr}` (not an escaped `$${`).
export const REFERENCE = /(?<!\$)\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+(?:\.[a-z0-9_]+|\[[0-9]+\])*)\}/g;

/**
 * Every plain reference in a string becomes a cdktf token of the referenced element, as in an app
 * that passes `instance.privateIp`: tokens capture stack traces and are resolved at synth, which
 * literal `${…}` strings skip. References inside function calls stay literal (an app would build
 * them with `Fn`, more tokens still).
 */
export function withTokens(value: unknown, elements: ReadonlyMap<string, Referable>): unknown {
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
