import * as fs from 'fs';
import * as net from 'net';
import { buildTopology, TopologySpec } from '../../lib/model';
import { bundleFromTopology, RehearsalBundle } from '../../lib/rehearsal/bundle';
import { zooKeeperProblem } from '../../lib/rehearsal/local-zookeeper';
import { kcatAvailable, mockHelperProblem } from '../../lib/rehearsal/mock-kafka';

/**
 * The end-to-end tests need Debian's kcat (produces and reads), gcc and librdkafka-dev (the mock
 * Kafka helper) and zookeeper (the storage half); without one they skip, saying which.
 */
const missing = [
  kcatAvailable() ? undefined : 'kcat is not installed (apt-get install kcat)',
  mockHelperProblem(),
  zooKeeperProblem(),
].filter((x): x is string => x !== undefined);
export const hasKcat = missing.length === 0;
if (!hasKcat) console.warn(`Rehearsal and drill tests that run engines are skipped: ${missing.join('; ')}`);

export const withKcat = hasKcat ? test : test.skip;

export function bundleOf(spec: TopologySpec): RehearsalBundle {
  return bundleFromTopology(buildTopology(spec));
}

/** Runs tasks at most `limit` at a time (engines are CPU-heavy while they start), keeping each one's promise. */
export function limited<T>(limit: number, tasks: Record<string, () => Promise<T>>): Record<string, Promise<T>> {
  const queue = Object.entries(tasks);
  const out: Record<string, Promise<T>> = {};
  let running = 0;
  const waiters: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    while (running >= limit) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const release = (): void => {
    running--;
    waiters.shift()?.();
  };
  for (const [name, task] of queue) {
    out[name] = (async () => {
      await slot();
      try {
        return await task();
      } finally {
        release();
      }
    })();
    // Unobserved until its test awaits it; never an unhandled rejection meanwhile.
    out[name].catch(() => undefined);
  }
  return out;
}

/** This process's children running the mock Kafka helper, from /proc (`<pid> (<comm>) <state> <ppid> …`). */
export function helperPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = /^\d+ \((.*)\) \S+ (\d+) /.exec(fs.readFileSync(`/proc/${d}/stat`, 'utf8'));
      return stat !== null && stat[1] === 'mock-cluster' && Number(stat[2]) === process.pid;
    } catch {
      return false; // ended while being read
    }
  }).map(Number);
}

/** A Kafka protocol string (int16 length, then the bytes). */
function kafkaString(s: string): Buffer {
  const bytes = Buffer.from(s);
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function int(bytes: 2 | 4, n: number): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 2) b.writeInt16BE(n);
  else b.writeInt32BE(n);
  return b;
}

/**
 * Crashes librdkafka's mock coordinator the way CI saw it crash (rdkafka_mock_cgrp.c: assertion
 * `!member->resp`): two JoinGroup requests (v0, written by hand: no client sends a member id it
 * was not given) under one member id, the second while the first still waits for the group to
 * form. Sent to every broker of the cluster; the ones not coordinating the group refuse at once.
 */
export async function crashMockCoordinator(bootstrapServers: string): Promise<void> {
  const body = Buffer.concat([int(2, 11), int(2, 0), int(4, 1), kafkaString('crash-test'), // JoinGroup v0, correlation 1, client id
    kafkaString('stand-in-crash'), int(4, 6000), kafkaString('one-member-id'), kafkaString('consumer'),
    int(4, 1), kafkaString('range'), int(4, 0)]); // one protocol, empty metadata
  const request = Buffer.concat([int(4, body.length), body]);
  const sockets: net.Socket[] = [];
  const send = (host: string, port: number): Promise<void> => new Promise((resolve) => {
    const socket = net.connect(port, host, () => socket.write(request, () => resolve()));
    socket.on('error', () => resolve()); // the coordinator's end closes it
    sockets.push(socket);
  });
  try {
    for (const server of bootstrapServers.split(',')) {
      const [host, port] = [server.slice(0, server.lastIndexOf(':')), Number(server.slice(server.lastIndexOf(':') + 1))];
      await send(host, port);
      await new Promise((r) => setTimeout(r, 100));
      await send(host, port);
    }
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    for (const s of sockets) s.destroy();
  }
}
