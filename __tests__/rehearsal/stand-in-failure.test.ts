import * as path from 'path';
import { DEV_REGION } from '../../examples/dev-region/region';
import { formatReport, rehearse } from '../../lib/rehearsal/rehearse';
import { runDrill } from '../../lib/rehearsal/drills';
import { RehearsalSession, standInNotes } from '../../lib/rehearsal/session';
import { waitUntil } from '../../lib/rehearsal/wait';
import { tempDir } from '../support/temp';
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
  await waitUntil(10_000, async () => session.standInFailure() !== undefined);
}

const DISCARDED = 'first run discarded (this report is of a second run on fresh stand-ins): its stand-in broker failed: ';
const CRASH = /^backend warpstream_dev: the mock Kafka helper ended \(SIGABRT\): .*Assertion `!member->resp' failed\./;

describe('a run whose stand-in broker fails', () => {
  withKcat('is discarded and run once more on a fresh session, saying why', async () => {
    const sessions: RehearsalSession[] = [];
    let secondSessionFailure: string | undefined = 'not read';
    const workDir = tempDir('stand-in-failure-');
    const run = await RehearsalSession.run(dev, { workDir }, async (session) => {
      sessions.push(session);
      if (sessions.length === 1) await crashStandIns(session);
      else secondSessionFailure = session.standInFailure();
      return `run ${sessions.length}`;
    });
    expect(run.value).toBe('run 2');
    expect(run.discarded).toMatch(CRASH);
    expect(run.failed).toBeUndefined();
    expect(secondSessionFailure).toBeUndefined();
    // On a caller's folder, the second run has a folder of its own: the first one's disks stay as they were.
    expect(sessions.map((x) => x.dir)).toEqual([workDir, path.join(workDir, 'run-2')]);
    const notes = standInNotes(run);
    expect(notes).toHaveLength(1);
    expect(notes[0].startsWith(`${DISCARDED}backend warpstream_dev: the mock Kafka helper ended (SIGABRT)`)).toBe(true);
  }, 60_000);

  withKcat('is run twice at most: a second failure fails the run', async () => {
    let runs = 0;
    const run = await RehearsalSession.run(dev, {}, async (session) => {
      runs++;
      await crashStandIns(session);
      return runs;
    });
    expect([runs, run.value]).toEqual([2, 2]);
    expect(run.discarded).toMatch(CRASH);
    expect(run.failed).toMatch(CRASH);
    expect(standInNotes(run)[1]).toMatch(/^failed: the second run's stand-in broker failed too: backend warpstream_dev: /);
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

  withKcat('a wait on the session gives up once its broker failed, long before its limit', async () => {
    await RehearsalSession.run(dev, {}, async (session) => {
      expect(await session.waitUntil(50, async () => false)).toBe(false);
      await crashStandIns(session);
      const started = Date.now();
      expect(await session.waitUntil(600_000, async () => false)).toBe(false);
      expect(Date.now() - started).toBeLessThan(30_000);
    });
  }, 60_000);

  withKcat('a drill whose checks pass on a broker that failed in both runs fails, saying so', async () => {
    const report = await runDrill('checks that pass', dev, {}, async (session, details) => {
      details.push('checked');
      await crashStandIns(session);
      return true;
    });
    expect(report.ok).toBe(false);
    expect(report.details[0]).toBe('checked');
    expect(report.details.slice(1).map((d) => d.split(':')[0])).toEqual(['first run discarded (this report is of a second run on fresh stand-ins)', 'failed']);
  }, 60_000);

  /** Runs `body` with the first `failing` sessions it starts crashed as soon as they are up (their brokers only). */
  async function withFailingSessions<T>(failing: number, body: () => Promise<T>): Promise<T> {
    const start = RehearsalSession.start.bind(RehearsalSession);
    let started = 0;
    const spy = jest.spyOn(RehearsalSession, 'start').mockImplementation(async (...args) => {
      const session = await start(...args);
      if (++started <= failing) await crashStandIns(session);
      return session;
    });
    try {
      return await body();
    } finally {
      spy.mockRestore();
    }
  }

  withKcat('rehearse: a broker that dies once leaves the report of the second run, with a note', async () => {
    const progress: string[] = [];
    const report = await withFailingSessions(1, () => rehearse({ bundle: dev, storage: false, timeoutMs: 60_000, onProgress: (l) => progress.push(l) }));
    if (!report.ok) throw new Error(formatReport(report));
    expect(progress.filter((l) => l.includes('a stand-in broker failed'))).toHaveLength(1);
    const notes = report.notes.filter((n) => n.startsWith(DISCARDED));
    expect(notes).toHaveLength(1);
    expect(notes[0].slice(DISCARDED.length)).toMatch(CRASH);
  }, 180_000);

  withKcat('rehearse: a broker that dies in both runs fails the rehearsal, naming the broker, without waiting out its limit', async () => {
    const progress: string[] = [];
    const report = await withFailingSessions(2, () => rehearse({ bundle: dev, storage: false, timeoutMs: 600_000, onProgress: (l) => progress.push(l) }));
    expect(report.ok).toBe(false);
    expect(progress.filter((l) => l.includes('a stand-in broker failed'))).toHaveLength(1);
    expect(report.streams.map((s) => s.problem)).toEqual([expect.stringMatching(/the mock Kafka helper ended \(SIGABRT\)/)]);
    expect(report.notes.filter((n) => n.startsWith(DISCARDED))).toHaveLength(1);
    expect(report.notes.filter((n) => n.startsWith('failed: the second run\'s stand-in broker failed too: '))).toHaveLength(1);
    // Far below the 600 s the wait was allowed: it stopped once the broker was gone.
    expect(report.seconds).toBeLessThan(120);
  }, 240_000);
});
