CREATE TABLE IF NOT EXISTS posthog.kafka_heatmaps
(
    session_id  String,
    team_id     Int64,
    distinct_id String,
    timestamp   DateTime64(6, 'UTC'),
    x           Int16,
    y           Int16,
    current_url String,
    type        LowCardinality(String)
)
ENGINE = Kafka(msk_cluster, kafka_topic_list = 'clickhouse_heatmaps', kafka_group_name = 'clickhouse_heatmaps', kafka_format = 'JSONEachRow')
SETTINGS
    kafka_num_consumers = 4,
    kafka_skip_broken_messages = 100,
    kafka_poll_timeout_ms = 10000,
    kafka_max_block_size = 100000,
    kafka_thread_per_consumer = 1;
