import * as fs from 'fs';
import * as path from 'path';
import { Topology } from '../model';
import { RenderedFile } from '../render/file';
import { evaluatePolicies, POLICY_RULES, PolicyRuleId, PolicyViolation } from './rules';
import { TerraformJson } from './terraform-json';

export interface SynthOutputCheckOptions {
  /**
   * Topologies by stack name, for the rules that read the model.
   * @default none: those rules use the Terraform JSON and artifacts alone
   */
  readonly topologies?: Readonly<Record<string, Topology>>;
  /**
   * Rules switched off, by stack name, each with its reason (as the stack's own suppressions).
   * @default none
   */
  readonly suppressions?: Readonly<Record<string, Readonly<Partial<Record<PolicyRuleId, string>>>>>;
}

export interface StackViolation extends PolicyViolation {
  readonly stack: string;
}

/** Every file under `dir`, with paths relative to it (POSIX separators), in a stable order. */
function readTree(dir: string): RenderedFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort()
    .map((file) => ({ path: path.relative(dir, file).split(path.sep).join('/'), content: fs.readFileSync(file, 'utf8') }));
}

/**
 * Checks a synthesized output folder (`cdktf.out`) as it is on disk: each stack's `cdk.tf.json`
 * and every file of its `artifacts/`, against every rule. For reviewing an output produced
 * elsewhere, or in CI after `cdktf synth`.
 */
export function checkSynthOutput(outdir: string, options: SynthOutputCheckOptions = {}): StackViolation[] {
  const stacksDir = path.join(outdir, 'stacks');
  const found: StackViolation[] = [];
  for (const stack of fs.readdirSync(stacksDir).sort()) {
    const dir = path.join(stacksDir, stack);
    const terraform = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
    const suppressed = options.suppressions?.[stack] ?? {};
    const rules = POLICY_RULES.filter((r) => !(suppressed[r.id] ?? '').trim());
    const violations = evaluatePolicies({ terraform, topology: options.topologies?.[stack], artifacts: readTree(path.join(dir, 'artifacts')) }, rules);
    found.push(...violations.map((v) => ({ ...v, stack })));
  }
  return found;
}
