CREATE TABLE IF NOT EXISTS posthog.sharded_heatmaps
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
    type                 LowCardinality(String),
    _timestamp           DateTime,
    _offset              UInt64,
    _partition           UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/posthog.sharded_heatmaps', '{replica}', _timestamp)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (type, team_id, toDate(timestamp), current_url, viewport_width, _partition, _offset, timestamp, x, y)
TTL _timestamp + INTERVAL 7 DAY TO VOLUME 'warm',
    _timestamp + INTERVAL 37 DAY TO VOLUME 'cold',
    _timestamp + INTERVAL 90 DAY DELETE
SETTINGS
    storage_policy = 'tiered';
