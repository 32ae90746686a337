/**
 * `npx ts-node --transpile-only bench/profile.ts [us|eu|10x]`: where one synth spends its time, by
 * phase (module loading, construction, policy pack, Terraform JSON, artifacts, writing), in one
 * process. Complements `npm run bench`, which only sees whole processes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const phases = new Map<string, number>();
function timed<T>(name: string, fn: () => T): T {
  const start = process.hrtime.bigint();
  try {
    return fn();
  } finally {
    phases.set(name, (phases.get(name) ?? 0) + Number(process.hrtime.bigint() - start) / 1e6);
  }
}

/** Wraps a method so its time is counted under `name` (nested calls are counted once, at the outermost). */
function instrument(proto: object, method: string, name: string): void {
  const target = proto as Record<string, (...a: unknown[]) => unknown>;
  const original = target[method];
  let depth = 0;
  target[method] = function (this: unknown, ...a: unknown[]) {
    if (depth > 0) return original.apply(this, a);
    depth++;
    try {
      return timed(name, () => original.apply(this, a));
    } finally {
      depth--;
    }
  };
}

const which = process.argv[2] ?? 'us';
const cdktf = timed('load cdktf', () => require('cdktf') as typeof import('cdktf'));
const { RegionStack } = timed('load library', () => require('../lib/constructs/region-stack') as typeof import('../lib/constructs/region-stack'));
const { PolicyPack } = require('../lib/policy') as typeof import('../lib/policy');
const spec = timed('load region specs', () => {
  if (which === '10x') return (require('./regions') as typeof import('./regions')).scaledRegion(10);
  return which === 'eu' ? (require('../stacks/eu') as typeof import('../stacks/eu')).EU_REGION : (require('../stacks/us') as typeof import('../stacks/us')).US_REGION;
});

instrument(PolicyPack.prototype, 'run', 'policy pack (its own toTerraform included)');
instrument(RegionStack.prototype, 'renderArtifacts', 'render artifacts (model → XML, SQL, docs)');
instrument(cdktf.TerraformStack.prototype, 'toTerraform', 'stack.toTerraform (resolve tokens)');

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-'));
try {
  const app = new cdktf.App({ outdir });
  timed('construct RegionStack', () => new RegionStack(app, which, spec));
  const total = timed('app.synth (everything below included)', () => app.synth());
  void total;
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
const rows = [...phases].map(([name, ms]) => `${ms.toFixed(0).padStart(7)} ms  ${name}`);
process.stdout.write(`${which}: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n${rows.join('\n')}\n`);
