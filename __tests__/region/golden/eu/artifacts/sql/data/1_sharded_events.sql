CREATE TABLE IF NOT EXISTS posthog.sharded_events
(
    uuid        UUID,
    event       String,
    properties  String,
    timestamp   DateTime64(6, 'UTC'),
    team_id     Int64,
    distinct_id String,
    created_at  DateTime64(6, 'UTC'),
    _timestamp  DateTime,
    _offset     UInt64,
    _partition  UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/posthog.sharded_events', '{replica}', _timestamp)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))
TTL _timestamp + INTERVAL 7 DAY TO VOLUME 'warm',
    _timestamp + INTERVAL 37 DAY TO VOLUME 'cold'
SETTINGS
    storage_policy = 'tiered';
