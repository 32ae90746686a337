/**
 * Where a Terraform template expression ends, for the scans of lib/render/terraform-literal.ts.
 * Its own module so tests can share it without it joining the renderers' public API
 * (lib/renderers.ts re-exports terraform-literal.ts whole). Pure: no cdktf.
 */

/** The end of a `${…}` expression starting at `open` (the `{`), honouring nested braces and quoted strings. */
export function closingBrace(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}
