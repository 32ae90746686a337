#!/usr/bin/env node
// Usage: node scripts/doc-snippets.js <out-dir> [files...]
// Writes every ```ts code block of README.md and docs/*.md (or the files given) to <out-dir> as its
// own module, named after its file and line (docs_schema_md_L61.ts), so that `tsc` can check that
// the docs compile against the package as users install it (examples/package-consumer/check.sh).
// A block compiles on its own: names it uses without defining are declared in it (`declare const`).
// Blocks that import by a relative path show this repository's own test harness (docs/testing.md),
// not the package, and are left out.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const [out, ...given] = process.argv.slice(2);
if (!out) throw new Error('usage: doc-snippets.js <out-dir> [files...]');
const files = given.length > 0 ? given : ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
fs.mkdirSync(out, { recursive: true });
let count = 0;
for (const file of files) {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    const body = lines.slice(start, end).join('\n');
    i = end;
    if (/from '\.\.?\//.test(body)) continue;
    const name = `${file.replace(/[^A-Za-z0-9]+/g, '_')}_L${start}.ts`;
    // `export {}` makes each snippet a module, so two snippets' names never clash.
    fs.writeFileSync(path.join(out, name), `// ${file}:${start}\n${body}\nexport {};\n`);
    count++;
  }
}
console.log(`${count} snippets from ${files.length} files → ${out}`);
