import * as fs from 'fs';
import { MockKafkaCluster } from '../../lib/rehearsal/mock-kafka';
import { withKcat } from './support';

/** This process's children running the mock helper, from /proc (`<pid> (<comm>) <state> <ppid> …`). */
function helperPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = /^\d+ \((.*)\) \S+ (\d+) /.exec(fs.readFileSync(`/proc/${d}/stat`, 'utf8'));
      return stat !== null && stat[1] === 'mock-cluster' && Number(stat[2]) === process.pid;
    } catch {
      return false; // ended while being read
    }
  }).map(Number);
}

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
