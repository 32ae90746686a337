/**
 * The host exporters: small Python programs (standard library only, Python 3 is on every Debian
 * image cloud-init runs on) that serves Prometheus text on the EC2 hosts where nothing else does.
 *
 * - `zookeeper-exporter`, on ZooKeeper nodes, port 7000. Debian's zookeeper 3.8.0 package ships no
 *   Prometheus metrics provider (org.apache.zookeeper.metrics.prometheus is not in its jars), so
 *   the exporter reads `mntr` on the client port (whitelisted by default) and adds what ZooKeeper
 *   does not report: snapshot and transaction-log files in dataDir and the volume's free bytes —
 *   the signals of the runbook's snapshot incident.
 * - `clickhouse-table-exporter`, on storage hosts, port 9364: rows of every dead-letter table
 *   (`<stream>_dead_letters`), from one query on localhost as the `default` user (confined to
 *   loopback), `readonly=1`. ClickHouse's own endpoint (9363) has no per-table metrics.
 */
import { DEAD_LETTER_ROWS, DEAD_LETTER_TABLE_SUFFIX } from './metrics';

export const ZOOKEEPER_EXPORTER_PORT = 7000;
export const CLICKHOUSE_TABLE_EXPORTER_PORT = 9364;
export const ZOOKEEPER_EXPORTER_PATH = '/usr/local/bin/zookeeper-exporter';
export const TABLE_EXPORTER_PATH = '/usr/local/bin/clickhouse-table-exporter';
export const ZOOKEEPER_EXPORTER_UNIT = 'zookeeper-exporter.service';
export const CLICKHOUSE_TABLE_EXPORTER_UNIT = 'clickhouse-table-exporter.service';

/**
 * The query behind `clickhouse_ingest_dead_letter_rows{database, table}`: ClickHouse's Prometheus
 * output format, one sample per dead-letter table of the database (a query parameter).
 */
export const DEAD_LETTER_QUERY = [
  `SELECT '${DEAD_LETTER_ROWS}' AS name, toFloat64(ifNull(rows, 0)) AS value,`,
  "map('database', db, 'table', tbl) AS labels,",
  "'Rows in a stream dead-letter table on this replica' AS help, 'gauge' AS type",
  'FROM (SELECT database AS db, name AS tbl, total_rows AS rows FROM system.tables',
  `WHERE database = {db:String} AND endsWith(name, '${DEAD_LETTER_TABLE_SUFFIX}') AND rows IS NOT NULL)`,
  'ORDER BY tbl FORMAT Prometheus',
].join(' ');

const SCRIPT = String.raw`#!/usr/bin/env python3
"""ZooKeeper exporter of cdktf-clickhouse-ingest (generated; do not edit): mntr plus dataDir files.

  zookeeper-exporter --port 7000 --zookeeper localhost:2181 --data-dir DIR [--data-log-dir DIR]
"""
import argparse
import http.server
import os
import re
import socket
import sys
import urllib.parse
import urllib.request

SERVER_STATES = ("leader", "follower", "observer", "standalone")


def sample(lines, name, value, help_text, labels=None):
    if not any(line.startswith("# HELP " + name + " ") for line in lines):
        lines.append("# HELP " + name + " " + help_text)
        lines.append("# TYPE " + name + " gauge")
    text = ""
    if labels:
        text = "{" + ",".join(k + '="' + v + '"' for k, v in sorted(labels.items())) + "}"
    lines.append(name + text + " " + repr(float(value)))


def mntr(address, timeout):
    host, _, port = address.rpartition(":")
    with socket.create_connection((host or "localhost", int(port)), timeout=timeout) as conn:
        conn.sendall(b"mntr")
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    values = {}
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("\t")
        if sep and key.startswith("zk_"):
            values[key[3:]] = value.strip()
    return values


def files(directory, prefix):
    count = size = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0, 0
    for name in names:
        if name.startswith(prefix):
            count += 1
            try:
                size += os.path.getsize(os.path.join(directory, name))
            except OSError:
                pass
    return count, size


def zookeeper_metrics(args):
    lines = []
    try:
        values = mntr(args.zookeeper, args.timeout)
    except OSError:
        values = {}
    sample(lines, "zookeeper_up", 1 if values else 0, "1 when mntr answered on the client port")
    for key in sorted(values):
        if key == "server_state" or not re.fullmatch(r"[a-z_]+", key):
            continue
        try:
            number = float(values[key])
        except ValueError:
            continue
        # Prometheus reserves the _count suffix for histograms and summaries.
        name = "zookeeper_" + (key[:-6] + "_number" if key.endswith("_count") else key)
        sample(lines, name, number, "mntr zk_" + key)
    state = values.get("server_state")
    if state:
        for known in SERVER_STATES:
            sample(lines, "zookeeper_server_state", 1 if state == known else 0, "1 for the role this node has", {"state": known})
    snapshots, snapshot_bytes = files(os.path.join(args.data_dir, "version-2"), "snapshot.")
    logs, log_bytes = files(os.path.join(args.data_log_dir or args.data_dir, "version-2"), "log.")
    sample(lines, "zookeeper_snapshot_files", snapshots, "snapshot files in dataDir/version-2")
    sample(lines, "zookeeper_snapshot_bytes", snapshot_bytes, "bytes of snapshot files in dataDir/version-2")
    sample(lines, "zookeeper_txnlog_files", logs, "transaction log files in dataLogDir/version-2")
    sample(lines, "zookeeper_txnlog_bytes", log_bytes, "bytes of transaction log files")
    try:
        stat = os.statvfs(args.data_dir)
        sample(lines, "zookeeper_data_dir_free_bytes", stat.f_bavail * stat.f_frsize, "bytes free on the dataDir volume")
        sample(lines, "zookeeper_data_dir_size_bytes", stat.f_blocks * stat.f_frsize, "size of the dataDir volume")
    except OSError:
        pass
    return "\n".join(lines) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(prog="zookeeper-exporter")
    parser.add_argument("--listen", default="0.0.0.0")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--zookeeper", default="localhost:2181")
    parser.add_argument("--data-dir", default="/var/lib/zookeeper")
    parser.add_argument("--data-log-dir")
    args = parser.parse_args(argv)
    render = zookeeper_metrics

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = render(args).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    http.server.ThreadingHTTPServer((args.listen, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
`;

/** The ZooKeeper exporter program. */
export function renderZooKeeperExporter(): string {
  return SCRIPT;
}

// Kept small: a storage host's user data is close to EC2's 16 KB limit.
const TABLE_EXPORTER = String.raw`#!/usr/bin/env python3
# Dead-letter rows of the local ClickHouse for Prometheus (cdktf-clickhouse-ingest; do not edit). Args: PORT DATABASE [URL]
import http.server, sys, urllib.parse, urllib.request
URL = (sys.argv[3] if len(sys.argv) > 3 else "http://localhost:8123/") + "?" + urllib.parse.urlencode({"query": __QUERY__, "param_db": sys.argv[2], "readonly": "1"})
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            return self.send_error(404)
        try:
            body, up = urllib.request.urlopen(URL, timeout=5).read(), 1
        except Exception:
            body, up = b"", 0
        body = ("# HELP clickhouse_ingest_exporter_up 1 when the local ClickHouse answered\n# TYPE clickhouse_ingest_exporter_up gauge\n"
                "clickhouse_ingest_exporter_up %d\n" % up).encode() + body
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *_):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
`;

/** The dead-letter exporter of storage hosts, with its query. */
export function renderTableExporter(): string {
  return TABLE_EXPORTER.replace('__QUERY__', () => JSON.stringify(DEAD_LETTER_QUERY));
}

/** systemd unit of the exporter on a ZooKeeper node. */
export function renderZooKeeperExporterUnit(o: { clientPort: number; dataDir: string; dataLogDir?: string }): string {
  const args = [`--port ${ZOOKEEPER_EXPORTER_PORT} --zookeeper localhost:${o.clientPort} --data-dir ${o.dataDir}`,
    ...(o.dataLogDir !== undefined ? [`--data-log-dir ${o.dataLogDir}`] : [])].join(' ');
  return [
    '[Unit]', 'Description=Prometheus exporter of ZooKeeper (mntr, dataDir files)', 'After=zookeeper.service', '',
    '[Service]', `ExecStart=/usr/bin/python3 ${ZOOKEEPER_EXPORTER_PATH} ${args}`, 'User=zookeeper', 'Restart=always', 'RestartSec=5',
    'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n');
}

/** systemd unit of the exporter on a storage host. */
export function renderClickHouseTableExporterUnit(database: string): string {
  return [
    '[Unit]', 'Description=Prometheus exporter of ClickHouse dead-letter tables', 'After=clickhouse-server.service', '',
    '[Service]', `ExecStart=/usr/bin/python3 ${TABLE_EXPORTER_PATH} ${CLICKHOUSE_TABLE_EXPORTER_PORT} ${database}`,
    'DynamicUser=yes', 'Restart=always', 'RestartSec=5', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n');
}
