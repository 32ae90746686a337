import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The layers of lib/ as docs/architecture.md writes them down: the lint rules reject a pure
 * module that reaches for cdktf or the construct side, lib/ has no import cycle, and every
 * folder of lib/ is either construct-side or checked as pure.
 */

const root = path.join(__dirname, '..', '..');
const lib = path.join(root, 'lib');
/** The folders allowed to use cdktf: the constructs, the policy pack's Aspect, the snapshot helper. */
const CONSTRUCT_SIDE = ['constructs', 'policy', 'testing'];

interface LintMessage { readonly ruleId: string | null; readonly message: string }

function lint(fixtures: readonly { filePath: string; code: string }[], folders: readonly string[]): { results: LintMessage[][]; pureFolders: string[] } {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'support', 'eslint-run.mjs')], {
    cwd: root, input: JSON.stringify({ root, fixtures, folders }), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`eslint-run.mjs failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const folders = fs.readdirSync(lib, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

/** Each fixture: a file of the repository that does not exist, its text, and whether lint must reject it. */
const FIXTURES: readonly { filePath: string; code: string; rejected: boolean }[] = [
  { filePath: 'lib/render/fixture.ts', code: "import { TerraformStack } from 'cdktf';\nexport type S = TerraformStack;\n", rejected: true },
  { filePath: 'lib/clickhouse/fixture.ts', code: "import type { Construct } from 'constructs';\nexport type C = Construct;\n", rejected: true },
  { filePath: 'lib/kubernetes/fixture.ts', code: "import { Instance } from '@cdktf/provider-aws/lib/instance';\nexport const i = Instance;\n", rejected: true },
  { filePath: 'lib/schema/fixture.ts', code: "export const cdktf = require('cdktf');\n", rejected: true },
  { filePath: 'lib/dr/fixture.ts', code: "export const load = (): Promise<unknown> => import('cdktf');\n", rejected: true },
  { filePath: 'lib/render/fixture.ts', code: "import { KafkaBackend } from '../constructs/kafka-backend';\nexport const k = KafkaBackend;\n", rejected: true },
  { filePath: 'lib/migrations/fixture.ts', code: "import { PolicyPack } from '../policy';\nexport const p = PolicyPack;\n", rejected: true },
  { filePath: 'lib/model/fixture.ts', code: "import { RenderedFile } from '../render/file';\nexport type F = RenderedFile;\n", rejected: true },
  { filePath: 'lib/constructs/fixture.ts', code: "import { RegionStack } from '../index';\nexport const r = RegionStack;\n", rejected: true },
  { filePath: 'lib/constructs/fixture.ts', code: "import { x } from '../../stacks/us';\nexport const y = x;\n", rejected: true },
  // What the layers allow: a construct uses cdktf and the pure folders; a renderer uses the model and other renderers.
  {
    filePath: 'lib/constructs/fixture.ts',
    code: "import { TerraformStack } from 'cdktf';\nimport { Instance } from '@cdktf/provider-aws/lib/instance';\nimport { RenderedFile } from '../render/file';\nimport { Topology } from '../model';\nexport type T = [TerraformStack, Instance, RenderedFile, Topology];\n",
    rejected: false,
  },
  { filePath: 'lib/render/fixture.ts', code: "import { Topology } from '../model';\nimport { renderZooCfg } from '../zookeeper/zoo-cfg';\nexport type T = [Topology, typeof renderZooCfg];\n", rejected: false },
];

describe('import directions (eslint.config.mjs)', () => {
  const { results, pureFolders } = lint(FIXTURES, folders);

  test.each(FIXTURES.map((f, i) => [f.filePath, f.code.split('\n')[0], f.rejected, i] as const))('%s: %s → rejected %s', (_file, _line, rejected, i) => {
    const restricted = results[i].filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax');
    expect(restricted.length > 0).toBe(rejected);
    if (rejected) expect(restricted[0].message).toContain('docs/architecture.md');
    // Nothing else in the fixture trips lint: the restriction is the only reason.
    expect(results[i].filter((m) => !restricted.includes(m))).toEqual([]);
  });

  test('every folder of lib/ but the construct side gets the pure-folder rules', () => {
    expect(pureFolders).toEqual(folders.filter((f) => !CONSTRUCT_SIDE.includes(f)));
    for (const f of CONSTRUCT_SIDE) expect(folders).toContain(f);
  });
});

describe('the tree of lib/', () => {
  test('lib/ itself holds only the entry points; constructs live in lib/constructs/', () => {
    const loose = fs.readdirSync(lib, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
    expect(loose).toEqual(['index.ts', 'renderers.ts']);
  });

  test('no import cycle among the modules of lib/ (type-only imports included)', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) files.push(p);
      }
    };
    walk(lib);
    const resolve = (from: string, spec: string): string | undefined => {
      const base = path.resolve(path.dirname(from), spec);
      return [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
    };
    const graph = new Map(files.map((f) => [f, ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true).importedFiles
      .map((i) => i.fileName).filter((s) => s.startsWith('.')).map((s) => resolve(f, s)).filter((t): t is string => t !== undefined)]));
    expect(graph.size).toBeGreaterThan(100);
    // Tarjan's strongly connected components: any component of two or more modules is a cycle.
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      for (const w of graph.get(v)!) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (stack.includes(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          component.push(path.relative(root, w));
        } while (w !== v);
        if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
