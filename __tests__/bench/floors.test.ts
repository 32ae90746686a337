import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { StackJson } from '../../bench/scenarios/elements';
import { assertSameBlocks } from '../../bench/same-blocks';
import { tempDir } from '../support/temp-dir';

/**
 * `npm run bench` compares the app's synth with bare cdktf apps of the same resources. A floor is only
 * a floor if it synthesizes the same blocks as the app (all of `cdk.tf.json` but cdktf's `//`
 * metadata: backend, providers, resources, data and ephemeral resources, variables, outputs): each floor
 * runs here as the bench runs it (real node processes through the TypeScript hook), and the blocks are
 * compared, so a floor that drops or changes an attribute fails CI and not only a bench run.
 */

const root = path.join(__dirname, '..', '..');
const node = (script: string, env: Record<string, string>): string =>
  execFileSync(process.execPath, ['-r', './scripts/ts-register.js', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });

let app: string;
beforeAll(() => {
  app = tempDir('floors-app-');
  node('stacks/main.ts', { CDKTF_OUTDIR: app });
}, 120_000);

test.each([
  ['(c) attributes as overrides', {}],
  ["(c') references as tokens", { BENCH_REFERENCES: '1' }],
])('floor %s synthesizes the blocks of the app', (_name, env) => {
  const out = tempDir('floors-c-');
  node('bench/scenarios/floor.ts', { BENCH_SOURCE: app, BENCH_OUTDIR: out, ...env });
  expect(() => assertSameBlocks(app, out)).not.toThrow();
}, 120_000);

test("floor (c''), written as a hand-written app, types every attribute and synthesizes the blocks of the app", () => {
  const plan = path.join(tempDir('floors-plan-'), 'plan.json');
  const summary = node('bench/scenarios/typed-plan.ts', { BENCH_SOURCE: app, BENCH_PLAN: plan });
  const [, typed, overridden] = /typed (\d+) attributes, (\d+) kept as overrides/.exec(summary)!.map(Number);
  expect(typed).toBeGreaterThan(3000);
  expect(overridden).toBe(0);
  // The config is typed: camelCase structs, dependsOn as elements, no snake_case key left at the top.
  const parsed = JSON.parse(fs.readFileSync(plan, 'utf8')) as { stacks: { elements: { kind: string; type: string; config: Record<string, unknown>; dependsOn?: string[] }[] }[] };
  const instance = parsed.stacks[0].elements.find((e) => e.type === 'aws_instance')!;
  expect(instance.config).toHaveProperty('metadataOptions.httpTokens', 'required');
  expect(instance.dependsOn?.length).toBeGreaterThan(0);
  const elements = parsed.stacks.flatMap((s) => s.elements);
  // Ephemeral resources have no prebuilt class (cdktf 0.21 predates them): their blocks stay as written.
  expect(elements.filter((e) => e.kind === 'ephemeral').length).toBeGreaterThan(0);
  expect(elements.filter((e) => e.kind !== 'ephemeral' && Object.keys(e.config).some((k) => k.includes('_')))).toEqual([]);
  const out = tempDir('floors-typed-');
  node('bench/scenarios/typed-floor.ts', { BENCH_PLAN: plan, BENCH_OUTDIR: out });
  expect(() => assertSameBlocks(app, out)).not.toThrow();
}, 120_000);

type Blocks = NonNullable<StackJson['resource']>;
interface Json { provider: Record<string, Record<string, unknown>[]>; resource: Blocks; data: Blocks; ephemeral: Blocks; output: Record<string, Record<string, unknown>>; variable?: unknown; terraform: Record<string, unknown>; locals?: unknown }
test.each<[string, (json: Json) => void]>([
  ['provider', (json) => { json.provider.aws[0].region = 'eu-west-1'; }],
  ['resource', (json) => { Object.values(json.resource.aws_instance)[0].instance_type = 'm5.large'; }],
  ['data', (json) => { delete Object.values(json.data)[0][Object.keys(Object.values(json.data)[0])[0]]; }],
  ['ephemeral', (json) => { Object.values(json.ephemeral.aws_secretsmanager_random_password)[0].password_length = 12; }],
  ['output', (json) => { Object.values(json.output)[0].description = 'changed'; }],
  ['variable', (json) => { delete json.variable; }],
  ['terraform', (json) => { delete json.terraform.required_version; }],
])('the comparison fails when a floor differs from the app in its %s block', (block, change) => {
  const out = tempDir('floors-changed-');
  fs.cpSync(app, out, { recursive: true });
  const file = path.join(out, 'stacks', 'us', 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  change(json);
  fs.writeFileSync(file, JSON.stringify(json));
  expect(() => assertSameBlocks(app, out)).toThrow(new RegExp(`stack us differs .* in its ${block} block`));
});

test('the comparison refuses a block it does not cover, in the app or the floor', () => {
  const out = tempDir('floors-extra-');
  fs.cpSync(app, out, { recursive: true });
  const file = path.join(out, 'stacks', 'us', 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  json.locals = { extra: 1 };
  fs.writeFileSync(file, JSON.stringify(json));
  expect(() => assertSameBlocks(app, out)).toThrow(/blocks the comparison does not cover.*locals/);
  expect(() => assertSameBlocks(out, app)).toThrow(/blocks the comparison does not cover.*locals/);
});
