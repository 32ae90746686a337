CREATE TABLE IF NOT EXISTS posthog.kafka_heatmaps
(
    session_id           VARCHAR,
    team_id              Int64,
    distinct_id          VARCHAR,
    timestamp            DateTime64(6, 'UTC'),
    x                    Int16,
    y                    Int16,
    scale_factor         Int16,
    viewport_width       Int16,
    viewport_height      Int16,
    pointer_target_fixed Bool,
    current_url          VARCHAR,
    type                 LowCardinality(String)
)
ENGINE = Kafka(msk_cluster, kafka_topic_list = 'clickhouse_heatmaps', kafka_group_name = 'clickhouse_heatmaps', kafka_format = 'JSONEachRow')
SETTINGS
    kafka_num_consumers = 4,
    kafka_handle_error_mode = 'stream',
    kafka_poll_timeout_ms = 10000,
    kafka_max_block_size = 100000,
    kafka_thread_per_consumer = 1;
