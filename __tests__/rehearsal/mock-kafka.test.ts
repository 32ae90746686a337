import { execFile } from 'child_process';
import { promisify } from 'util';
import { MockKafkaCluster } from '../../lib/rehearsal/mock-kafka';
import { waitUntil } from '../../lib/rehearsal/wait';
import { crashMockCoordinator, helperPids, withKcat } from './support';

/**
 * The mock Kafka helper is a child process that answers one command at a time. Once it is gone, a
 * command can get no answer: it must fail at once and say why, never wait (a rehearsal that
 * awaited such a command once hung a CI run for good, with no timer left to end it).
 */
withKcat('a command to a helper that has ended fails at once, naming how it ended', async () => {
  const mock = await MockKafkaCluster.start({ brokers: 1 });
  try {
    await mock.createTopic('alive', 1);
    // The helper dies on its own, as a crash would end it (not through stop()).
    const pid = helperPids();
    expect(pid).toHaveLength(1);
    process.kill(pid[0], 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await expect(mock.createTopic('after', 1)).rejects.toThrow(/the mock Kafka helper ended \(SIGKILL\)/);
    await expect(mock.produce('after', [{ payload: '{}' }])).rejects.toThrow(/the mock Kafka helper ended \(SIGKILL\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    mock.stop();
  }
}, 60_000);

/**
 * librdkafka's mock coordinator aborts on some group states a real broker handles. When it does,
 * the helper's failure must say so in the mock's own words and show what the groups were doing
 * (the helper writes their events to stderr), because the run it ends is about the stand-in.
 */
withKcat('a helper the mock coordinator ends names the assertion and the groups\' last events', async () => {
  const mock = await MockKafkaCluster.start({ brokers: 1 });
  try {
    await mock.createTopic('watched', 2);
    await mock.produce('watched', [{ payload: '{}', partition: 0 }, { payload: '{}', partition: 1 }]);
    // A member of group "watchers" joins (kcat's balanced consumer), reads both partitions to their end and leaves.
    await promisify(execFile)('kcat', ['-b', mock.bootstrapServers, '-G', 'watchers', '-e', '-q', 'watched'], { timeout: 30_000 });
    expect(mock.failure).toBeUndefined();
    await crashMockCoordinator(mock.bootstrapServers);
    await waitUntil(5_000, async () => mock.failure !== undefined);
    const failure = mock.failure ?? '';
    expect(failure).toMatch(/^the mock Kafka helper ended \(SIGABRT\): .*rd_kafka_mock_cgrp_member_add: Assertion `!member->resp' failed\./);
    const events = failure.split('\n  its last consumer-group events:\n')[1]?.split('\n').map((l) => l.trim()) ?? [];
    expect(events.length).toBeGreaterThan(2);
    expect(events.some((e) => /^Mock consumer group watchers with 1 member\(s\) changing state Empty -> Joining/.test(e))).toBe(true);
    expect(events.some((e) => /^Member \S+ is leaving group watchers$/.test(e))).toBe(true);
    // The crash's own group, last: the member the second request named was waiting to join.
    expect(events[events.length - 1]).toMatch(/^Mock consumer group stand-in-crash with 1 member\(s\) changing state Empty -> Joining: member join$/);
    await expect(mock.createTopic('after', 1)).rejects.toThrow(/the mock Kafka helper ended \(SIGABRT\)/);
  } finally {
    mock.stop();
  }
}, 60_000);
