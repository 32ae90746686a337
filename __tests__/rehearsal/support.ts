import { buildTopology, TopologySpec } from '../../lib/model';
import { bundleFromTopology, RehearsalBundle } from '../../lib/rehearsal/bundle';
import { zooKeeperProblem } from '../../lib/rehearsal/local-zookeeper';
import { kcatAvailable, mockHelperProblem } from '../../lib/rehearsal/mock-kafka';

/**
 * The end-to-end tests need Debian's kcat (produces and reads), gcc and librdkafka-dev (the mock
 * Kafka helper) and zookeeper (the storage half); without one they skip, saying which.
 */
const missing = [
  kcatAvailable() ? undefined : 'kcat is not installed (apt-get install kcat)',
  mockHelperProblem(),
  zooKeeperProblem(),
].filter((x): x is string => x !== undefined);
export const hasKcat = missing.length === 0;
if (!hasKcat) console.warn(`Rehearsal and drill tests that run engines are skipped: ${missing.join('; ')}`);

export const withKcat = hasKcat ? test : test.skip;

export function bundleOf(spec: TopologySpec): RehearsalBundle {
  return bundleFromTopology(buildTopology(spec));
}

/** Runs tasks at most `limit` at a time (engines are CPU-heavy while they start), keeping each one's promise. */
export function limited<T>(limit: number, tasks: Record<string, () => Promise<T>>): Record<string, Promise<T>> {
  const queue = Object.entries(tasks);
  const out: Record<string, Promise<T>> = {};
  let running = 0;
  const waiters: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    while (running >= limit) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const release = (): void => {
    running--;
    waiters.shift()?.();
  };
  for (const [name, task] of queue) {
    out[name] = (async () => {
      await slot();
      try {
        return await task();
      } finally {
        release();
      }
    })();
    // Unobserved until its test awaits it; never an unhandled rejection meanwhile.
    out[name].catch(() => undefined);
  }
  return out;
}
