import { DEV_REGION } from '../../examples/dev-region/region';
import { formatReport, rehearse } from '../../lib/rehearsal/rehearse';
import { RehearsalSession } from '../../lib/rehearsal/session';
import { bundleOf, crashMockCoordinator, withKcat } from './support';

/**
 * librdkafka's mock coordinator, the rehearsal's stand-in broker, aborts on some consumer-group
 * states a real broker handles (one CI run ended that way). A run it ends says nothing about the
 * region: the run is discarded and made once more on fresh stand-ins, and a broker that fails
 * again fails the run. These tests crash the mock the way CI saw it crash (crashMockCoordinator).
 */
const dev = bundleOf(DEV_REGION);

/** Crashes every mock broker of a session and waits until the session sees it. */
async function crashStandIns(session: RehearsalSession): Promise<void> {
  for (const mock of session.mocks.values()) await crashMockCoordinator(mock.bootstrapServers);
  const deadline = Date.now() + 10_000;
  while (session.standInFailure() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

const DISCARDED = 'first run discarded (this report is of a second run on fresh stand-ins): its stand-in broker failed: ';
const CRASH = /^backend warpstream_dev: the mock Kafka helper ended \(SIGABRT\): .*Assertion `!member->resp' failed\./;

describe('a run whose stand-in broker fails', () => {
  withKcat('is discarded and run once more on a fresh session, saying why', async () => {
    const sessions: RehearsalSession[] = [];
    const run = await RehearsalSession.run(dev, {}, async (session) => {
      sessions.push(session);
      if (sessions.length === 1) await crashStandIns(session);
      return `run ${sessions.length}`;
    });
    expect(run.value).toBe('run 2');
    expect(run.discarded).toMatch(CRASH);
    expect(sessions[1]).not.toBe(sessions[0]);
    expect(sessions[1].standInFailure()).toBeUndefined();
  }, 60_000);

  withKcat('is run twice at most: a second failure is the result', async () => {
    let runs = 0;
    const run = await RehearsalSession.run(dev, {}, async (session) => {
      runs++;
      await crashStandIns(session);
      return runs;
    });
    expect([runs, run.value]).toEqual([2, 2]);
    expect(run.discarded).toMatch(CRASH);
  }, 60_000);

  withKcat('is run again when it threw after the failure; a body that throws on a working broker is not', async () => {
    let runs = 0;
    const run = await RehearsalSession.run(dev, {}, async (session) => {
      if (++runs === 1) {
        await crashStandIns(session);
        throw new Error('produce failed: the broker is gone');
      }
      return runs;
    });
    expect(run.value).toBe(2);
    let healthyRuns = 0;
    await expect(RehearsalSession.run(dev, {}, async () => {
      healthyRuns++;
      throw new Error('a broken chain');
    })).rejects.toThrow('a broken chain');
    expect(healthyRuns).toBe(1);
  }, 60_000);

  // The whole rehearsal, the path CI took: the broker dies while the engines start.
  const crashWhenEnginesStart = (runsToCrash: number, progress: string[]) => {
    let crashes = 0;
    return (line: string): void => {
      progress.push(line);
      if (/: starting \d+ ingestion engine/.test(line) && crashes++ < runsToCrash) {
        // The mock brokers of this file's only session are the helpers this process runs.
        void Promise.all(currentBrokers().map((b) => crashMockCoordinator(b)));
      }
    };
  };
  let brokers: string[] = [];
  const currentBrokers = (): string[] => brokers;
  const watch = <T>(run: () => Promise<T>): Promise<T> => {
    const start = RehearsalSession.start.bind(RehearsalSession);
    const spy = jest.spyOn(RehearsalSession, 'start').mockImplementation(async (...args) => {
      const session = await start(...args);
      brokers = [...session.mocks.values()].map((m) => m.bootstrapServers);
      return session;
    });
    return run().finally(() => spy.mockRestore());
  };

  withKcat('rehearse: a broker that dies once leaves the report of the second run, with a note', async () => {
    const progress: string[] = [];
    const report = await watch(() => rehearse({ bundle: dev, storage: false, timeoutMs: 60_000, onProgress: crashWhenEnginesStart(1, progress) }));
    if (!report.ok) throw new Error(formatReport(report));
    expect(progress.filter((l) => l.includes('a stand-in broker failed'))).toHaveLength(1);
    const note = report.notes.find((n) => n.startsWith(DISCARDED));
    expect(note?.slice(DISCARDED.length)).toMatch(CRASH);
  }, 180_000);

  // A limit the test never reaches: finishing at all shows the rehearsal stopped waiting once the broker was gone.
  const WAIT_LIMIT_MS = 600_000;
  withKcat('rehearse: a broker that dies in both runs fails the rehearsal, naming the broker, without waiting out its limit', async () => {
    const progress: string[] = [];
    const report = await watch(() => rehearse({ bundle: dev, storage: false, timeoutMs: WAIT_LIMIT_MS, onProgress: crashWhenEnginesStart(2, progress) }));
    expect(report.ok).toBe(false);
    expect(progress.filter((l) => l.includes('a stand-in broker failed'))).toHaveLength(1);
    expect(report.streams.map((s) => s.problem)).toEqual([expect.stringMatching(/the mock Kafka helper ended \(SIGABRT\)/)]);
    expect(report.notes.filter((n) => n.startsWith(DISCARDED))).toHaveLength(1);
  }, WAIT_LIMIT_MS);
});
