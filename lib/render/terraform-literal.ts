/**
 * Literal text inside Terraform strings. Terraform reads every string of a configuration as a
 * template: `${…}` starts an interpolation and `%{…}` a directive, so shell (`${VAR:-x}`), SQL,
 * XML or YAML that holds them must be escaped (`$${`, `%%{`) to arrive as written. Pure: no cdktf.
 *
 * cdktf encodes an unresolved reference as the marker `${TfToken[TOKEN.n]}` and turns it into a
 * Terraform expression only when the stack is resolved, so escaping text that still holds markers
 * keeps the references and makes everything around them literal.
 */
import { closingBrace } from './template-expression';

/**
 * What `escapeTerraformLiteral` rewrites, left to right: a `$` right before a marker (`${TfToken[`,
 * which cdktf puts in a string for an unresolved token), a `${` that opens no marker, a `%{`.
 */
const TEMPLATE_SEQUENCE = /\$(?=\$\{TfToken\[)|\$\{(?!TfToken\[)|%\{/g;

/**
 * Escapes Terraform template sequences in text that may hold cdktf token markers: every `${` that
 * does not open a marker becomes `$${`, every `%{` becomes `%%{`, and a `$` right before a marker
 * becomes `${"$"}` (`$${` would otherwise swallow the reference). Not idempotent: apply it once,
 * to the text as the library built it (the stack does, see `LiteralText`).
 */
export function escapeTerraformLiteral(text: string): string {
  if (!text.includes('{')) return text;
  return text.replace(TEMPLATE_SEQUENCE, (m) => (m === '$' ? '${"$"}' : m === '${' ? '$${' : '%%{'));
}

/** What Terraform makes of an escaped literal: `$${` → `${`, `%%{` → `%{` (for reading synthesized files back). */
export function unescapeTerraformLiteral(text: string): string {
  return text.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{').replace(/\$\{"\$"\}/g, () => '$');
}

/** One template sequence Terraform would interpret that is not a reference of the configuration. */
export interface UninterpretedTemplate {
  /** JSON path of the string, e.g. `resource.aws_instance.x.user_data`. */
  readonly location: string;
  /** The sequence as written, shortened. */
  readonly sequence: string;
}

/** The addresses a Terraform JSON configuration declares, which a cdktf reference may name. */
interface Declared {
  readonly resources: ReadonlySet<string>;
  readonly data: ReadonlySet<string>;
  readonly ephemeral: ReadonlySet<string>;
}

/** Roots a cdktf-produced expression starts with besides resource addresses. */
const OTHER_ROOTS = /^(var|local|module|each|count|self|path|terraform)\./;
/** A function call (`base64decode(…)`, `jsonencode(…)`, `provider::aws::arn_parse(…)`) or a literal string expression (`"$"`). */
const FUNCTION_CALL = /^(provider::[a-z0-9_]+::)?[a-z][a-z0-9_]*\(/;
const STRING_EXPRESSION = /^"[^"{}]*"$/;

function isReference(expression: string, declared: Declared): boolean {
  // cdktf writes operators and conditionals in parentheses: `(length(var.x) < 1)`, `(a ? b : c)`.
  const e = expression.trim().replace(/^[(!\s-]+/, '');
  if (OTHER_ROOTS.test(e) || FUNCTION_CALL.test(e) || STRING_EXPRESSION.test(e)) return true;
  const m = /^(data\.|ephemeral\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(?=[.[\s]|$)/.exec(e);
  if (!m) return false;
  const address = `${m[2]}.${m[3]}`;
  if (m[1] === 'data.') return declared.data.has(address);
  if (m[1] === 'ephemeral.') return declared.ephemeral.has(address);
  return declared.resources.has(address);
}

/** Template sequences of one string that are neither escaped nor references of the configuration. */
export function uninterpretedTemplates(text: string, declared: Declared): string[] {
  const found: string[] = [];
  // Only a `{` right after `$` or `%` can open a sequence: jump from brace to brace (a synthesized
  // stack holds megabytes of text, mostly without any). Doubled (`$${`, `%%{`) is a literal.
  for (let open = text.indexOf('{'); open >= 0; open = text.indexOf('{', open + 1)) {
    const c = text[open - 1];
    if ((c !== '$' && c !== '%') || text[open - 2] === c) continue;
    const i = open - 1;
    if (c === '%') {
      found.push(text.slice(i, i + 40));
      continue;
    }
    const end = closingBrace(text, open);
    const expression = end < 0 ? text.slice(i + 2) : text.slice(i + 2, end);
    if (end < 0 || !isReference(expression, declared)) found.push(text.slice(i, end < 0 ? i + 40 : Math.min(end + 1, i + 40)));
    if (end > 0) open = end;
  }
  return found;
}

function keysOf(blocks: unknown): Set<string> {
  const out = new Set<string>();
  if (blocks === null || typeof blocks !== 'object') return out;
  for (const [type, byName] of Object.entries(blocks as Record<string, unknown>)) {
    if (byName !== null && typeof byName === 'object') for (const name of Object.keys(byName)) out.add(`${type}.${name}`);
  }
  return out;
}

/**
 * Every string of a synthesized Terraform JSON configuration (`cdk.tf.json`) that holds a `${…}`
 * or `%{…}` Terraform would interpret although it is no reference cdktf produced: literal text
 * that escaped the escaping. cdktf's references name a declared resource, data source or ephemeral
 * resource, a variable or local, or call a function; anything else (`${VAR:-x}`, `${nvme[@]}`,
 * `%{ if }`) is reported. `//` metadata is skipped (Terraform ignores it).
 */
export function findUninterpretedTemplates(config: unknown): UninterpretedTemplate[] {
  const root = (config ?? {}) as Record<string, unknown>;
  const declared: Declared = { resources: keysOf(root.resource), data: keysOf(root.data), ephemeral: keysOf(root.ephemeral) };
  const found: UninterpretedTemplate[] = [];
  // The JSON path as segments (a key, or an array index), joined only for a finding: a synthesized
  // stack has hundreds of thousands of values and almost none holds a sequence.
  const path: (string | number)[] = [];
  const location = (): string => path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  const check = (text: string, where: () => string): void => {
    if (!text.includes('{')) return;
    for (const sequence of uninterpretedTemplates(text, declared)) found.push({ location: where(), sequence });
  };
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      check(value, location);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
    } else if (value !== null && typeof value === 'object') {
      for (const k in value) {
        if (k === '//' || !Object.prototype.hasOwnProperty.call(value, k)) continue;
        path.push(k);
        check(k, () => `${location()} (key)`);
        walk((value as Record<string, unknown>)[k]);
        path.pop();
      }
    }
  };
  // The backend block takes no expressions; everything else is evaluated.
  for (const [k, v] of Object.entries(root)) {
    if (k === '//' || k === 'terraform') continue;
    path.push(k);
    walk(v);
    path.pop();
  }
  return found;
}
