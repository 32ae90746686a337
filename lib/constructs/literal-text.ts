import { Aspects, IAspect, TerraformElement, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { escapeTerraformLiteral } from '../render/terraform-literal';

const ESCAPED = Symbol.for('cdktf-clickhouse-ingest/literal-text');

/** Escapes every string of a (not yet resolved) element fragment; tokens and other objects pass untouched. */
function escapeStrings(value: unknown): unknown {
  if (typeof value === 'string') return escapeTerraformLiteral(value);
  if (Array.isArray(value)) return value.map(escapeStrings);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    // Resolvables (Lazy values, iterators, complex lists) resolve themselves; only plain data is text.
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k === '//' ? k : escapeTerraformLiteral(k)] = k === '//' ? v : escapeStrings(v);
    return out;
  }
  return value;
}

/**
 * Literal text is literal: every string a stack's resources, data sources, providers and outputs
 * carry reaches AWS, the bucket or the chart exactly as written. Terraform would read `${…}` and
 * `%{…}` in user data, S3 object content, Helm values, policy documents and names as templates;
 * this escapes them once, in one place (each element's Terraform fragment, before cdktf resolves
 * its tokens into references), for the text the library renders and the values users supply alike.
 *
 * A consequence: a hand-written Terraform expression (`'${var.vpc_id}'`) is literal text too; pass
 * references as tokens (`TerraformVariable.stringValue`, resource attributes, `Fn.*`). The policy
 * pack's `terraform-literal-text` rule fails any synth that still holds an interpretable sequence
 * that is no reference.
 */
export class LiteralText implements IAspect {
  /** Turns escaping on for `stack` (once; later calls return the same aspect). Call it before any aspect that resolves the stack. */
  public static applyTo(stack: TerraformStack): LiteralText {
    const existing = LiteralText.applied.get(stack);
    if (existing !== undefined) return existing;
    const aspect = new LiteralText(stack);
    LiteralText.applied.set(stack, aspect);
    Aspects.of(stack).add(aspect);
    return aspect;
  }

  /** Whether escaping is on for `stack`. */
  public static isAppliedTo(stack: TerraformStack): boolean {
    return LiteralText.applied.has(stack);
  }

  private static readonly applied = new WeakMap<TerraformStack, LiteralText>();

  private constructor(private readonly stack: TerraformStack) {}

  public visit(node: IConstruct): void {
    // At the stack (visited first), every element there is: later aspects of the stack, such as
    // the policy pack, resolve it right after. Elements added later are caught when visited.
    const targets = node === this.stack ? this.stack.node.findAll() : [node];
    for (const target of targets) if (TerraformElement.isTerraformElement(target)) escapeElement(target);
  }
}

function escapeElement(element: TerraformElement): void {
  const marked = element as unknown as Record<symbol, boolean>;
  if (marked[ESCAPED]) return;
  marked[ESCAPED] = true;
  const own = element.toTerraform.bind(element);
  element.toTerraform = () => escapeStrings(own()) as ReturnType<TerraformElement['toTerraform']>;
}
