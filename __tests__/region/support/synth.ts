import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { RegionStackProps, RegionStack } from '../../../lib/constructs/region-stack';

/** One synthesized stack as `cdktf synth` leaves it on disk. */
export interface SynthesizedStack {
  readonly dir: string;
  /** Parsed `cdk.tf.json`. */
  readonly config: TerraformJson;
  /** Every file under `artifacts/`, by path relative to it (POSIX separators). */
  readonly artifacts: ReadonlyMap<string, string>;
  /** Unsuppressed policy violations and suppressed rules (with reasons) of the synth. */
  readonly policy: { readonly violations: readonly unknown[]; readonly suppressed: readonly { ruleId: string; reason: string }[] };
}

/** The parts of the Terraform JSON the tests read. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly terraform?: Record<string, unknown>;
}

/** Temporary output folders, removed by `cleanUp`. */
const outdirs: string[] = [];

export function tempOutdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'region-synth-'));
  outdirs.push(dir);
  return dir;
}

export function cleanUp(): void {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Synthesizes stacks the way `npm run synth` does (a real App, real synthesizer) into a temp outdir. */
export function synthStacks(stacks: Readonly<Record<string, RegionStackProps>>, outdir = tempOutdir()): Record<string, SynthesizedStack> {
  return synthApp((app) => Object.entries(stacks).map(([id, spec]) => new RegionStack(app, id, spec)), outdir);
}

/** Synthesizes whatever stacks `build` adds to a fresh app (e.g. stacks/app.ts's `addRegionStacks`). */
export function synthApp(build: (app: App) => RegionStack[], outdir = tempOutdir()): Record<string, SynthesizedStack> {
  // Stack traces in construct metadata cost about a second per synth and never reach the output.
  const app = new App({ outdir, stackTraces: false });
  const built = build(app);
  app.synth();
  return Object.fromEntries(built.map((stack) => [stack.node.id, {
    ...readStack(path.join(outdir, 'stacks', stack.node.id)),
    policy: { violations: stack.policyPack.violations, suppressed: stack.policyPack.suppressed },
  }]));
}

export function readStack(dir: string): Omit<SynthesizedStack, 'policy'> {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  return { dir, config, artifacts: readTree(path.join(dir, 'artifacts')) };
}

/** Files under `dir`, by relative POSIX path, sorted. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(dir)) return files;
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  walk('');
  return files;
}

/** Resources of one type, by logical id. */
export function resources(config: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return config.resource?.[type] ?? {};
}
