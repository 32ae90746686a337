import { execFileSync } from 'child_process';
import { MockKafkaCluster } from '../../lib/rehearsal/mock-kafka';
import { withKcat } from './support';

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
    const pid = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'mock-cluster'], { encoding: 'utf8' }).trim().split('\n').map(Number);
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
