CREATE TABLE IF NOT EXISTS posthog.heatmaps_dead_letters
(
    _topic       LowCardinality(String),
    _partition   UInt64,
    _offset      UInt64,
    _timestamp   DateTime,
    _error       String,
    _raw_message String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/noshard/posthog.heatmaps_dead_letters', '{replica}-{shard}')
ORDER BY (_topic, _partition, _offset)
TTL _timestamp + INTERVAL 30 DAY DELETE
SETTINGS
    storage_policy = 'tiered';
