CREATE TABLE IF NOT EXISTS posthog.heatmaps
(
    session_id  String,
    team_id     Int64,
    distinct_id String,
    timestamp   DateTime64(6, 'UTC'),
    x           Int16,
    y           Int16,
    current_url String,
    type        LowCardinality(String),
    _timestamp  DateTime,
    _offset     UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/noshard/posthog.heatmaps', '{replica}-{shard}')
ORDER BY (team_id, toDate(timestamp), current_url, session_id);
