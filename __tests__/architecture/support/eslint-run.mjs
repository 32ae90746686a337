// Lints source texts as if they were files of the repository, with the repository's eslint.config.mjs,
// and reports which folders of lib/ get the pure-folder rules. Run as a child process: ESLint loads its
// ESM config with import(), which jest's module sandbox does not allow.
// stdin: { "root": "...", "fixtures": [{ "filePath": "lib/render/x.ts", "code": "..." }], "folders": ["model", ...] }
// stdout: { "results": [[{ "ruleId": "...", "message": "..." }]], "pureFolders": ["model", ...] }
import { ESLint } from 'eslint';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));
const eslint = new ESLint({ cwd: input.root });
const results = [];
for (const f of input.fixtures) {
  const [result] = await eslint.lintText(f.code, { filePath: f.filePath });
  results.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
}
const pureFolders = [];
for (const folder of input.folders) {
  const config = await eslint.calculateConfigForFile(`lib/${folder}/any.ts`);
  if (config.rules?.['no-restricted-syntax']?.[0] === 2) pureFolders.push(folder);
}
process.stdout.write(JSON.stringify({ results, pureFolders }));
