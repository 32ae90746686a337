CREATE TABLE IF NOT EXISTS posthog.groups
(
    group_type_index UInt8,
    group_key        VARCHAR,
    created_at       DateTime64,
    team_id          Int64,
    group_properties VARCHAR,
    _timestamp       DateTime,
    _offset          UInt64,
    _partition       UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/noshard/posthog.groups', '{replica}-{shard}', _timestamp)
ORDER BY (team_id, group_type_index, group_key)
TTL _timestamp + INTERVAL 7 DAY TO VOLUME 'warm',
    _timestamp + INTERVAL 37 DAY TO VOLUME 'cold'
SETTINGS
    storage_policy = 'tiered';
