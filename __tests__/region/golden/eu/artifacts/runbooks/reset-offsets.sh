#!/bin/bash
# Resets the consumer groups of region eu to a time (rendered by cdktf-clickhouse-ingest).
# Stop the consumers first (consumers off, or the ingestion tiers scaled to zero): a group with
# active members cannot be reset.
set -euo pipefail
RESET_TIME="${1:?usage: reset-offsets.sh YYYY-MM-DDTHH:mm:SS.sssZ (the backup start time, UTC)}"
: "${KAFKA_CONSUMER_GROUPS:=kafka-consumer-groups.sh}"
: "${KAFKA_HOSTS_MSK_CLUSTER:?set KAFKA_HOSTS_MSK_CLUSTER to the bootstrap brokers of msk_cluster (msk)}"
: "${KAFKA_HOSTS_WARPSTREAM_INGESTION:?set KAFKA_HOSTS_WARPSTREAM_INGESTION to the bootstrap brokers of warpstream_ingestion (warpstream)}"
umask 077
cat > msk_cluster.properties <<EOF
security.protocol=SASL_SSL
sasl.mechanism=AWS_MSK_IAM
sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;
sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler
EOF

# groups: group clickhouse_groups on clickhouse_groups (MSK msk_cluster), consumed by small
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties --group clickhouse_groups --describe --state
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties --group clickhouse_groups --topic clickhouse_groups --reset-offsets --to-datetime "$RESET_TIME" --dry-run
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties --group clickhouse_groups --topic clickhouse_groups --reset-offsets --to-datetime "$RESET_TIME" --execute

# heatmaps: group clickhouse_heatmaps on clickhouse_heatmaps (MSK msk_cluster), consumed by medium
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties --group clickhouse_heatmaps --describe --state
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties --group clickhouse_heatmaps --topic clickhouse_heatmaps --reset-offsets --to-datetime "$RESET_TIME" --dry-run
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties --group clickhouse_heatmaps --topic clickhouse_heatmaps --reset-offsets --to-datetime "$RESET_TIME" --execute

# events_ws: group clickhouse_events_ws on clickhouse_events_json (WarpStream warpstream_ingestion), consumed by events
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_WARPSTREAM_INGESTION" --group clickhouse_events_ws --describe --state
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_WARPSTREAM_INGESTION" --group clickhouse_events_ws --topic clickhouse_events_json --reset-offsets --to-datetime "$RESET_TIME" --dry-run
"$KAFKA_CONSUMER_GROUPS" --bootstrap-server "$KAFKA_HOSTS_WARPSTREAM_INGESTION" --group clickhouse_events_ws --topic clickhouse_events_json --reset-offsets --to-datetime "$RESET_TIME" --execute
