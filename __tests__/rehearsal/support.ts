import { buildTopology, TopologySpec } from '../../lib/model';
import { bundleFromTopology, RehearsalBundle } from '../../lib/rehearsal/bundle';
import { kcatAvailable } from '../../lib/rehearsal/mock-kafka';

/** Debian's kcat runs the mock Kafka clusters; without it the end-to-end tests skip, saying so. */
export const hasKcat = kcatAvailable();
if (!hasKcat) console.warn('kcat is not installed (apt-get install kcat): rehearsal and drill tests that need a mock Kafka cluster are skipped');

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
