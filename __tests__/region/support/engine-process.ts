import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import type { EngineJob, EngineResult } from './engine-runner';

const ROOT = path.resolve(__dirname, '..', '..', '..');
let compiled: string | undefined;

/** The runner and the engine harness as plain JS in a temp folder (once), so a child starts in ~0.4 s instead of booting ts-node. */
function runnerScript(): string {
  if (compiled) return compiled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-runner-'));
  for (const rel of ['__tests__/support/clickhouse-engine.ts', '__tests__/region/support/engine-runner.ts']) {
    const out = ts.transpileModule(fs.readFileSync(path.join(ROOT, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const target = path.join(dir, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out);
  }
  compiled = path.join(dir, '__tests__/region/support/engine-runner.js');
  return compiled;
}

export function removeRunner(): void {
  if (compiled) fs.rmSync(path.resolve(compiled, '..', '..', '..'), { recursive: true, force: true });
  compiled = undefined;
}

/** Runs a job in a child process with a real ClickHouse (chdb). */
export function runEngineJob(job: EngineJob): EngineResult {
  const child = spawnSync(process.execPath, [runnerScript()], {
    input: JSON.stringify(job),
    encoding: 'utf8',
    // Unresolvable remote_servers hosts fail at once (no 5 s DNS retries); chdb resolves from the repo.
    env: { ...process.env, ...job.env, RES_OPTIONS: 'attempts:0', NODE_PATH: path.join(ROOT, 'node_modules') },
    timeout: 60_000,
  });
  if (child.status !== 0 || !child.stdout) {
    throw new Error(`engine process failed (status ${child.status}): ${child.stderr?.slice(-2000)}`);
  }
  return JSON.parse(child.stdout) as EngineResult;
}
