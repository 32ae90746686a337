/**
 * `terraform init` + `terraform validate` of a synthesized stack directory, offline, against the
 * AWS provider schema of the local plugin mirror. Reusable: `validateStack(dir)` for one stack,
 * `validateStacks(dirs)` for several (at most two at once, one shared plugin directory).
 *
 * The stacks pin the AWS provider 6.x (provider-aws 21.22.1) and the mirror holds 5.100, so the
 * validated copy relaxes the aws constraint to what the mirror has. The kubernetes and helm
 * providers are not mirrored: the copy leaves them out, and with them every `kubernetes_*` and
 * `helm_*` resource and data source and every `depends_on` entry naming one (docs/testing.md).
 * Anything else that names a left-out resource fails the validation loudly rather than silently.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);

/** Providers of the stacks that the local mirror does not hold, by their required_providers key. */
export const UNMIRRORED_PROVIDERS: readonly string[] = ['kubernetes', 'helm'];

export interface TerraformAvailability {
  readonly available: boolean;
  /** Why validation cannot run here (for a visible skip). */
  readonly reason?: string;
  readonly pluginDir?: string;
  readonly awsVersion?: string;
}

let availability: TerraformAvailability | undefined;

/** Whether `terraform` and a plugin mirror with the AWS provider are on this machine (checked once). */
export function terraformAvailability(): TerraformAvailability {
  if (availability !== undefined) return availability;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && fs.existsSync(path.join(d, 'terraform')));
  if (!onPath) return (availability = { available: false, reason: 'terraform is not on PATH (CI installs it; see docs/testing.md)' });
  const candidates = [process.env.TF_PLUGIN_MIRROR, '/opt/tf-plugins', '/usr/share/terraform/plugins'].filter((d): d is string => !!d);
  for (const pluginDir of candidates) {
    const aws = path.join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws');
    if (!fs.existsSync(aws)) continue;
    const versions = fs.readdirSync(aws).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => compareVersions(b, a));
    if (versions.length > 0) return (availability = { available: true, pluginDir, awsVersion: versions[0] });
  }
  return (availability = { available: false, reason: `no plugin mirror with hashicorp/aws in ${candidates.join(', ')} (set TF_PLUGIN_MIRROR)` });
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

export interface ValidationDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  /** `resource.aws_instance.x` style address when Terraform names one. */
  readonly address?: string;
}

export interface StackValidation {
  readonly dir: string;
  readonly valid: boolean;
  readonly errors: readonly ValidationDiagnostic[];
  readonly warnings: readonly ValidationDiagnostic[];
  /** Addresses the validated copy left out (resources of unmirrored providers). */
  readonly leftOut: readonly string[];
}

type Json = Record<string, unknown>;

/**
 * The copy of a stack's `cdk.tf.json` that the mirror can validate: no backend (validation reads no
 * state), aws relaxed to the mirrored version, the unmirrored providers and their resources removed.
 */
export function mirrorableConfig(config: Json, awsVersion: string, unmirrored: readonly string[] = UNMIRRORED_PROVIDERS): { config: Json; leftOut: string[] } {
  const copy = JSON.parse(JSON.stringify(config)) as Json;
  const leftOut: string[] = [];
  const terraform = (copy.terraform ?? {}) as Json;
  delete terraform.backend;
  const required = (terraform.required_providers ?? {}) as Record<string, Json>;
  for (const name of unmirrored) delete required[name];
  if (required.aws !== undefined) required.aws = { source: 'hashicorp/aws', version: awsVersion };
  const providers = (copy.provider ?? {}) as Json;
  for (const name of unmirrored) delete providers[name];
  const removedPrefix = (type: string): boolean => unmirrored.some((p) => type === p || type.startsWith(`${p}_`));
  for (const kind of ['resource', 'data', 'ephemeral'] as const) {
    const blocks = (copy[kind] ?? {}) as Record<string, Json>;
    for (const type of Object.keys(blocks)) {
      if (!removedPrefix(type)) continue;
      for (const name of Object.keys(blocks[type])) leftOut.push(`${kind === 'resource' ? '' : `${kind}.`}${type}.${name}`);
      delete blocks[type];
    }
    if (Object.keys(blocks).length === 0) delete copy[kind];
  }
  const gone = new Set(leftOut);
  for (const kind of ['resource', 'data', 'ephemeral'] as const) {
    for (const byName of Object.values((copy[kind] ?? {}) as Record<string, Record<string, Json>>)) {
      for (const block of Object.values(byName)) {
        if (Array.isArray(block.depends_on)) {
          block.depends_on = (block.depends_on as string[]).filter((d) => !gone.has(d));
          if ((block.depends_on as string[]).length === 0) delete block.depends_on;
        }
      }
    }
  }
  return { config: copy, leftOut: leftOut.sort() };
}

async function terraform(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('terraform', args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? String(e), code: typeof err.code === 'number' ? err.code : 1 };
  }
}

/**
 * Validates one synthesized stack directory (the folder holding `cdk.tf.json` and its assets):
 * copies it to a temporary folder, makes the copy mirrorable, runs `terraform init -backend=false
 * -plugin-dir <mirror>` and `terraform validate -json`. Throws when terraform is unavailable (check
 * `terraformAvailability()` first and skip with its reason).
 */
export async function validateStack(stackDir: string, options: { readonly unmirrored?: readonly string[] } = {}): Promise<StackValidation> {
  const tf = terraformAvailability();
  if (!tf.available) throw new Error(`terraform validate unavailable: ${tf.reason}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-validate-'));
  try {
    // Assets (the stateless-chi chart) are referenced by relative path; validate checks no paths, but keep them.
    fs.cpSync(stackDir, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
    const original = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
    const { config, leftOut } = mirrorableConfig(original, tf.awsVersion!, options.unmirrored);
    fs.writeFileSync(path.join(work, 'cdk.tf.json'), JSON.stringify(config, null, 2));
    const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
    const init = await terraform(work, ['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${tf.pluginDir}`], env);
    if (init.code !== 0) {
      return { dir: stackDir, valid: false, errors: [{ severity: 'error', summary: 'terraform init failed', detail: init.stderr || init.stdout }], warnings: [], leftOut };
    }
    const validate = await terraform(work, ['validate', '-json', '-no-color'], env);
    let parsed: { valid?: boolean; diagnostics?: { severity: string; summary: string; detail?: string; address?: string }[] };
    try {
      parsed = JSON.parse(validate.stdout);
    } catch {
      return { dir: stackDir, valid: false, errors: [{ severity: 'error', summary: 'terraform validate printed no JSON', detail: validate.stderr }], warnings: [], leftOut };
    }
    const diagnostics = (parsed.diagnostics ?? []).map((d) => ({
      severity: d.severity === 'warning' ? 'warning' as const : 'error' as const, summary: d.summary, detail: d.detail, address: d.address,
    }));
    const errors = diagnostics.filter((d) => d.severity === 'error');
    return { dir: stackDir, valid: parsed.valid === true && errors.length === 0, errors, warnings: diagnostics.filter((d) => d.severity === 'warning'), leftOut };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `terraform plan` of the validated copy of a stack with no credentials and no network to AWS
 * (dummy keys, no instance metadata, one attempt): for checks that a plan stops before it calls AWS.
 * Returns Terraform's combined output and exit code.
 */
export async function planStackOffline(stackDir: string): Promise<{ code: number; output: string }> {
  const tf = terraformAvailability();
  if (!tf.available) throw new Error(`terraform plan unavailable: ${tf.reason}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-plan-'));
  try {
    fs.cpSync(stackDir, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
    const original = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
    fs.writeFileSync(path.join(work, 'cdk.tf.json'), JSON.stringify(mirrorableConfig(original, tf.awsVersion!).config, null, 2));
    const env = {
      ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'example', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1',
      AWS_PROFILE: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const init = await terraform(work, ['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${tf.pluginDir}`], env);
    if (init.code !== 0) return { code: init.code, output: init.stdout + init.stderr };
    const plan = await terraform(work, ['plan', '-input=false', '-no-color', '-lock=false'], env);
    return { code: plan.code, output: plan.stdout + plan.stderr };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Validates several stack directories, at most `concurrency` (2) at once. Results in input order. */
export async function validateStacks(dirs: readonly string[], concurrency = 2): Promise<StackValidation[]> {
  const results: StackValidation[] = new Array(dirs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < dirs.length) {
      const i = next++;
      results[i] = await validateStack(dirs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, dirs.length) }, worker));
  return results;
}

/** A readable summary of a failed validation: the first diagnostics, each with its address. */
export function describeValidation(v: StackValidation, max = 10): string {
  const lines = v.errors.slice(0, max).map((d) => `  - ${d.address ? d.address + ': ' : ''}${d.summary}${d.detail ? ` (${d.detail.split('\n')[0].slice(0, 200)})` : ''}`);
  return `${v.dir}: ${v.errors.length} error(s)\n${lines.join('\n')}${v.errors.length > max ? `\n  … ${v.errors.length - max} more` : ''}`;
}

/**
 * A test that the stack in `dir()` passes `terraform validate`, skipped with the reason when
 * terraform or its plugin mirror is missing (CI has both). `dir` is read when the test runs, so a
 * stack synthesized in `beforeAll` works.
 */
export function testTerraformValidate(dir: () => string, name = 'passes terraform validate'): void {
  const tf = terraformAvailability();
  (tf.available ? test : test.skip)(`${name}${tf.available ? '' : ` (skipped: ${tf.reason})`}`, async () => {
    const result = await validateStack(dir());
    expect(result.valid ? '' : describeValidation(result)).toBe('');
  }, 300_000);
}
