import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** Debian's cloud-init: its CLI and the Python module behind `cloud-init schema`. */
export const hasCloudInit = existsSync('/usr/bin/cloud-init') && existsSync('/usr/lib/python3/dist-packages/cloudinit/config/schema.py');
if (!hasCloudInit) console.warn('SKIPPED cloud-init schema checks: Debian package `cloud-init` not installed');

// What `cloud-init schema -c FILE` runs (cloudinit.config.schema.handle_schema_args), once per file
// but in one Python process: thirty CLI starts would cost half a second each.
const VALIDATE_MANY = `
import sys
from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file
schema = get_schema()
failed = 0
for path in sys.argv[1:]:
    try:
        validate_cloudconfig_file(path, schema, False)
        print("Valid cloud-config:", path)
    except (SchemaValidationError, RuntimeError) as e:
        failed += 1
        print("INVALID", path, str(e).replace("\\n", " "))
sys.exit(1 if failed else 0)
`;

export interface SchemaResult {
  readonly valid: readonly string[];
  readonly invalid: readonly string[];
  readonly output: string;
}

/** Validates user data documents (by name) with cloud-init's schema; returns the names that pass and fail. */
export function validateCloudConfigs(documents: Readonly<Record<string, string>>): SchemaResult {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-init-'));
  try {
    const paths = Object.entries(documents).map(([name, text]) => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, text);
      return path;
    });
    const run = spawnSync('/usr/bin/python3', ['-c', VALIDATE_MANY, ...paths], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    const nameOf = (line: string): string => line.split(/\s+/).find((w) => w.startsWith(dir))!.slice(dir.length + 1).replace(/\.yaml$/, '');
    return {
      valid: output.split('\n').filter((l) => l.startsWith('Valid cloud-config:')).map(nameOf),
      invalid: output.split('\n').filter((l) => l.startsWith('INVALID')).map(nameOf),
      output,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `cloud-init schema -c FILE` itself, for one document: returns its exit status and output. */
export function cloudInitSchemaCli(text: string): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-init-'));
  try {
    const path = join(dir, 'user-data.yaml');
    writeFileSync(path, text);
    const run = spawnSync('cloud-init', ['schema', '-c', path], { encoding: 'utf8' });
    return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `bash -n` on a script: a syntax check by the shell that will run it. */
export function bashSyntaxErrors(script: string): string {
  try {
    execFileSync('bash', ['-n'], { input: script, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return '';
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}
