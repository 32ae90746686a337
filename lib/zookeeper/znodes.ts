import { Problems } from '../model/validation';

/** Debian's ZooKeeper command-line client (package `zookeeper`, which `zookeeperd` depends on). */
export const DEBIAN_ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

export interface CreateZnodesScriptProps {
  /** Znodes to create, parents first (e.g. `zookeeperRootZnodes(topology)`: `/clickhouse`, `/clickhouse/us`). */
  readonly znodes: readonly string[];
  /**
   * `host:port` of the ZooKeeper server to talk to.
   * @default 'localhost:2181'
   */
  readonly server?: string;
  /**
   * The zkCli.sh to run.
   * @default DEBIAN_ZKCLI
   */
  readonly zkCli?: string;
  /**
   * Seconds between attempts while the ensemble has no quorum yet.
   * @default 5
   */
  readonly retrySeconds?: number;
  /**
   * Minutes to keep trying before failing (systemd then restarts the unit).
   * @default 30
   */
  readonly deadlineMinutes?: number;
}

/** An absolute znode path; no segment starts with `.` (ZooKeeper rejects `.` and `..`), nothing a shell or zkCli would interpret. */
const ZNODE = /^(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;
const SERVER = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const ABSOLUTE_FILE = /^(\/[A-Za-z0-9_.-]+)+$/;

export function checkCreateZnodes(problems: Problems, field: string, p: CreateZnodesScriptProps): void {
  problems.check(Array.isArray(p.znodes) && p.znodes.length > 0, `${field}.znodes`, p.znodes, 'at least one znode');
  (p.znodes ?? []).forEach((z, i) => {
    problems.check(typeof z === 'string' && ZNODE.test(z), `${field}.znodes[${i}]`, z,
      'an absolute znode path such as /clickhouse/us (letters, digits, _, - and .; no . or .. segments)');
    if (i > 0 && typeof z === 'string') {
      const parent = z.slice(0, z.lastIndexOf('/')) || '/';
      problems.check(parent === '/' || p.znodes.slice(0, i).includes(parent), `${field}.znodes[${i}]`, z,
        `a znode whose parent (${parent}) is listed before it or is the root: ZooKeeper creates no parents`);
    }
  });
  problems.check(SERVER.test(p.server ?? 'localhost:2181'), `${field}.server`, p.server, 'host:port, e.g. localhost:2181');
  problems.check(ABSOLUTE_FILE.test(p.zkCli ?? DEBIAN_ZKCLI), `${field}.zkCli`, p.zkCli, 'an absolute path to zkCli.sh');
  problems.count(`${field}.retrySeconds`, p.retrySeconds ?? 5, 1, 300);
  problems.count(`${field}.deadlineMinutes`, p.deadlineMinutes ?? 30, 1, 1440);
}

/**
 * A script that creates znodes once ZooKeeper serves requests, idempotently: each `create` may
 * fail because the node is already there (a second run, another ensemble member running the same
 * script) or because there is no quorum yet (ConnectionLoss); `stat` then tells which, and only a
 * missing node is retried. ClickHouse needs its region's root this way: it treats `<root>` as a
 * chroot and refuses to use ZooKeeper until it exists.
 */
export function renderCreateZnodesScript(p: CreateZnodesScriptProps): string {
  const problems = new Problems();
  checkCreateZnodes(problems, 'znodes', p);
  problems.throwIfAny('ZooKeeper znodes script');
  return [
    '#!/bin/bash',
    '# Creates znodes ClickHouse needs (its chroot) once ZooKeeper has quorum; safe to run again and on every node.',
    'set -uo pipefail',
    `zkcli='${p.zkCli ?? DEBIAN_ZKCLI}'`,
    `server='${p.server ?? 'localhost:2181'}'`,
    `deadline=$(( $(date +%s) + ${(p.deadlineMinutes ?? 30) * 60} ))`,
    'exists() { timeout 60 "$zkcli" -server "$server" stat "$1" >/dev/null 2>&1; }',
    'ensure() {',
    '  local znode="$1"',
    '  until exists "$znode"; do',
    '    # An error here is "Node already exists" (fine) or no quorum yet (retried after stat).',
    '    timeout 60 "$zkcli" -server "$server" create "$znode" \'\' >/dev/null 2>&1 || true',
    '    exists "$znode" && break',
    '    if [ "$(date +%s)" -ge "$deadline" ]; then echo "gave up creating $znode on $server" >&2; exit 1; fi',
    `    echo "$znode not created yet (no quorum on $server?), retrying" >&2; sleep ${p.retrySeconds ?? 5}`,
    '  done',
    '  echo "$znode exists"',
    '}',
    ...p.znodes.map((z) => `ensure '${z}'`),
    '',
  ].join('\n');
}
