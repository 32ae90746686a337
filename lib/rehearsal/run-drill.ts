// Apart from drills.ts so that a drill in a file of its own (dead-letter-drill.ts,
// schema-evolution-drill.ts) runs through it without importing the registry that lists it.
import { RehearsalBundle } from './bundle';
import type { DrillOptions, DrillReport } from './drill-report';
import { RehearsalSession, standInNotes } from './session';

/**
 * Runs one drill in its own session (mock clusters, no engines yet): `body` starts what it needs
 * through the session, writes what happened to `details`, and returns whether it passed, or a
 * string saying why it does not apply (reported as skipped). An exception fails the drill with
 * its message; the session is closed whatever happens. A run whose stand-in broker failed is run
 * again once on a fresh session (`RehearsalSession.run`), and the details say so.
 */
export async function runDrill(name: string, bundle: RehearsalBundle, options: DrillOptions,
  body: (session: RehearsalSession, details: string[]) => Promise<boolean | string>): Promise<DrillReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const run = await RehearsalSession.run(bundle, { onProgress: progress }, async (session) => {
    const details: string[] = [];
    try {
      return { outcome: await body(session, details), details };
    } catch (e) {
      details.push(`error: ${e instanceof Error ? e.message : String(e)}`);
      return { outcome: false, details };
    }
  });
  const { outcome } = run.value;
  const details = [...run.value.details, ...standInNotes(run)];
  if (typeof outcome === 'string') return { name, ok: true, skipped: outcome, details, seconds: (Date.now() - started) / 1000 };
  return { name, ok: outcome && run.failed === undefined, details, seconds: (Date.now() - started) / 1000 };
}
