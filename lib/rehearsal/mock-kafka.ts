import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

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

function kcat(args: readonly string[], input?: string, timeoutMs = KCAT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr.slice(0, 2000)}`));
      else resolve(stdout);
    });
    track(child);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Where the mock helper's C source lives: beside this file, or (compiled to dist/) in the package's lib/rehearsal/. */
export const MOCK_HELPER_SOURCE = [
  path.join(__dirname, '..', '..', 'native', 'mock-cluster.c'), // from lib/rehearsal/ (sources)
  path.join(__dirname, '..', '..', '..', 'native', 'mock-cluster.c'), // from dist/lib/rehearsal/ (the package)
].find((p) => fs.existsSync(p)) ?? path.join(__dirname, '..', '..', 'native', 'mock-cluster.c');

/**
 * Why the mock helper cannot be built here, or undefined when it can: it needs gcc and
 * librdkafka's mock API (`rdkafka_mock.h`, Debian's `librdkafka-dev`).
 */
export function mockHelperProblem(): string | undefined {
  if (!fs.existsSync(MOCK_HELPER_SOURCE)) return `the mock Kafka helper's source ${MOCK_HELPER_SOURCE} is missing`;
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'gcc is not installed (Debian: apt-get install gcc): the rehearsal builds its mock Kafka helper with it';
  }
  if (!fs.existsSync('/usr/include/librdkafka/rdkafka_mock.h')) {
    return 'librdkafka\'s mock API is not installed (Debian: apt-get install librdkafka-dev): the rehearsal\'s mock Kafka helper needs rdkafka_mock.h';
  }
  return undefined;
}

let builtHelper: string | undefined;

/**
 * The helper binary, built from `mock-cluster.c` with gcc once per source version into a cache
 * folder under the OS temp dir (`REHEARSAL_CACHE_DIR` overrides it).
 */
export function mockHelperBinary(): string {
  if (builtHelper !== undefined && fs.existsSync(builtHelper)) return builtHelper;
  const problem = mockHelperProblem();
  if (problem !== undefined) throw new Error(problem);
  const source = fs.readFileSync(MOCK_HELPER_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(process.env.REHEARSAL_CACHE_DIR ?? path.join(os.tmpdir(), 'cdktf-clickhouse-rehearsal'), hash);
  const binary = path.join(dir, 'mock-cluster');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(dir, { recursive: true });
    // Built beside, then renamed: two processes building at once never run a half-written file.
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('gcc', ['-O1', '-o', tmp, MOCK_HELPER_SOURCE, '-lrdkafka'], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(tmp, binary);
  }
  builtHelper = binary;
  return binary;
}

/** A partition's committed offset (-1 when the group committed none) and watermarks. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly committed: number;
  readonly low: number;
  readonly high: number;
}

/**
 * librdkafka's mock Kafka cluster (a real Kafka-protocol broker set on loopback), held by the
 * rehearsal's helper (`mock-cluster.c`, built against `rdkafka_mock.h`): topics get their declared
 * partition counts, brokers can be taken down and brought back, and committed offsets are read
 * without joining the group or committing anything.
 */
export class MockKafkaCluster {
  /** Starts a cluster and resolves once it prints its bootstrap servers. */
  public static start(options: { readonly brokers?: number } = {}): Promise<MockKafkaCluster> {
    const brokers = options.brokers ?? 3;
    const proc = spawn(mockHelperBinary(), [String(brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
    track(proc);
    return new Promise((resolve, reject) => {
      let out = '';
      let log = '';
      const timer = setTimeout(() => fail(new Error(`the mock Kafka helper printed no bootstrap servers within 10 s:\n${log.slice(0, 2000)}`)), 10_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(err);
      };
      const onLog = (d: Buffer): void => {
        if (log.length < 100_000) log += d.toString();
      };
      proc.stderr!.on('data', onLog);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        const m = /^bootstrap (\S+)\n/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          proc.stderr!.off('data', onLog);
          proc.removeAllListeners('exit');
          resolve(new MockKafkaCluster(proc, m[1], brokers, out.slice(m[0].length)));
        }
      };
      proc.stdout!.on('data', onData);
      proc.once('error', fail);
      proc.once('exit', (code) => fail(new Error(`the mock Kafka helper exited with ${code} before the cluster was up:\n${log.slice(0, 2000)}`)));
    });
  }

  /**
   * Longest a helper command may take: above `flush`'s own 60 s wait for a broker that is down, so
   * it only ends a helper that stopped answering (nothing in a rehearsal then waits without a clock).
   */
  public static readonly COMMAND_LIMIT_MS = 120_000;

  private stopped = false;
  /** Why the helper process ended on its own (exit code or signal, and the end of its stderr), once it has. */
  private ended?: string;
  private stderrTail = '';
  /** Whether stderrTail starts mid-line (older output was dropped). */
  private stderrCut = false;

  /**
   * Why this stand-in broker failed, once it has: the helper ended on its own (librdkafka's mock
   * coordinator aborts on some group states a real broker handles) or stopped answering. Undefined
   * while it works, and when `stop()` ended it.
   */
  public get failure(): string | undefined {
    if (this.ended !== undefined || this.stopped) return this.ended;
    // Ended, and its pipes not read to their end yet ('close' fills in stderr's last lines).
    const { exitCode, signalCode } = this.proc;
    if (exitCode !== null || signalCode !== null) return `the mock Kafka helper ended (${signalCode ?? `exit code ${exitCode}`})`;
    return undefined;
  }

  /** How the helper ended: its own error lines first, then the consumer-group events just before. */
  private endedBecause(how: string): string {
    const lines = this.stderrTail.split('\n').slice(this.stderrCut ? 1 : 0).filter((l) => l.trim() !== '');
    const errors = lines.filter((l) => !l.startsWith('group: '));
    const groups = lines.filter((l) => l.startsWith('group: ')).slice(-MockKafkaCluster.GROUP_EVENTS_SHOWN);
    return `${how}${errors.length > 0 ? `: ${errors.join(' ')}` : ''}` +
      (groups.length > 0 ? `\n  its last consumer-group events:\n${groups.map((l) => `    ${l.slice(7)}`).join('\n')}` : '');
  }

  /** Characters of the helper's stderr kept for a failure message. */
  private static readonly STDERR_KEPT = 6000;
  /** Consumer-group events a failure message repeats from the helper's stderr. */
  private static readonly GROUP_EVENTS_SHOWN = 8;

  private buffered: string;
  private readonly waiting: ((lines: string[] | Error) => void)[] = [];
  private commandChain: Promise<unknown> = Promise.resolve();
  private readonly partitions = new Map<string, number>();

  private constructor(private readonly proc: ChildProcess, public readonly bootstrapServers: string, public readonly brokers: number, rest: string) {
    this.buffered = rest;
    // A command written after the helper ended fails with EPIPE here; 'close' below says how it ended.
    proc.stdin!.on('error', () => undefined);
    proc.stdout!.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      this.drain();
    });
    proc.stderr!.on('data', (d: Buffer) => {
      const tail = this.stderrTail + d.toString();
      this.stderrCut ||= tail.length > MockKafkaCluster.STDERR_KEPT;
      this.stderrTail = tail.slice(-MockKafkaCluster.STDERR_KEPT);
    });
    // 'close', not 'exit': by then stderr has been read to its end (the assertion is its last line).
    proc.once('close', (code, signal) => {
      // After stop() the end was asked for, and later commands say so; otherwise they say how it ended.
      if (this.stopped) return;
      this.ended = this.endedBecause(`the mock Kafka helper ended (${signal ?? `exit code ${code}`})`);
      for (const w of this.waiting.splice(0)) w(new Error(this.ended));
    });
  }

  private answerLines: string[] = [];

  private drain(): void {
    for (;;) {
      const nl = this.buffered.indexOf('\n');
      if (nl < 0) return;
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      if (line === 'ok' || line.startsWith('error ')) {
        const lines = this.answerLines;
        this.answerLines = [];
        const w = this.waiting.shift();
        if (w) w(line === 'ok' ? lines : new Error(`mock Kafka helper: ${line.slice(6)}`));
      } else this.answerLines.push(line);
    }
  }

  /**
   * One helper command; answers arrive in order, so commands are sent one at a time. A helper that
   * has ended, or that does not answer within COMMAND_LIMIT_MS, fails the command (and every later
   * one) instead of leaving it waiting for an answer that cannot come.
   */
  private command(line: string): Promise<string[]> {
    const run = this.commandChain.then(() => new Promise<string[]>((resolve, reject) => {
      if (this.ended !== undefined) return reject(new Error(this.ended));
      if (this.stopped) return reject(new Error('the mock Kafka cluster is stopped'));
      const what = line.split(' ', 1)[0];
      const timer = setTimeout(() => {
        this.ended = this.endedBecause(`the mock Kafka helper did not answer "${what}" within ${MockKafkaCluster.COMMAND_LIMIT_MS / 1000} s`);
        reject(new Error(this.ended));
        this.stop();
      }, MockKafkaCluster.COMMAND_LIMIT_MS);
      this.waiting.push((r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      });
      this.proc.stdin!.write(line + '\n');
    }));
    this.commandChain = run.catch(() => undefined);
    return run;
  }

  /** Creates a topic with exactly `partitions` partitions (before any consumer subscribes, as on a real backend). */
  public async createTopic(topic: string, partitions: number): Promise<void> {
    if (!/^[A-Za-z0-9._-]+$/.test(topic)) throw new Error(`not a Kafka topic name: ${topic}`);
    // A topic two streams use (a ShuffleHog sink another stream reads) is created once.
    if (this.partitions.has(topic)) return;
    await this.command(`topic ${topic} ${Math.max(1, Math.floor(partitions))}`);
    this.partitions.set(topic, partitions);
  }

  /** Disconnects a broker (ids 1..brokers) and refuses new connections; leadership does not move. */
  public async brokerDown(id: number): Promise<void> {
    await this.command(`down ${id}`);
  }

  public async brokerUp(id: number): Promise<void> {
    await this.command(`up ${id}`);
  }

  /** Per partition: the group's committed offset and the watermarks, read without joining the group or committing. */
  public async offsets(topic: string, group: string): Promise<PartitionOffsets[]> {
    if (!/^[A-Za-z0-9._-]+$/.test(group)) throw new Error(`not a consumer group name: ${group}`);
    const lines = await this.command(`offsets ${group} ${topic}`);
    return lines.map((l) => {
      const [partition, committed, low, high] = l.split(' ').map(Number);
      return { partition, committed: committed >= 0 ? committed : -1, low, high };
    });
  }

  /**
   * Produces messages to a topic through the helper's producer, resolving once every one is
   * delivered (a message for a partition whose leader is down waits until it is back, up to 60 s).
   * Without a partition, messages go round-robin.
   */
  public async produce(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const partitions = Math.max(1, this.partitions.get(topic) ?? 1);
    const lines: string[] = [];
    for (const [n, m] of messages.entries()) {
      const key = m.key ?? `m${n}`;
      if (m.payload.includes('\n') || /\s/.test(key)) throw new Error(`a message for ${topic} has a newline in its payload or whitespace in its key`);
      lines.push(`produce ${topic} ${m.partition ?? n % partitions} ${key} ${m.payload}`);
    }
    await this.command([...lines, 'flush'].join('\n'));
  }

  /**
   * Produces through separate `kcat -P` processes (one per partition) instead of the helper, so
   * the helper keeps taking commands (a broker coming back) while these wait for a broker that
   * is down. Resolves once kcat has delivered every message.
   */
  public async produceApart(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const byPartition = new Map<number, OutgoingMessage[]>();
    const partitions = Math.max(1, this.partitions.get(topic) ?? 1);
    messages.forEach((m, n) => {
      const p = m.partition ?? n % partitions;
      byPartition.set(p, [...(byPartition.get(p) ?? []), m]);
    });
    await Promise.all([...byPartition].map(([p, batch]) => kcat(['-P', '-b', this.bootstrapServers, '-t', topic, '-p', String(p), '-K', '\t',
      '-X', 'message.timeout.ms=60000'], batch.map((m) => `${m.key ?? ''}\t${m.payload}`).join('\n') + '\n', 90_000)));
  }

  /** Partitions of a topic, as created. */
  public async partitionCount(topic: string): Promise<number> {
    return this.partitions.get(topic) ?? 0;
  }

  /** Every message on a topic from the beginning (`kcat -C -J -e`). */
  public async consumeAll(topic: string): Promise<KafkaMessage[]> {
    const out = await kcat(['-C', '-b', this.bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
    return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KafkaMessage);
  }

  /**
   * Consumer lag as the broker sees it: messages past the group's committed offsets (from the low
   * watermark where the group committed nothing on a partition). Reads offsets only: the probe
   * neither joins the group nor commits, so a group that never consumed shows its whole backlog.
   */
  public async uncommitted(topic: string, group: string): Promise<number> {
    return (await this.offsets(topic, group)).reduce((n, p) => n + Math.max(0, p.high - (p.committed >= 0 ? p.committed : p.low)), 0);
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
    for (const w of this.waiting.splice(0)) w(new Error('the mock Kafka cluster is stopped'));
    this.proc.stdin?.end();
    this.proc.kill('SIGKILL');
    live.delete(this.proc);
  }
}
