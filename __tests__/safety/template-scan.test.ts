import { closingBrace } from '../../lib/render/template-expression';
import { findUninterpretedTemplates, uninterpretedTemplates } from '../../lib/render/terraform-literal';

/**
 * The policy pack's template scan jumps from brace to brace instead of reading every character.
 * This checks it against the character-by-character scan it replaced, on random strings over the
 * characters that matter (`$`, `%`, braces, quotes, backslashes) and on the cases that motivated
 * each rule.
 */

/** The scan as it was: every character, left to right (the end of an expression is found as before, by the shared `closingBrace`). */
function oracle(text: string, isReference: (expression: string) => boolean): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
      i += 2;
      continue;
    }
    if (text[i + 1] !== '{') continue;
    if (c === '%') {
      found.push(text.slice(i, i + 40));
      i++;
    } else if (c === '$') {
      const end = closingBrace(text, i + 1);
      const expression = end < 0 ? text.slice(i + 2) : text.slice(i + 2, end);
      if (end < 0 || !isReference(expression)) found.push(text.slice(i, end < 0 ? i + 40 : Math.min(end + 1, i + 40)));
      if (end > 0) i = end;
    }
  }
  return found;
}

/** A configuration with one declared resource and one string to scan. */
function scan(text: string): string[] {
  return findUninterpretedTemplates({ resource: { aws_s3_object: { o: { content: text } } } }).map((f) => f.sequence);
}
const declared = { resources: new Set(['aws_s3_object.o']), data: new Set<string>(), ephemeral: new Set<string>() };
/**
 * Whether the library counts an expression as a reference (declared address, function call,
 * variable...): asked of the scan with the expression alone as `${expression}`, where it sees
 * exactly one sequence, so the oracle and the scan share only that decision.
 */
const declaredOnly = (expression: string): boolean => uninterpretedTemplates(`\${${expression}}`, declared).length === 0;

test.each([
  ['a reference', 'x ${aws_s3_object.o.id} y'],
  ['an undeclared reference', '${aws_s3_object.other.id}'],
  ['shell', 'echo ${HOME:-/root} %{ if x }'],
  ['escaped', '$${HOME} %%{ if } $$${x} %%%{ y }'],
  ['a brace first', '{"a": "${aws_s3_object.o.id}"}'],
  ['unclosed', 'tail ${never'],
  ['nested braces and quotes', '${jsonencode({a = "}${x}"})} then ${HOME}'],
  ['braces only', '{{}} {$} {%} ${}'],
])('%s: the same findings as the character scan', (_name, text) => {
  expect(scan(text)).toEqual(oracle(text, declaredOnly));
});

test('random strings: the same findings as the character scan', () => {
  const alphabet = ['$', '$', '%', '%', '{', '{', '}', '"', '\\', 'a', ' ', 'aws_s3_object.o.id', 'HOME'];
  // A fixed seed, so a failure reproduces.
  let seed = 17;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let withFindings = 0;
  for (let run = 0; run < 5000; run++) {
    const text = Array.from({ length: 1 + random(24) }, () => alphabet[random(alphabet.length)]).join('');
    const expected = oracle(text, declaredOnly);
    if (expected.length > 0) withFindings++;
    expect({ text, found: scan(text) }).toEqual({ text, found: expected });
  }
  // The inputs exercise both outcomes.
  expect(withFindings).toBeGreaterThan(500);
  expect(withFindings).toBeLessThan(4500);
});
