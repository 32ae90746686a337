import { spawnSync } from 'child_process';
import * as path from 'path';
import type { EngineJob } from './engine-child';

/** Runs `job` in a fresh process with its own chdb engine; returns the rows of each query. */
export function runIsolated(job: EngineJob): Record<string, unknown>[][] {
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'engine-child.ts')], {
    input: JSON.stringify(job),
    encoding: 'utf8',
    cwd: path.join(__dirname, '..', '..', '..'),
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`engine process failed (${child.status}): ${child.stderr}`);
  const marker = child.stdout.lastIndexOf('@@RESULT@@');
  if (marker < 0) throw new Error(`engine process wrote no result: ${child.stdout}${child.stderr}`);
  const out = JSON.parse(child.stdout.slice(marker + '@@RESULT@@'.length)) as { rows?: Record<string, unknown>[][]; error?: string };
  if (out.error !== undefined) throw new Error(out.error);
  return out.rows!;
}
