import { execFile } from 'child_process';
import { existsSync } from 'fs';
import { promisify } from 'util';
import { buildRegionTopology, RegionStackProps } from '../../lib/constructs/region-stack';
import { AlertDefinition, regionAlerts } from '../../lib/observability/alerts';
import { regionThresholds } from '../../lib/constructs/observability';
import { Topology } from '../../lib/model';
import { resolveZooCfgOptions } from '../../lib/zookeeper/zoo-cfg';

export const run = promisify(execFile);

/** Debian's `prometheus` package ships promtool. */
export const PROMTOOL = '/usr/bin/promtool';
export const hasPromtool = existsSync(PROMTOOL);
if (!hasPromtool) console.warn('SKIPPED promtool tests: Debian package `prometheus` (promtool) not installed');

/** A region's topology and alerts, as RegionStack renders them. */
export function alertsOf(spec: RegionStackProps): { topology: Topology; alerts: AlertDefinition[] } {
  const topology = buildRegionTopology(spec);
  const zooCfg = resolveZooCfgOptions(topology.zookeeper, spec.zooKeeperOptions?.zooCfg);
  const thresholds = regionThresholds(zooCfg, spec.observability);
  return { topology, alerts: regionAlerts({ topology, thresholds, purgeIntervalHours: zooCfg.purgeIntervalHours }) };
}

/** Runs promtool; resolves with its output, or rejects with stdout and stderr in the message. */
export async function promtool(args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<string> {
  try {
    const child = run(PROMTOOL, [...args], { cwd: options.cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    if (options.input !== undefined) {
      child.child.stdin!.end(options.input);
    }
    const { stdout, stderr } = await child;
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/**
 * `promtool check metrics` on an exposition: rejects if promtool cannot parse it (exit 1);
 * resolves with its lint findings (exit 3: names, units, suffixes), empty when clean.
 */
export async function checkMetrics(exposition: string): Promise<string[]> {
  try {
    const child = run(PROMTOOL, ['check', 'metrics'], { timeout: 60_000 });
    child.child.stdin!.end(exposition);
    await child;
    return [];
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    if (err.code !== 3) throw new Error(`promtool check metrics could not parse the exposition:\n${output}`);
    return output.split('\n').filter((l) => l.trim() !== '');
  }
}
