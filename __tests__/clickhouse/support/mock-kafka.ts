import { ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from 'child_process';

/** Debian's `kcat`, whose librdkafka can start a mock Kafka cluster on loopback. */
export const hasKcat = ((): boolean => {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * librdkafka's mock cluster, held open by a kcat producer: a real Kafka-protocol broker on
 * loopback that ClickHouse's Kafka engine can consume from. `stop()` ends the producer and with it
 * the cluster.
 */
export class MockKafka {
  public static async start(topic: string): Promise<MockKafka> {
    const proc = spawn('kcat', ['-P', '-b', '127.0.0.1:1', '-X', 'test.mock.num.brokers=1', '-d', 'mock', '-t', topic]);
    const bootstrap = await new Promise<string>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`kcat printed no mock bootstrap address:\n${log.slice(0, 2000)}`)), 10_000);
      proc.stderr.on('data', (chunk: Buffer) => {
        if (log.length < 100_000) log += chunk.toString();
        const m = /Mock cluster \S+ bootstrap\.servers=(\S+)/.exec(log);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.on('exit', (code) => reject(new Error(`kcat exited with ${code}:\n${log.slice(0, 2000)}`)));
    });
    return new MockKafka(proc, bootstrap, topic);
  }

  private constructor(private readonly proc: ChildProcessWithoutNullStreams, public readonly bootstrap: string, public readonly topic: string) {}

  /** Produces one message per line (a second kcat: the holder's stdin is buffered) and waits until all can be read back. */
  public async produce(lines: readonly string[]): Promise<void> {
    await run('kcat', ['-P', '-b', this.bootstrap, '-t', this.topic], lines.map((l) => l + '\n').join(''));
    const read = await run('kcat', ['-C', '-b', this.bootstrap, '-t', this.topic, '-o', 'beginning', '-c', String(lines.length), '-q']);
    if (read.trim().split('\n').length < lines.length) throw new Error(`read back only: ${read}`);
  }

  public stop(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}

function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${command} ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(input ?? '');
  });
}
