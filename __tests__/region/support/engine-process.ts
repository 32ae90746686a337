import { spawn } from 'child_process';
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

/** Runs jobs in child processes, `concurrency` at a time; results in job order. */
export async function runEngineJobs(jobs: readonly EngineJob[], concurrency = 2): Promise<EngineResult[]> {
  const script = runnerScript();
  const results: EngineResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runOne(script, jobs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

function runOne(script: string, job: EngineJob): Promise<EngineResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...job.env, RES_OPTIONS: 'attempts:0', NODE_PATH: path.join(ROOT, 'node_modules') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (status !== 0 || stdout === '') reject(new Error(`engine process failed (status ${status}): ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout) as EngineResult);
    });
    child.stdin.end(JSON.stringify(job));
  });
}
