// What the floors share: the prebuilt provider class of a Terraform type, ephemeral resources,
// the stack's other blocks, and plain references.
import { LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { EphemeralResource } from '../../lib/constructs/ephemeral-resource';

export type Blocks = Record<string, Record<string, Record<string, unknown>>>;
export interface StackJson {
  readonly terraform?: { readonly backend?: Record<string, Record<string, unknown>>; readonly required_version?: string };
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly resource?: Blocks;
  readonly data?: Blocks;
  readonly ephemeral?: Blocks;
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly output?: Record<string, Record<string, unknown>>;
}

/** The kinds of element a floor builds one by one (each can be referenced or depended on). */
export type ElementKind = 'resource' | 'data' | 'ephemeral';
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

/** An element's address in references and `depends_on`: `aws_instance.x`, `data.aws_ami.y`, `ephemeral.aws_z.w`. */
export function addressOf(kind: ElementKind, type: string, id: string): string {
  return `${kind === 'resource' ? '' : `${kind}.`}${type}.${id}`;
}

/**
 * An ephemeral resource in a floor: cdktf 0.21 predates them and the prebuilt providers have no
 * class, so an app writes a generic element, which the library's own is (it imports only cdktf).
 * Referable, as the floors' references need.
 */
export class EphemeralBlock extends EphemeralResource {
  public interpolationForAttribute(attribute: string): unknown {
    return this.getString(attribute);
  }
}

const SNAKE_KEY = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
/** A Terraform snake_case key as its camelCase config name (`use_lockfile` → `useLockfile`); other keys (map keys mostly) stay. */
export const camel = (key: string): string => (SNAKE_KEY.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key);

/**
 * The stack's `terraform` block (its backend and required Terraform version), its variables and its
 * outputs, as an app writes them: `LocalBackend`/`S3Backend`, `TerraformVariable`, `TerraformOutput`
 * with static ids. `outputValue` turns an output's value into what the app passes (tokens, or the text).
 */
export function addStackBlocks(stack: TerraformStack, json: StackJson, outputValue: (v: unknown) => unknown = (v) => v): void {
  for (const [kind, config] of Object.entries(json.terraform?.backend ?? {})) {
    const props = Object.fromEntries(Object.entries(config).map(([k, v]) => [camel(k), v]));
    if (kind === 'local') new LocalBackend(stack, props);
    else if (kind === 's3') new S3Backend(stack, props as unknown as ConstructorParameters<typeof S3Backend>[1]);
    else throw new Error(`no floor for backend ${kind}`);
  }
  if (json.terraform?.required_version !== undefined) stack.addOverride('terraform.required_version', json.terraform.required_version);
  for (const [id, v] of Object.entries(json.variable ?? {})) {
    const validation = (v.validation as { condition: string; error_message: string }[] | undefined)
      ?.map((x) => ({ condition: x.condition, errorMessage: x.error_message }));
    new TerraformVariable(stack, id, {
      type: v.type as string | undefined, description: v.description as string | undefined, default: v.default,
      sensitive: v.sensitive as boolean | undefined, nullable: v.nullable as boolean | undefined, validation,
    });
  }
  for (const [id, o] of Object.entries(json.output ?? {})) {
    new TerraformOutput(stack, id, {
      staticId: true, value: outputValue(o.value), description: o.description as string | undefined, sensitive: o.sensitive as boolean | undefined,
    });
  }
}

/** What an attribute reference is resolved from (`interpolationForAttribute` of resources and data sources). */
export type Referable = TerraformElement & { interpolationForAttribute(attribute: string): unknown };

// A plain reference `${aws_instance.host.private_ip}` / `${data.aws_x.y.list[0].attr}` /
// `${ephemeral.aws_x.y.attr}` (not an escaped `$${`).
export const REFERENCE = /(?<!\$)\$\{((?:data\.|ephemeral\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+(?:\.[a-z0-9_]+|\[[0-9]+\])*)\}/g;

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
