import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { Manifest, TerraformStack } from 'cdktf';

/**
 * Readable, per-file snapshots of synthesized stacks, for platform teams' pull-request tests.
 *
 * `expect(stack).toMatchSnapshot()` on a whole stack gives one unreadable blob. These helpers give
 * one entry per reviewable unit instead, keyed by names that never depend on positions:
 * - each Terraform block by its address (`aws_instance.storage_ch-data-s01-r1_075EF390`, `data.aws_eks_cluster.eks`,
 *   `provider.aws`, `output.hosted_zone_id`, `terraform`), as an object; JSON documents held in
 *   string attributes (IAM policies) are shown parsed;
 * - each artifact by its path (`artifacts/sql/small/1_writable_groups.sql`): YAML, XML, SQL,
 *   Markdown and zoo.cfg as text, JSON files parsed.
 *
 * Jest prints every object entry with a trailing comma and every string with its real line breaks,
 * so a change of the spec shows in the snapshot diff as the lines it changes.
 */

/** One stack's snapshot: Terraform blocks by address and artifact files by `artifacts/<path>`. */
export type StackSnapshot = Record<string, unknown>;

export interface SnapshotOptions {
  /**
   * Keep cdktf's `//` metadata (construct paths, stack name, cdktf version) in the Terraform blocks.
   * @default false
   */
  readonly keepMetadata?: boolean;
  /**
   * Show JSON documents inside string attributes (IAM policies, bucket policies) parsed.
   * @default true
   */
  readonly parseJsonAttributes?: boolean;
  /**
   * Artifact files to leave out, by path relative to `artifacts/` (e.g. runbooks you do not review).
   * @default every file of `artifacts/` is included
   */
  readonly excludeArtifact?: (artifactPath: string) => boolean;
}

/**
 * Snapshots of every stack in a synthesized output folder (`cdktf.out`, or an `App`'s `outdir`
 * after `app.synth()`), by stack name.
 */
export function snapshotSynthOutput(outdir: string, options: SnapshotOptions = {}): Record<string, StackSnapshot> {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) throw new Error(`snapshotSynthOutput: ${stacksDir} does not exist; synthesize the app into ${outdir} first`);
  return Object.fromEntries(fs.readdirSync(stacksDir).sort()
    .filter((name) => fs.existsSync(path.join(stacksDir, name, 'cdk.tf.json')))
    .map((name) => [name, snapshotStackDir(path.join(stacksDir, name), options)]));
}

/** The snapshot of one synthesized stack folder (`cdktf.out/stacks/<stack>`). */
export function snapshotStackDir(stackDir: string, options: SnapshotOptions = {}): StackSnapshot {
  const terraform = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
  const snapshot: StackSnapshot = {};
  for (const [address, block] of terraformBlocks(terraform)) {
    let value = options.keepMetadata ? block : withoutMetadata(block);
    if (options.parseJsonAttributes ?? true) value = parseJsonStrings(value);
    snapshot[address] = value;
  }
  const artifactsDir = path.join(stackDir, 'artifacts');
  for (const file of listFiles(artifactsDir)) {
    if (options.excludeArtifact?.(file)) continue;
    const content = fs.readFileSync(path.join(artifactsDir, ...file.split('/')), 'utf8');
    snapshot[`artifacts/${file}`] = file.endsWith('.json') ? JSON.parse(content) : content;
  }
  return sortedKeys(snapshot);
}

/**
 * Synthesizes `stack` fully (Aspects, validations and the policy pack included, as `cdktf synth`
 * does) into a temporary folder, returns its snapshot and removes the folder.
 */
export function snapshotStack(stack: TerraformStack, options: SnapshotOptions = {}): StackSnapshot {
  // What Testing.fullSynth does, with the folder removed also when the synth throws.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-snapshot-'));
  try {
    const manifest = new Manifest('stubbed', outdir, false);
    stack.synthesizer.synthesize({ outdir, manifest });
    return snapshotStackDir(path.join(outdir, manifest.forStack(stack).workingDirectory), options);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Terraform's own addresses: `type.name`, `data.type.name`, `provider.name[.alias]`, `output.name`, ... */
function terraformBlocks(terraform: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [section, content] of Object.entries(terraform)) {
    if (section === '//') continue;
    const byKey = content as Record<string, unknown>;
    switch (section) {
      case 'resource':
      case 'data':
        for (const [type, byName] of Object.entries(byKey)) {
          for (const [name, block] of Object.entries(byName as Record<string, unknown>)) {
            out.push([section === 'data' ? `data.${type}.${name}` : `${type}.${name}`, block]);
          }
        }
        break;
      case 'provider':
        for (const [name, configs] of Object.entries(byKey)) {
          for (const config of configs as Record<string, unknown>[]) {
            out.push([typeof config.alias === 'string' ? `provider.${name}.${config.alias}` : `provider.${name}`, config]);
          }
        }
        break;
      case 'output':
      case 'variable':
      case 'module':
        for (const [name, block] of Object.entries(byKey)) out.push([`${section}.${name}`, block]);
        break;
      default:
        out.push([section, content]); // terraform (backend, required_providers), locals, ...
    }
  }
  return out;
}

function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, withoutMetadata(v)]));
}

function parseJsonStrings(value: unknown): unknown {
  if (typeof value === 'string') {
    const text = value.trim();
    if (!(text.startsWith('{') && text.endsWith('}')) && !(text.startsWith('[') && text.endsWith(']'))) return value;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value; // e.g. "${...}" references or YAML flow maps stay as written
    }
  }
  if (Array.isArray(value)) return value.map(parseJsonStrings);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parseJsonStrings(v)]));
}

/** Files under `dir`, relative with POSIX separators, sorted; none when `dir` is missing. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function sortedKeys(snapshot: StackSnapshot): StackSnapshot {
  return Object.fromEntries(Object.entries(snapshot).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
