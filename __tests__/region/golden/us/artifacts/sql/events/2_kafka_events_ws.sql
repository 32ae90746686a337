CREATE TABLE IF NOT EXISTS posthog.kafka_events_ws
(
    uuid        UUID,
    event       String,
    properties  String,
    timestamp   DateTime64(6, 'UTC'),
    team_id     Int64,
    distinct_id String,
    created_at  DateTime64(6, 'UTC')
)
ENGINE = Kafka(warpstream_ingestion, kafka_topic_list = 'clickhouse_events_json', kafka_group_name = 'clickhouse_events_ws', kafka_format = 'JSONEachRow')
SETTINGS
    kafka_num_consumers = 8,
    kafka_handle_error_mode = 'stream',
    kafka_poll_timeout_ms = 10000,
    kafka_max_block_size = 100000,
    kafka_thread_per_consumer = 1;
