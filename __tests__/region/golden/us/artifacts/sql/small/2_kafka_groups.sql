CREATE TABLE IF NOT EXISTS posthog.kafka_groups
(
    group_type_index UInt8,
    group_key        VARCHAR,
    created_at       DateTime64,
    team_id          Int64,
    group_properties VARCHAR
)
ENGINE = Kafka(msk_cluster, kafka_topic_list = 'clickhouse_groups', kafka_group_name = 'clickhouse_groups', kafka_format = 'JSONEachRow')
SETTINGS
    kafka_num_consumers = 1,
    kafka_handle_error_mode = 'stream',
    kafka_poll_timeout_ms = 10000,
    kafka_max_block_size = 100000,
    kafka_thread_per_consumer = 1;
