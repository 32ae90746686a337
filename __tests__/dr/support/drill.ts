import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { create } from 'xmlbuilder2';
import { Topology } from '../../../lib/model';
import { RenderedFile } from '../../../lib/render/file';

/** Whether a command runs (`which`-like, without a shell). */
export function hasCommand(command: string, args: readonly string[]): boolean {
  return spawnSync(command, [...args], { stdio: 'ignore' }).status === 0;
}

/** Debian's python3 (not a pyenv shim) with python3-confluent-kafka, for committing offsets offline. */
export const PYTHON = '/usr/bin/python3';
export const hasConfluentKafka = hasCommand(PYTHON, ['-c', 'import confluent_kafka']);
export const hasKcat = hasCommand('kcat', ['-V']);

/** librdkafka's mock cluster started through kcat; it serves clients until `stop()`. */
export class MockKafka {
  public static async start(): Promise<MockKafka> {
    // The mock logs a lot on stderr: into a file, never a pipe that a blocked event loop stops draining.
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mock-kafka-')), 'stderr.log');
    const fd = fs.openSync(log, 'w');
    const child = spawn('kcat', ['-P', '-t', 'boot', '-X', 'test.mock.num.brokers=1', '-d', 'mock', '-b', 'localhost:1'],
      { stdio: ['pipe', 'ignore', fd] });
    fs.closeSync(fd);
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      const m = /bootstrap\.servers=(\S+)/.exec(fs.readFileSync(log, 'utf8'));
      if (m) return new MockKafka(child, m[1], path.dirname(log));
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill();
    const tail = fs.readFileSync(log, 'utf8').slice(-500);
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
    throw new Error(`kcat mock cluster did not start: ${tail}`);
  }

  private constructor(private readonly child: ChildProcess, public readonly bootstrap: string, private readonly logDir: string) {}

  /** Produces one message per line (no key: spread over partitions; the mock auto-creates topics with 4). */
  public produce(topic: string, lines: readonly string[]): void {
    const r = spawnSync('kcat', ['-P', '-b', this.bootstrap, '-t', topic], { input: lines.join('\n') + '\n' });
    if (r.status !== 0) throw new Error(`kcat produce failed: ${r.stderr}`);
  }

  public stop(): void {
    this.child.stdin?.end();
    this.child.kill();
    fs.rmSync(this.logDir, { recursive: true, force: true });
  }
}

/** Resets a group to a time the way `kafka-consumer-groups.sh --to-datetime --execute` does, offline. */
export function resetOffsetsToDatetime(bootstrap: string, group: string, topic: string, epochMs: number): string {
  const script = path.join(__dirname, 'reset_offsets_to_datetime.py');
  const r = spawnSync(PYTHON, [script, bootstrap, group, topic, String(epochMs)], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`offset reset failed: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/**
 * The config of one engine standing in for a storage node and an ingestion node at once: every
 * cluster's replicas point at the engine itself (`localhost` on its own tcp_port, where nothing
 * needs to listen), and each backend's named collection names the mock broker. (Literally: chdb
 * keeps the environment it had when it was loaded, so `from_env` cannot see a port chosen later.)
 */
export function drillNodeConfig(topology: Topology, tcpPort: number, backupDir: string, bootstrap: string): RenderedFile {
  const root = create({ version: '1.0' }).ele('clickhouse');
  root.ele('tcp_port').txt(String(tcpPort));
  const remote = root.ele('remote_servers');
  for (const c of topology.clusters) {
    const shard = remote.ele(c.name).ele('shard');
    shard.ele('internal_replication').txt('true');
    shard.ele('replica').ele('host').txt('localhost').up().ele('port').txt(String(tcpPort));
  }
  const named = root.ele('named_collections');
  for (const b of topology.kafkaBackends) {
    const collection = named.ele(b.name);
    collection.ele('kafka_broker_list').txt(bootstrap);
    // A lost region's consumers stay in the group until their session expires: keep that short
    // here (ClickHouse applies it per collection; the global <kafka> value does not reach the group).
    // The drill rebuilds the region in one process, where a dropped table's consumer may outlive
    // the table and still count in the group without polling; a new member's join waits on such a
    // member for up to its rebalance timeout (max.poll.interval.ms, 5 minutes by default). 10 s
    // here: with a member that had stopped polling, the new consumers' rows landed in 6 s, not 11.
    collection.ele('kafka').ele('session_timeout_ms').txt('6000').up().ele('max_poll_interval_ms').txt('10000');
  }
  root.ele('storage_configuration').ele('disks').ele('backups').ele('type').txt('local').up().ele('path').txt(`${backupDir}/`);
  root.ele('backups').ele('allowed_disk').txt('backups').up().ele('allowed_path').txt(`${backupDir}/`);
  return { path: 'config.d/drill.xml', content: root.end({ prettyPrint: true }) };
}

/** Polls `read` until it returns `want` or the time is up; returns the last value. */
export async function waitFor<T>(read: () => T | Promise<T>, want: T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}
