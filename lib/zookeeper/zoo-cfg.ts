import { DNS_NAME } from '../model/names';
import type { ZooKeeperNode } from '../model/topology';
import { Problems } from '../model/validation';
import type { RenderedFile } from '../render/file';

/**
 * Snapshot and transaction-log cleanup. ZooKeeper keeps every snapshot by default and fills its
 * disk (the PostHog runbook's failure mode), so cleanup is on unless switched off with a reason.
 */
export interface ZooKeeperAutopurgeOptions {
  /**
   * Hours between cleanups; 0 turns cleanup off and then needs `disabledReason`.
   * @default 1
   */
  readonly purgeIntervalHours?: number;
  /**
   * Snapshots (and their transaction logs) kept; ZooKeeper's own minimum is 3.
   * @default 3
   */
  readonly snapRetainCount?: number;
  /**
   * Why cleanup is off (e.g. `zkCleanup.sh runs from cron`). Required when `purgeIntervalHours` is 0,
   * rejected otherwise, so that turning cleanup off is always a written decision.
   * @default - cleanup is on
   */
  readonly disabledReason?: string;
}

export interface ZooCfgOptions {
  /**
   * Snapshot directory (`dataDir`); `myid` lives here.
   * @default '/var/lib/zookeeper'
   */
  readonly dataDir?: string;
  /**
   * Transaction log directory (`dataLogDir`), ideally on its own volume.
   * @default - inside dataDir
   */
  readonly dataLogDir?: string;
  /**
   * Client port. Every node of the ensemble uses the same one.
   * @default the nodes' `clientPort`
   */
  readonly clientPort?: number;
  /** @default 2000 (ms) */
  readonly tickTime?: number;
  /** @default 10 (ticks) */
  readonly initLimit?: number;
  /** @default 5 (ticks) */
  readonly syncLimit?: number;
  /**
   * Port followers use to talk to the leader.
   * @default 2888
   */
  readonly quorumPort?: number;
  /**
   * Port of leader election.
   * @default 3888
   */
  readonly electionPort?: number;
  /** @default autopurge every hour, keeping 3 snapshots */
  readonly autopurge?: ZooKeeperAutopurgeOptions;
  /**
   * Four-letter-word commands answered on the client port; kept short because several
   * (`dump`, `cons`, `wchc`) leak session details and some (`crst`, `srst`) reset statistics.
   * @default ['ruok', 'mntr', 'srvr']
   */
  readonly fourLetterWords?: readonly string[];
  /**
   * Host a node's `server.N` line names.
   * @default the node's fqdn
   */
  readonly hostOf?: (node: ZooKeeperNode) => string;
}

/** Options with every default applied. */
export interface ResolvedZooCfgOptions {
  readonly dataDir: string;
  readonly dataLogDir?: string;
  readonly clientPort: number;
  readonly tickTime: number;
  readonly initLimit: number;
  readonly syncLimit: number;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly purgeIntervalHours: number;
  readonly snapRetainCount: number;
  readonly fourLetterWords: readonly string[];
}

export const ZOOKEEPER_DEFAULTS = {
  dataDir: '/var/lib/zookeeper',
  clientPort: 2181,
  tickTime: 2000,
  initLimit: 10,
  syncLimit: 5,
  quorumPort: 2888,
  electionPort: 3888,
  purgeIntervalHours: 1,
  snapRetainCount: 3,
  fourLetterWords: ['ruok', 'mntr', 'srvr'],
} as const;

/** Every four-letter word ZooKeeper 3.8 knows. */
const KNOWN_FOUR_LETTER_WORDS = [
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'stmk', 'wchc', 'wchp', 'wchs',
];
const MAX_FOUR_LETTER_WORDS = 5;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * Validates ensemble and options, collecting every problem, and applies the defaults.
 * Throws one `TopologyValidationError` when anything is wrong.
 */
export function resolveZooCfgOptions(nodes: readonly ZooKeeperNode[], options: ZooCfgOptions = {}): ResolvedZooCfgOptions {
  const problems = new Problems();
  collectZooCfgProblems(problems, nodes, options);
  problems.throwIfAny('ZooKeeper configuration');
  return applyDefaults(nodes, options);
}

/** Adds every problem of an ensemble and its options to `problems` (for callers that validate more at once). */
export function collectZooCfgProblems(problems: Problems, nodes: readonly ZooKeeperNode[], options: ZooCfgOptions = {}): void {
  const count = Array.isArray(nodes) ? nodes.length : 0;
  problems.check(count % 2 === 1, 'zookeeper.nodes', count,
    'an odd number of nodes (an even ensemble tolerates no more failures than the odd one below it and can split votes)');
  if (Array.isArray(nodes)) {
    nodes.forEach((n, i) => {
      problems.check(Number.isInteger(n.id) && n.id >= 1 && n.id <= 255, `zookeeper.nodes[${i}].id`, n.id, 'a server id (myid) from 1 to 255');
      const host = options.hostOf ? options.hostOf(n) : n.fqdn;
      problems.check(typeof host === 'string' && (DNS_NAME.test(host) || IPV4.test(host)), `zookeeper.nodes[${i}].host`, host,
        'a lower-case DNS name or an IPv4 address');
    });
    const ids = nodes.map((n) => n.id);
    problems.check(new Set(ids).size === ids.length, 'zookeeper.nodes[].id', ids, 'distinct server ids');
    const ports = new Set(nodes.map((n) => n.clientPort));
    problems.check(options.clientPort !== undefined || ports.size <= 1, 'zookeeper.nodes[].clientPort', [...ports],
      'one client port for the whole ensemble');
  }
  const o = applyDefaults(Array.isArray(nodes) ? nodes : [], options);
  problems.check(ABSOLUTE_PATH.test(o.dataDir), 'zookeeper.dataDir', o.dataDir, 'an absolute path of letters, digits, ., _, - and /');
  if (o.dataLogDir !== undefined) {
    problems.check(ABSOLUTE_PATH.test(o.dataLogDir), 'zookeeper.dataLogDir', o.dataLogDir, 'an absolute path of letters, digits, ., _, - and /');
  }
  for (const key of ['clientPort', 'quorumPort', 'electionPort'] as const) problems.count(`zookeeper.${key}`, o[key], 1, 65535);
  const ports = [o.clientPort, o.quorumPort, o.electionPort];
  problems.check(new Set(ports).size === ports.length, 'zookeeper ports', ports, 'distinct client, quorum and election ports');
  problems.count('zookeeper.tickTime', o.tickTime, 100, 60_000);
  problems.count('zookeeper.initLimit', o.initLimit, 1, 1000);
  problems.count('zookeeper.syncLimit', o.syncLimit, 1, 1000);

  // Autopurge: the runbook's lesson (snapshots fill the disk) is a default, and turning it off is written down.
  const a = options.autopurge ?? {};
  const interval = o.purgeIntervalHours;
  if (problems.count('zookeeper.autopurge.purgeIntervalHours', interval, 0, 24 * 7)) {
    const reason = a.disabledReason;
    if (interval === 0) {
      problems.check(typeof reason === 'string' && reason.trim().length >= 10, 'zookeeper.autopurge.disabledReason', reason,
        'a written reason (10 characters or more) when purgeIntervalHours is 0: without cleanup, old snapshots fill the disk');
    } else {
      problems.check(reason === undefined, 'zookeeper.autopurge.disabledReason', reason,
        'no reason unless purgeIntervalHours is 0 (cleanup is on)');
    }
  }
  problems.check(Number.isInteger(o.snapRetainCount) && o.snapRetainCount >= 3 && o.snapRetainCount <= 1000,
    'zookeeper.autopurge.snapRetainCount', o.snapRetainCount, 'a whole number from 3 to 1000 (ZooKeeper\'s minimum is 3)');

  const words = o.fourLetterWords;
  if (problems.check(Array.isArray(words) && words.length >= 1 && words.length <= MAX_FOUR_LETTER_WORDS,
    'zookeeper.fourLetterWords', words, `1 to ${MAX_FOUR_LETTER_WORDS} commands (keep the whitelist short; never *)`)) {
    words.forEach((w, i) => problems.check(KNOWN_FOUR_LETTER_WORDS.includes(w), `zookeeper.fourLetterWords[${i}]`, w,
      `one of ${KNOWN_FOUR_LETTER_WORDS.join(', ')}`));
    problems.check(new Set(words).size === words.length, 'zookeeper.fourLetterWords', words, 'distinct commands');
  }
}

function applyDefaults(nodes: readonly ZooKeeperNode[], options: ZooCfgOptions): ResolvedZooCfgOptions {
  const d = ZOOKEEPER_DEFAULTS;
  return {
    dataDir: options.dataDir ?? d.dataDir,
    dataLogDir: options.dataLogDir,
    clientPort: options.clientPort ?? nodes[0]?.clientPort ?? d.clientPort,
    tickTime: options.tickTime ?? d.tickTime,
    initLimit: options.initLimit ?? d.initLimit,
    syncLimit: options.syncLimit ?? d.syncLimit,
    quorumPort: options.quorumPort ?? d.quorumPort,
    electionPort: options.electionPort ?? d.electionPort,
    purgeIntervalHours: options.autopurge?.purgeIntervalHours ?? d.purgeIntervalHours,
    snapRetainCount: options.autopurge?.snapRetainCount ?? d.snapRetainCount,
    fourLetterWords: options.fourLetterWords ? [...options.fourLetterWords] : [...d.fourLetterWords],
  };
}

/**
 * `zoo.cfg` of an ensemble: the same file on every node (each node finds itself by its `myid`).
 * Validates first and throws one `TopologyValidationError` listing every problem.
 */
export function renderZooCfg(nodes: readonly ZooKeeperNode[], options: ZooCfgOptions = {}): string {
  const o = resolveZooCfgOptions(nodes, options);
  const hostOf = options.hostOf ?? ((n: ZooKeeperNode) => n.fqdn);
  const lines = [
    '# Rendered by cdktf-clickhouse-ingest. The same file on every node; each node reads its id from dataDir/myid.',
    `tickTime=${o.tickTime}`,
    `initLimit=${o.initLimit}`,
    `syncLimit=${o.syncLimit}`,
    `dataDir=${o.dataDir}`,
    ...(o.dataLogDir !== undefined ? [`dataLogDir=${o.dataLogDir}`] : []),
    `clientPort=${o.clientPort}`,
    '# Old snapshots and transaction logs fill the disk unless purged (PostHog ZooKeeper runbook).',
    `autopurge.purgeInterval=${o.purgeIntervalHours}`,
    `autopurge.snapRetainCount=${o.snapRetainCount}`,
    `4lw.commands.whitelist=${o.fourLetterWords.join(', ')}`,
    '# The embedded admin HTTP server listens on 8080 on every interface: nobody here needs it.',
    'admin.enableServer=false',
    ...[...nodes].sort((a, b) => a.id - b.id).map((n) => `server.${n.id}=${hostOf(n)}:${o.quorumPort}:${o.electionPort}`),
  ];
  return lines.join('\n') + '\n';
}

/** The content of a node's `dataDir/myid`. */
export function renderMyId(node: Pick<ZooKeeperNode, 'id'>): string {
  return `${node.id}\n`;
}

/** Files of one ZooKeeper node, with absolute paths: its zoo.cfg and its myid. */
export function renderZooKeeperNodeFiles(
  nodes: readonly ZooKeeperNode[], node: ZooKeeperNode, options: ZooCfgOptions = {}, configDir = '/etc/zookeeper/conf',
): RenderedFile[] {
  const o = resolveZooCfgOptions(nodes, options);
  return [
    { path: `${configDir}/zoo.cfg`, content: renderZooCfg(nodes, options) },
    { path: `${o.dataDir}/myid`, content: renderMyId(node) },
  ];
}

/** `host:port` of every node: what a ZooKeeper client (ClickHouse's `<zookeeper>`) connects to. */
export function zooKeeperConnectionNodes(nodes: readonly ZooKeeperNode[]): { host: string; port: number }[] {
  return nodes.map((n) => ({ host: n.fqdn, port: n.clientPort }));
}
