/**
 * `npm run bench`: synthesizes each scenario as a whole process, several times, and reports the
 * median wall time and peak RSS, the ratios to the floor, and a scaling series. Writes BENCHMARKS.md.
 *
 *   npm run bench                      5 runs per scenario
 *   BENCH_RUNS=3 npm run bench         fewer runs
 *   npm run bench -- --with-tests      also times the whole `npm test`
 *   npm run bench -- --no-write        print only, leave BENCHMARKS.md alone
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertSameBlocks } from './same-blocks';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const TIME = '/usr/bin/time';
const HAS_GNU_TIME = fs.existsSync(TIME);
const args = new Set(process.argv.slice(2));

interface Run {
  readonly wallMs: number;
  /** User + system CPU time: steadier than wall time on a shared machine. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

interface Result {
  readonly id: string;
  readonly label: string;
  readonly runs: readonly Run[];
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly resources: number;
  readonly artifacts: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * How a scenario runs. `readme`: exactly as `npm run synth` runs `stacks/main.ts` (the command is read
 * from package.json's `synth` script, so the bench follows it): node with the repository's TypeScript
 * hook over the sources, its transpile cache warm. The floors run the same way. `compiled`: plain node
 * over JavaScript built once with `tsc --noCheck`, as an application using the published package runs.
 */
type Mode = 'readme' | 'compiled';

/** Compiled JavaScript lives under node_modules/.cache so `charts/` and `node_modules` resolve as from the sources. */
const JS_DIR = path.join(ROOT, 'node_modules', '.cache', 'bench-js');

/** `npm run synth` as argv: node, its options and preloads, the entry point; plus its environment assignments. */
function synthCommand(): { readonly env: Record<string, string>; readonly nodeArgs: readonly string[]; readonly entry: string; readonly text: string } {
  const text = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.synth;
  const words = text.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [k, ...v] = words.shift()!.split('=');
    env[k] = v.join('=');
  }
  if (words[0] !== 'node' || !words[words.length - 1].endsWith('.ts')) throw new Error(`npm run synth is not "node ... <entry>.ts": ${text}`);
  return { env, nodeArgs: words.slice(1, -1), entry: words[words.length - 1], text };
}

const SYNTH = synthCommand();

function compile(): void {
  fs.rmSync(JS_DIR, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noCheck', '--declaration', 'false',
    '--outDir', JS_DIR], { cwd: ROOT, encoding: 'utf8' });
  if (!fs.existsSync(path.join(JS_DIR, 'bench', 'scenarios', 'floor.js'))) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  // The package ships its Helm chart beside lib/ (charts/stateless-chi); the built library looks for it there.
  fs.symlinkSync(path.join(ROOT, 'charts'), path.join(JS_DIR, 'charts'), 'dir');
  // stacks/main reads the committed region locks and disk sizes beside it (copies: a synth may rewrite a lock).
  for (const f of fs.readdirSync(path.join(ROOT, 'stacks')).filter((n) => n.endsWith('.json'))) {
    fs.copyFileSync(path.join(ROOT, 'stacks', f), path.join(JS_DIR, 'stacks', f));
  }
}

/** One whole process, timed by GNU time (peak RSS) or, without it, by the child's own `process.resourceUsage()`. */
function runOnce(script: string, env: Record<string, string>, mode: Mode): Run {
  const rssProbe = ['-r', path.join(__dirname, 'rss-probe.js')];
  const node = mode === 'compiled'
    ? [process.execPath, ...rssProbe, path.join(JS_DIR, script.replace(/\.ts$/, '.js'))]
    : [process.execPath, ...SYNTH.nodeArgs, ...rssProbe, script];
  const command = HAS_GNU_TIME ? [TIME, '-v', ...node] : node;
  const start = process.hrtime.bigint();
  const child = spawnSync(command[0], command.slice(1), {
    cwd: ROOT, env: { ...process.env, ...(mode === 'readme' ? SYNTH.env : {}), ...env }, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${script} (${mode}) failed (${child.status}):\n${child.stderr}`);
  const gnu = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
  const probe = /BENCH_MAXRSS_KB=(\d+)/.exec(child.stderr);
  const kb = Number((gnu ?? probe)?.[1] ?? NaN);
  const user = /User time \(seconds\): ([\d.]+)/.exec(child.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(child.stderr);
  const probeCpu = /BENCH_CPU_MS=(\d+)/.exec(child.stderr);
  const cpuMs = user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : Number(probeCpu?.[1] ?? NaN);
  return { wallMs, cpuMs, maxRssMb: kb / 1024 };
}

/** Resources, data sources and artifact files of a synthesized output folder. */
function census(outdir: string): { resources: number; artifacts: number } {
  let resources = 0;
  let artifacts = 0;
  for (const stack of fs.readdirSync(path.join(outdir, 'stacks'))) {
    const dir = path.join(outdir, 'stacks', stack);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as Record<string, Record<string, object> | undefined>;
    for (const block of [json.resource, json.data]) for (const byName of Object.values(block ?? {})) resources += Object.keys(byName).length;
    const art = path.join(dir, 'artifacts');
    if (fs.existsSync(art)) artifacts += fs.readdirSync(art, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  }
  return { resources, artifacts };
}

interface Scenario {
  readonly id: string;
  readonly label: string;
  readonly script: string;
  readonly env: Record<string, string>;
  /** The first run's output folder, kept for the floors and the census. */
  readonly keep: string;
  readonly mode: Mode;
  readonly runs: number;
}

/**
 * Runs every scenario in rounds (a, c, b, d, ... then again), so that a change of load on a shared
 * machine hits a scenario and its floor alike; the first round keeps its outputs for the floors.
 * The disk is left in the same state for every run: each writes into a folder of its own under
 * `work`, nothing is deleted until all rounds are done, and `sync` flushes the previous run's writes
 * first. Deleting a run's folder right before the next run (as this did before) slowed the next
 * run's file creations, on this machine's ext4 (mounted with online discard) up to 0.4 s for the
 * app's 300 files against 15–80 ms without a delete: that hit whichever scenario came next, and
 * hardest the app, which writes 300 files where a floor writes two.
 */
function runAll(scenarios: readonly Scenario[], work: string): Map<string, Result> {
  const runs = new Map<string, Run[]>(scenarios.map((sc) => [sc.id, []]));
  const rounds = Math.max(...scenarios.map((sc) => sc.runs));
  for (let round = 0; round < rounds; round++) {
    for (const sc of scenarios.filter((x) => round < x.runs)) {
      const outdir = round === 0 ? sc.keep : path.join(work, `${sc.id}-round-${round + 1}`);
      spawnSync('sync');
      const run = runOnce(sc.script, { ...sc.env, BENCH_OUTDIR: outdir, CDKTF_OUTDIR: outdir }, sc.mode);
      runs.get(sc.id)!.push(run);
      process.stderr.write(`  ${sc.label}: run ${round + 1}/${sc.runs} ${run.wallMs.toFixed(0)} ms, ${run.maxRssMb.toFixed(0)} MB\n`);
    }
  }
  return new Map(scenarios.map((sc) => {
    const all = runs.get(sc.id)!;
    return [sc.id, {
      id: sc.id, label: sc.label, runs: all,
      wallMs: median(all.map((r) => r.wallMs)), cpuMs: median(all.map((r) => r.cpuMs)), maxRssMb: median(all.map((r) => r.maxRssMb)), ...census(sc.keep),
    }];
  }));
}

function timeNpmTest(): Run | undefined {
  if (!args.has('--with-tests')) return undefined;
  process.stderr.write('  npm test (whole suite, lint and typecheck included)...\n');
  const start = process.hrtime.bigint();
  const child = spawnSync('npm', ['test'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) process.stderr.write(`  npm test failed (${child.status}); its time is recorded anyway\n`);
  return { wallMs, cpuMs: NaN, maxRssMb: NaN };
}

/** How many attributes (c'')'s plan passes as typed config, and how many it keeps as overrides. */
interface TypedPlan { readonly file: string; readonly typed: number; readonly overridden: number }

/** Writes the plan of (c''), bench/scenarios/typed-plan.ts, from a synthesized output (not timed: preparation). */
function writeTypedPlan(source: string, file: string): TypedPlan {
  const child = spawnSync(process.execPath, [...SYNTH.nodeArgs, 'bench/scenarios/typed-plan.ts'], {
    cwd: ROOT, env: { ...process.env, BENCH_SOURCE: source, BENCH_PLAN: file }, encoding: 'utf8',
  });
  const counts = /typed (\d+) attributes, (\d+) kept as overrides/.exec(child.stdout);
  if (child.status !== 0 || !counts) throw new Error(`typed-plan failed (${child.status}):\n${child.stdout}${child.stderr}`);
  return { file, typed: Number(counts[1]), overridden: Number(counts[2]) };
}

/** The transpile cache of `npm run synth` for one cold run, apart from the warm one. */
const COLD_CACHE_ENV = 'TS_REGISTER_CACHE';

function main(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const loadAtStart = os.loadavg();
  try {
    process.stderr.write(`bench: ${RUNS} runs per scenario, ${HAS_GNU_TIME ? 'GNU time -v' : 'process.resourceUsage()'} for peak RSS\n`);
    process.stderr.write(`  npm run synth is: ${SYNTH.text}\n  compiling with tsc --noCheck...\n`);
    compile();
    const at = (name: string): string => path.join(work, name);
    const sc = (id: string, label: string, script: string, env: Record<string, string>, mode: Mode, runs = RUNS): Scenario =>
      ({ id, label, script, env, keep: at(id), mode, runs });
    // One run with an empty transpile cache: after editing every source (`npm ci` fills it, scripts/warm-ts-cache.js).
    process.stderr.write('  (a) with a cold transpile cache...\n');
    const coldCache = at('cold-cache');
    const cold = runOnce(SYNTH.entry, { CDKTF_OUTDIR: at('cold-out'), [COLD_CACHE_ENV]: coldCache }, 'readme');
    // Warms the cache every other scenario reads (a no-op when `npm run synth` ran before).
    runOnce(SYNTH.entry, { CDKTF_OUTDIR: at('warm-out') }, 'readme');
    runOnce('bench/scenarios/floor.ts', { BENCH_SOURCE: at('warm-out'), BENCH_OUTDIR: at('warm-floor') }, 'readme');
    runOnce('bench/scenarios/scaled.ts', { BENCH_FACTOR: '1', BENCH_OUTDIR: at('warm-scaled') }, 'readme');
    const typedPlan = writeTypedPlan(at('warm-out'), at('typed-plan.json'));
    runOnce('bench/scenarios/typed-floor.ts', { BENCH_PLAN: typedPlan.file, BENCH_OUTDIR: at('warm-typed') }, 'readme');
    const results = runAll([
      sc('a', '(a) us + eu, `npm run synth`', SYNTH.entry, {}, 'readme'),
      sc('c', '(c) floor for (a)', 'bench/scenarios/floor.ts', { BENCH_SOURCE: at('a') }, 'readme'),
      sc('c-refs', "(c') floor for (a), references as tokens", 'bench/scenarios/floor.ts', { BENCH_SOURCE: at('a'), BENCH_REFERENCES: '1' }, 'readme'),
      sc('c-typed', "(c'') floor for (a), written as a hand-written app", 'bench/scenarios/typed-floor.ts', { BENCH_PLAN: typedPlan.file }, 'readme'),
      sc('b', '(b) 10× region', 'bench/scenarios/scaled.ts', { BENCH_FACTOR: '10' }, 'readme'),
      sc('d', '(d) floor for (b)', 'bench/scenarios/floor.ts', { BENCH_SOURCE: at('b') }, 'readme'),
      sc('a-js', '(a) us + eu, compiled', SYNTH.entry, {}, 'compiled'),
      sc('c-js', '(c) floor for (a), compiled', 'bench/scenarios/floor.ts', { BENCH_SOURCE: at('a') }, 'compiled'),
      ...[1, 2, 5].map((f) => sc(`s${f}`, `scaled ${f}×`, 'bench/scenarios/scaled.ts', { BENCH_FACTOR: String(f) }, 'readme', Math.min(RUNS, 3))),
    ], work);
    const r = (id: string): Result => results.get(id)!;
    const [a, b, c, d, aJs, cJs, cRefs, cTyped] = ['a', 'b', 'c', 'd', 'a-js', 'c-js', 'c-refs', 'c-typed'].map(r);
    // A floor is only a floor if it synthesizes what it stands for: the same blocks, attribute for attribute.
    for (const [app, floor] of [['a', 'c'], ['a', 'c-refs'], ['a', 'c-typed'], ['b', 'd']]) assertSameBlocks(at(app), at(floor));
    const series = [1, 2, 5].map((f) => r(`s${f}`));
    const npmTest = timeNpmTest();
    const report = render({ a, b, c, d, aJs, cJs, cRefs, cTyped, typedPlan, cold, loadAtStart }, [...series, { ...b, label: 'scaled 10×' }], npmTest);
    process.stdout.write(report);
    if (!args.has('--no-write')) fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), report);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(JS_DIR, { recursive: true, force: true });
  }
}

interface Results {
  readonly a: Result; readonly b: Result; readonly c: Result; readonly d: Result; readonly aJs: Result; readonly cJs: Result;
  readonly cRefs: Result;
  readonly cTyped: Result;
  readonly typedPlan: TypedPlan;
  readonly cold: Run;
  readonly loadAtStart: readonly number[];
}

function render(r: Results, series: readonly Result[], npmTest: Run | undefined): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const mb = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(0)} MB` : 'n/a');
  const x = (v: number): string => `${v.toFixed(2)}×`;
  const row = (x: Result): string => `| ${x.label} | ${x.resources} | ${x.artifacts} | ${s(x.wallMs)} | ${s(x.cpuMs)} | ${mb(x.maxRssMb)} | ${x.runs.map((y) => (y.wallMs / 1000).toFixed(2)).join(', ')} |`;
  const ok = (pass: boolean): string => (pass ? 'met' : '**missed**');
  const load = (l: readonly number[]): string => l.map((v) => v.toFixed(1)).join(', ');
  const cpu = os.cpus();
  const base = series[0];
  const wall = r.a.wallMs / r.c.wallMs;
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
      `Load average (1, 5, 15 min) at the start: ${load(r.loadAtStart)}; at the end: ${load(os.loadavg())}.`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}.`,
    `Each scenario is a whole process, ${r.a.runs.length} runs taken in rounds (every scenario once per round, so a change of load hits a`,
    `scenario and its floor alike), medians; peak RSS from ${HAS_GNU_TIME ? '`/usr/bin/time -v`' : '`process.resourceUsage().maxRSS`'}.`,
    `Every row but the "compiled" ones runs as \`npm run synth\` does: \`${SYNTH.text.replace(SYNTH.entry, '<entry>.ts')}\` (the TypeScript`,
    'hook transpiles each source once and reads it back from `node_modules/.cache/ts-register` afterwards; the floors run the same way).',
    '"compiled": plain node over JavaScript built with `tsc`, as an application using the published package runs.',
    '',
    '| scenario | resources + data sources | artifact files | wall (median) | CPU user+sys (median) | peak RSS (median) | wall per run (s) |',
    '|---|---:|---:|---:|---:|---:|---|',
    row(r.a), row(r.c), row(r.cRefs), row(r.cTyped), row(r.b), row(r.d), row(r.aJs), row(r.cJs),
    `| (a) once with an empty transpile cache (as after editing every source; \`npm ci\` fills the cache, so its first synth is warm) | | | ${s(r.cold.wallMs)} | ${s(r.cold.cpuMs)} | ${mb(r.cold.maxRssMb)} | |`,
    '',
    '(a) is `stacks/main.ts` itself, the app `npm run synth` and `cdktf synth` run: both regions with their region locks and disk-size locks.',
    'The floors (c) and (d) are bare cdktf apps that create the same providers, resources, data sources and ephemeral resources as (a) and (b),',
    'with the same attributes, from the prebuilt providers by deep import, and the same backend, variables and outputs, and synthesize them:',
    'no model, renderers, artifacts or policy pack. The bench checks that every block of their `cdk.tf.json` (all but cdktf\'s `//` metadata)',
    'equals that of (a) and (b). The floors set each attribute',
    'as the resolved text, `${…}` references included; (c\') turns every plain reference into a token of the element it names,',
    'as an app that passes `instance.privateIp` does (tokens capture stack traces and are resolved at synth).',
    '(c\'\') is (a)\'s resources written as a hand-written cdktf app: each element built from its typed constructor config',
    '(camelCase structs, `dependsOn` with the elements, references as tokens), each after the elements it names (ephemeral resources,',
    'which no prebuilt class covers, as written). The config is',
    `prepared before the runs (\`bench/scenarios/typed-plan.ts\`): ${r.typedPlan.typed} attributes typed, ${r.typedPlan.overridden} kept as overrides`,
    '(an attribute is typed only if an element built with it alone synthesizes it unchanged).',
    '',
    '## Ratios and targets',
    '',
    '| measure | value | target | |',
    '|---|---:|---:|---|',
    `| (a)/(c) wall, as \`npm run synth\` runs | ${x(wall)} | ≤ 1.5× | ${ok(wall <= 1.5)} |`,
    `| (a)/(c) CPU, as \`npm run synth\` runs | ${x(r.a.cpuMs / r.c.cpuMs)} | (reported) | |`,
    `| (a)/(c') wall, against the floor with references as tokens | ${x(r.a.wallMs / r.cRefs.wallMs)} | (reported) | |`,
    `| (a)/(c'') wall, against the floor written as a hand-written app | ${x(r.a.wallMs / r.cTyped.wallMs)} | (reported) | |`,
    `| (a) peak RSS, as \`npm run synth\` runs | ${mb(r.a.maxRssMb)} | ≤ 200 MB | ${ok(r.a.maxRssMb <= 200)} |`,
    `| (c) peak RSS, the floor | ${mb(r.c.maxRssMb)} | (reported) | |`,
    `| (a)/(c) wall, compiled | ${x(r.aJs.wallMs / r.cJs.wallMs)} | (reported) | |`,
    `| (a) peak RSS, compiled | ${mb(r.aJs.maxRssMb)} | (reported) | |`,
    `| (b)/(d) wall: 10× against its own floor | ${x(r.b.wallMs / r.d.wallMs)} | (reported) | |`,
    `| (b)/(a) wall: 10× against production | ${x(r.b.wallMs / r.a.wallMs)} | ≤ 10× | ${ok(r.b.wallMs / r.a.wallMs <= 10)} |`,
    `| (b) peak RSS | ${mb(r.b.maxRssMb)} | (reported) | |`,
    ...(npmTest ? [`| whole \`npm test\` (lint, typecheck, jest) | ${s(npmTest.wallMs)} | ≤ 60 s on 2 cores | ${ok(npmTest.wallMs <= 60_000)} |`] : []),
    '',
    '## Scaling (no superlinear step)',
    '',
    'The US region scaled by a factor f (as `npm run synth` runs): 10·f shards × 3 replicas, 38·f ingestion nodes, 10·f streams.',
    'The marginal cost per resource should stay flat as the region grows.',
    '',
    '| factor | resources + data sources | artifact files | wall | CPU | peak RSS | CPU ms per added resource vs 1× |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...series.map((x) => `| ${x.label.replace('scaled ', '')} | ${x.resources} | ${x.artifacts} | ${s(x.wallMs)} | ${s(x.cpuMs)} | ${mb(x.maxRssMb)} | ${x === base ? '–' : ((x.cpuMs - base.cpuMs) / Math.max(1, x.resources - base.resources)).toFixed(2)} |`),
    '',
  ];
  return lines.join('\n') + NOTES;
}

/** Kept below the generated tables; edit in bench/run.ts so a re-run does not lose it. */
const NOTES = fs.existsSync(path.join(__dirname, 'NOTES.md')) ? '\n' + fs.readFileSync(path.join(__dirname, 'NOTES.md'), 'utf8') : '';

main();
