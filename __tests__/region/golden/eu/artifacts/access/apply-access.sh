#!/bin/sh
# Applies the region's access roles, grants and client users on every node (rendered by cdktf-clickhouse-ingest; see docs/schema.md).
# Usage: apply-access.sh TRIES fail|skip [STATEMENT_TRIES]. Every statement is idempotent: the whole script runs on every run.
set -eu
TRIES="${1:-120}"
UNREACHABLE="${2:-fail}"
# A storage host reads a changed migrator user within its config refresh (5 minutes): a statement may be retried until then.
STATEMENT_TRIES="${3:-1}"
RETRY_SECONDS="${ACCESS_RETRY_SECONDS:-10}"
ch() { clickhouse-client --host "$1" --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --format TSV; }
fail() { echo "access: $*" >&2; exit 1; }
# A SQL string literal of $1: backslashes and quotes escaped.
sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }
[ -n "${CLICKHOUSE_WRITER_PASSWORD-}" ] || fail 'CLICKHOUSE_WRITER_PASSWORD is not set: the password of posthog_writer_user (Secret clickhouse-writer, key password)'
[ -n "${CLICKHOUSE_READER_PASSWORD-}" ] || fail 'CLICKHOUSE_READER_PASSWORD is not set: the password of posthog_reader_user (Secret clickhouse-reader, key password)'
SKIPPED=0
up() { # host: 0 once it answers; after TRIES tries fails the run, or skips the node
  tries=0
  until echo "SELECT 1" | ch "$1" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$TRIES" ]; then
      [ "$UNREACHABLE" = skip ] || fail "$1 did not answer after $TRIES tries; nothing was changed on it"
      echo "skipping $1 (not answering); the next run applies its access"
      SKIPPED=$((SKIPPED + 1))
      return 1
    fi
    sleep "$RETRY_SECONDS"
  done
}
run() { # host what; the statement on stdin, retried STATEMENT_TRIES times
  sql=$(cat); n=0
  until printf '%s\n' "$sql" | ch "$1" >/dev/null; do
    n=$((n + 1))
    [ "$n" -lt "$STATEMENT_TRIES" ] || fail "$2 failed on $1 (tried $n times)"
    sleep "$RETRY_SECONDS"
  done
}
access_data() { # host
  run "$1" 'role_posthog_ingestion_writer' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_ingestion_writer
SQL
  run "$1" 'role_posthog_migrator' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_migrator
SQL
  run "$1" 'role_posthog_reader' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_reader
SQL
  run "$1" 'grant_posthog_ingestion_writer_events_dead_letters' <<'SQL'
GRANT INSERT ON posthog.events_dead_letters TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_groups' <<'SQL'
GRANT INSERT ON posthog.groups TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_groups_dead_letters' <<'SQL'
GRANT INSERT ON posthog.groups_dead_letters TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_heatmaps_dead_letters' <<'SQL'
GRANT INSERT ON posthog.heatmaps_dead_letters TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_sharded_events' <<'SQL'
GRANT INSERT ON posthog.sharded_events TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_sharded_heatmaps' <<'SQL'
GRANT INSERT ON posthog.sharded_heatmaps TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_migrator' <<'SQL'
GRANT CREATE DATABASE, CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW, SELECT, SYSTEM SYNC REPLICA ON posthog.* TO posthog_migrator
SQL
  run "$1" 'grant_posthog_reader' <<'SQL'
GRANT SELECT ON posthog.* TO posthog_reader
SQL
  printf '%s%s%s\n' 'CREATE USER IF NOT EXISTS posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\''' | run "$1" 'CREATE USER of posthog_writer_user'
  run "$1" 'GRANT posthog_ingestion_writer of posthog_writer_user' <<'SQL'
GRANT posthog_ingestion_writer TO posthog_writer_user
SQL
  printf '%s%s%s\n' 'ALTER USER posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\'' DEFAULT ROLE posthog_ingestion_writer' | run "$1" 'ALTER USER of posthog_writer_user'
  printf '%s%s%s\n' 'CREATE USER IF NOT EXISTS posthog_reader_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_READER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\''' | run "$1" 'CREATE USER of posthog_reader_user'
  run "$1" 'GRANT posthog_reader of posthog_reader_user' <<'SQL'
GRANT posthog_reader TO posthog_reader_user
SQL
  printf '%s%s%s\n' 'ALTER USER posthog_reader_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_READER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\'' DEFAULT ROLE posthog_reader' | run "$1" 'ALTER USER of posthog_reader_user'
}
access_small() { # host
  run "$1" 'role_posthog_ingestion_writer' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_ingestion_writer
SQL
  run "$1" 'role_posthog_migrator' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_migrator
SQL
  run "$1" 'grant_posthog_ingestion_writer_writable_groups' <<'SQL'
GRANT INSERT ON posthog.writable_groups TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_writable_groups_dead_letters' <<'SQL'
GRANT INSERT ON posthog.writable_groups_dead_letters TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_migrator' <<'SQL'
GRANT CREATE DATABASE, CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW, SELECT ON posthog.* TO posthog_migrator
SQL
  printf '%s%s%s\n' 'CREATE USER IF NOT EXISTS posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\''' | run "$1" 'CREATE USER of posthog_writer_user'
  run "$1" 'GRANT posthog_ingestion_writer of posthog_writer_user' <<'SQL'
GRANT posthog_ingestion_writer TO posthog_writer_user
SQL
  printf '%s%s%s\n' 'ALTER USER posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\'' DEFAULT ROLE posthog_ingestion_writer' | run "$1" 'ALTER USER of posthog_writer_user'
}
access_medium() { # host
  run "$1" 'role_posthog_ingestion_writer' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_ingestion_writer
SQL
  run "$1" 'role_posthog_migrator' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_migrator
SQL
  run "$1" 'grant_posthog_ingestion_writer_writable_heatmaps' <<'SQL'
GRANT INSERT ON posthog.writable_heatmaps TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_writable_heatmaps_dead_letters' <<'SQL'
GRANT INSERT ON posthog.writable_heatmaps_dead_letters TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_migrator' <<'SQL'
GRANT CREATE DATABASE, CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW, SELECT ON posthog.* TO posthog_migrator
SQL
  printf '%s%s%s\n' 'CREATE USER IF NOT EXISTS posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\''' | run "$1" 'CREATE USER of posthog_writer_user'
  run "$1" 'GRANT posthog_ingestion_writer of posthog_writer_user' <<'SQL'
GRANT posthog_ingestion_writer TO posthog_writer_user
SQL
  printf '%s%s%s\n' 'ALTER USER posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\'' DEFAULT ROLE posthog_ingestion_writer' | run "$1" 'ALTER USER of posthog_writer_user'
}
access_events() { # host
  run "$1" 'role_posthog_ingestion_writer' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_ingestion_writer
SQL
  run "$1" 'role_posthog_migrator' <<'SQL'
CREATE ROLE IF NOT EXISTS posthog_migrator
SQL
  run "$1" 'grant_posthog_ingestion_writer_writable_events_ws' <<'SQL'
GRANT INSERT ON posthog.writable_events_ws TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_ingestion_writer_writable_events_ws_dead_letters' <<'SQL'
GRANT INSERT ON posthog.writable_events_ws_dead_letters TO posthog_ingestion_writer
SQL
  run "$1" 'grant_posthog_migrator' <<'SQL'
GRANT CREATE DATABASE, CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW, SELECT ON posthog.* TO posthog_migrator
SQL
  printf '%s%s%s\n' 'CREATE USER IF NOT EXISTS posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\''' | run "$1" 'CREATE USER of posthog_writer_user'
  run "$1" 'GRANT posthog_ingestion_writer of posthog_writer_user' <<'SQL'
GRANT posthog_ingestion_writer TO posthog_writer_user
SQL
  printf '%s%s%s\n' 'ALTER USER posthog_writer_user IDENTIFIED WITH sha256_password BY ' "$(sql_string "$CLICKHOUSE_WRITER_PASSWORD")" ' HOST IP '\''10.0.0.0/8'\'', IP '\''172.16.0.0/12'\'', IP '\''192.168.0.0/16'\'', IP '\''100.64.0.0/10'\'', IP '\''fc00::/7'\'', IP '\''::1'\'', IP '\''127.0.0.1'\'' DEFAULT ROLE posthog_ingestion_writer' | run "$1" 'ALTER USER of posthog_writer_user'
}
if up 'ch-data-s01-r1.eu.clickhouse.internal'; then access_data 'ch-data-s01-r1.eu.clickhouse.internal'; echo 'ch-data-s01-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s01-r2.eu.clickhouse.internal'; then access_data 'ch-data-s01-r2.eu.clickhouse.internal'; echo 'ch-data-s01-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s01-r3.eu.clickhouse.internal'; then access_data 'ch-data-s01-r3.eu.clickhouse.internal'; echo 'ch-data-s01-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s02-r1.eu.clickhouse.internal'; then access_data 'ch-data-s02-r1.eu.clickhouse.internal'; echo 'ch-data-s02-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s02-r2.eu.clickhouse.internal'; then access_data 'ch-data-s02-r2.eu.clickhouse.internal'; echo 'ch-data-s02-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s02-r3.eu.clickhouse.internal'; then access_data 'ch-data-s02-r3.eu.clickhouse.internal'; echo 'ch-data-s02-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s03-r1.eu.clickhouse.internal'; then access_data 'ch-data-s03-r1.eu.clickhouse.internal'; echo 'ch-data-s03-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s03-r2.eu.clickhouse.internal'; then access_data 'ch-data-s03-r2.eu.clickhouse.internal'; echo 'ch-data-s03-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s03-r3.eu.clickhouse.internal'; then access_data 'ch-data-s03-r3.eu.clickhouse.internal'; echo 'ch-data-s03-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s04-r1.eu.clickhouse.internal'; then access_data 'ch-data-s04-r1.eu.clickhouse.internal'; echo 'ch-data-s04-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s04-r2.eu.clickhouse.internal'; then access_data 'ch-data-s04-r2.eu.clickhouse.internal'; echo 'ch-data-s04-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s04-r3.eu.clickhouse.internal'; then access_data 'ch-data-s04-r3.eu.clickhouse.internal'; echo 'ch-data-s04-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s05-r1.eu.clickhouse.internal'; then access_data 'ch-data-s05-r1.eu.clickhouse.internal'; echo 'ch-data-s05-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s05-r2.eu.clickhouse.internal'; then access_data 'ch-data-s05-r2.eu.clickhouse.internal'; echo 'ch-data-s05-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s05-r3.eu.clickhouse.internal'; then access_data 'ch-data-s05-r3.eu.clickhouse.internal'; echo 'ch-data-s05-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s06-r1.eu.clickhouse.internal'; then access_data 'ch-data-s06-r1.eu.clickhouse.internal'; echo 'ch-data-s06-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s06-r2.eu.clickhouse.internal'; then access_data 'ch-data-s06-r2.eu.clickhouse.internal'; echo 'ch-data-s06-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s06-r3.eu.clickhouse.internal'; then access_data 'ch-data-s06-r3.eu.clickhouse.internal'; echo 'ch-data-s06-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s07-r1.eu.clickhouse.internal'; then access_data 'ch-data-s07-r1.eu.clickhouse.internal'; echo 'ch-data-s07-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s07-r2.eu.clickhouse.internal'; then access_data 'ch-data-s07-r2.eu.clickhouse.internal'; echo 'ch-data-s07-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s07-r3.eu.clickhouse.internal'; then access_data 'ch-data-s07-r3.eu.clickhouse.internal'; echo 'ch-data-s07-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s08-r1.eu.clickhouse.internal'; then access_data 'ch-data-s08-r1.eu.clickhouse.internal'; echo 'ch-data-s08-r1.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s08-r2.eu.clickhouse.internal'; then access_data 'ch-data-s08-r2.eu.clickhouse.internal'; echo 'ch-data-s08-r2.eu.clickhouse.internal: access of role data applied'; fi
if up 'ch-data-s08-r3.eu.clickhouse.internal'; then access_data 'ch-data-s08-r3.eu.clickhouse.internal'; echo 'ch-data-s08-r3.eu.clickhouse.internal: access of role data applied'; fi
if up 'chi-ingestion-small-small-0-0'; then access_small 'chi-ingestion-small-small-0-0'; echo 'chi-ingestion-small-small-0-0: access of role small applied'; fi
if up 'chi-ingestion-small-small-1-0'; then access_small 'chi-ingestion-small-small-1-0'; echo 'chi-ingestion-small-small-1-0: access of role small applied'; fi
if up 'chi-ingestion-small-small-2-0'; then access_small 'chi-ingestion-small-small-2-0'; echo 'chi-ingestion-small-small-2-0: access of role small applied'; fi
if up 'chi-ingestion-small-small-3-0'; then access_small 'chi-ingestion-small-small-3-0'; echo 'chi-ingestion-small-small-3-0: access of role small applied'; fi
if up 'chi-ingestion-medium-medium-0-0'; then access_medium 'chi-ingestion-medium-medium-0-0'; echo 'chi-ingestion-medium-medium-0-0: access of role medium applied'; fi
if up 'chi-ingestion-medium-medium-1-0'; then access_medium 'chi-ingestion-medium-medium-1-0'; echo 'chi-ingestion-medium-medium-1-0: access of role medium applied'; fi
if up 'chi-ingestion-medium-medium-2-0'; then access_medium 'chi-ingestion-medium-medium-2-0'; echo 'chi-ingestion-medium-medium-2-0: access of role medium applied'; fi
if up 'chi-ingestion-medium-medium-3-0'; then access_medium 'chi-ingestion-medium-medium-3-0'; echo 'chi-ingestion-medium-medium-3-0: access of role medium applied'; fi
if up 'chi-ingestion-medium-medium-4-0'; then access_medium 'chi-ingestion-medium-medium-4-0'; echo 'chi-ingestion-medium-medium-4-0: access of role medium applied'; fi
if up 'chi-ingestion-medium-medium-5-0'; then access_medium 'chi-ingestion-medium-medium-5-0'; echo 'chi-ingestion-medium-medium-5-0: access of role medium applied'; fi
if up 'chi-ingestion-events-events-0-0'; then access_events 'chi-ingestion-events-events-0-0'; echo 'chi-ingestion-events-events-0-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-1-0'; then access_events 'chi-ingestion-events-events-1-0'; echo 'chi-ingestion-events-events-1-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-2-0'; then access_events 'chi-ingestion-events-events-2-0'; echo 'chi-ingestion-events-events-2-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-3-0'; then access_events 'chi-ingestion-events-events-3-0'; echo 'chi-ingestion-events-events-3-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-4-0'; then access_events 'chi-ingestion-events-events-4-0'; echo 'chi-ingestion-events-events-4-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-5-0'; then access_events 'chi-ingestion-events-events-5-0'; echo 'chi-ingestion-events-events-5-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-6-0'; then access_events 'chi-ingestion-events-events-6-0'; echo 'chi-ingestion-events-events-6-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-7-0'; then access_events 'chi-ingestion-events-events-7-0'; echo 'chi-ingestion-events-events-7-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-8-0'; then access_events 'chi-ingestion-events-events-8-0'; echo 'chi-ingestion-events-events-8-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-9-0'; then access_events 'chi-ingestion-events-events-9-0'; echo 'chi-ingestion-events-events-9-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-10-0'; then access_events 'chi-ingestion-events-events-10-0'; echo 'chi-ingestion-events-events-10-0: access of role events applied'; fi
if up 'chi-ingestion-events-events-11-0'; then access_events 'chi-ingestion-events-events-11-0'; echo 'chi-ingestion-events-events-11-0: access of role events applied'; fi
echo "access: 46 node(s), $SKIPPED skipped"
