import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';

/** Whether Debian's `kcat` is on the PATH; the rehearsal needs it for its mock Kafka clusters. */
export function kcatAvailable(): boolean {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A message as `kcat -C -J` prints it. */
export interface KafkaMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
}

/** A message to produce: its payload and, optionally, its key and partition. */
export interface OutgoingMessage {
  readonly payload: string;
  readonly key?: string;
  /** @default chosen by the partitioner from the key */
  readonly partition?: number;
}

/** Every kcat process this module started and has not stopped yet, so an exiting process can end them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A failing test or a Ctrl-C must not leave mock brokers behind.
    process.once('exit', stopAllMockClusters);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        stopAllMockClusters();
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      });
    }
  }
}

/** Stops every mock cluster still running in this process. */
export function stopAllMockClusters(): void {
  for (const proc of live) {
    proc.stdin?.end();
    proc.kill('SIGKILL');
  }
  live.clear();
}

const KCAT_TIMEOUT_MS = 20_000;

function kcat(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', [...args], { timeout: KCAT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr.slice(0, 2000)}`));
      else resolve(stdout);
    });
    track(child);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * librdkafka's mock Kafka cluster, held open by a `kcat` producer (`-X test.mock.num.brokers`): a
 * real Kafka-protocol broker on loopback, serving other clients until its stdin closes. Topics are
 * created on first use with 4 partitions (librdkafka's mock default), whatever the topology
 * declares.
 */
export class MockKafkaCluster {
  /** Starts a cluster and resolves once it prints its bootstrap servers. */
  public static start(options: { readonly brokers?: number } = {}): Promise<MockKafkaCluster> {
    const brokers = options.brokers ?? 3;
    const proc = spawn('kcat', ['-P', '-t', '__rehearsal_boot', '-X', `test.mock.num.brokers=${brokers}`, '-d', 'mock', '-b', '127.0.0.1:1'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    track(proc);
    return new Promise((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => fail(new Error(`kcat printed no mock bootstrap servers within 10 s:\n${log.slice(0, 2000)}`)), 10_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(err);
      };
      const onData = (chunk: Buffer): void => {
        if (log.length < 100_000) log += chunk.toString();
        const m = /bootstrap\.servers=(\S+)/.exec(log);
        if (m !== null) {
          clearTimeout(timer);
          // Keep draining the debug log so the pipe never fills and blocks the broker.
          proc.stderr!.off('data', onData);
          const debug = process.env.REHEARSAL_MOCK_DEBUG;
          if (debug) {
            proc.stderr!.on('data', (d: Buffer) => {
              for (const line of d.toString().split('\n')) if (line.includes(debug)) process.stderr.write(`[mock ${m[1]}] ${line}\n`);
            });
          } else proc.stderr!.resume();
          resolve(new MockKafkaCluster(proc, m[1]));
        }
      };
      proc.stderr!.on('data', onData);
      proc.once('error', fail);
      proc.once('exit', (code) => fail(new Error(`kcat exited with ${code} before the mock cluster was up:\n${log.slice(0, 2000)}`)));
    });
  }

  private stopped = false;

  private constructor(private readonly proc: ChildProcess, public readonly bootstrapServers: string) {}

  /** Produces messages to a topic (keys with `-K`), resolving once kcat has delivered them. */
  public async produce(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const keyed = messages.some((m) => m.key !== undefined);
    for (const m of messages) {
      if (m.payload.includes('\n') || (m.key ?? '').includes('\t') || (m.key ?? '').includes('\n')) {
        throw new Error(`a message for ${topic} has a newline in its payload or a tab/newline in its key`);
      }
    }
    const byPartition = new Map<number | undefined, OutgoingMessage[]>();
    for (const m of messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
    for (const [partition, batch] of byPartition) {
      const input = batch.map((m) => (keyed ? `${m.key ?? ''}\t${m.payload}` : m.payload)).join('\n') + '\n';
      const target = partition === undefined ? [] : ['-p', String(partition)];
      await kcat(['-P', '-b', this.bootstrapServers, '-t', topic, ...target, ...(keyed ? ['-K', '\t'] : [])], input);
    }
  }

  /**
   * Creates a topic (a metadata request for it: the mock creates topics on first sight). Consumers
   * must find their topics at subscribe time: ClickHouse's consumers do not auto-create topics and
   * would otherwise wait for a metadata refresh (5 minutes) before any assignment.
   */
  public async createTopic(topic: string): Promise<void> {
    await kcat(['-L', '-b', this.bootstrapServers, '-t', topic]);
  }

  /** Partitions of a topic (`kcat -L -J`). */
  public async partitionCount(topic: string): Promise<number> {
    const meta = JSON.parse(await kcat(['-L', '-J', '-b', this.bootstrapServers, '-t', topic])) as { topics?: { partitions?: unknown[] }[] };
    return meta.topics?.[0]?.partitions?.length ?? 0;
  }

  /** Every message on a topic from the beginning (`kcat -C -J -e`). */
  public async consumeAll(topic: string): Promise<KafkaMessage[]> {
    const out = await kcat(['-C', '-b', this.bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
    return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KafkaMessage);
  }

  /**
   * Consumer lag as the broker sees it: messages on a topic past a group's committed offsets (all
   * of them where the group has committed nothing). Reads with the group's id without joining it
   * and without committing.
   */
  public async uncommitted(topic: string, group: string): Promise<number> {
    const out = await kcat(['-C', '-b', this.bootstrapServers, '-t', topic, '-X', `group.id=${group}`, '-X', 'enable.auto.commit=false',
      '-X', 'enable.auto.offset.store=false', '-X', 'auto.offset.reset=earliest', '-o', 'stored', '-e', '-q', '-f', '%p\n']);
    return out.split('\n').filter((l) => l.trim() !== '').length;
  }

  /** The next offset of each partition that holds messages (the high watermarks), by partition. */
  public async highWatermarks(topic: string): Promise<Map<number, number>> {
    const marks = new Map<number, number>();
    for (const m of await this.consumeAll(topic)) marks.set(m.partition, Math.max(marks.get(m.partition) ?? 0, m.offset + 1));
    return marks;
  }

  public stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.proc.stdin?.end();
    this.proc.kill('SIGKILL');
    live.delete(this.proc);
  }
}
