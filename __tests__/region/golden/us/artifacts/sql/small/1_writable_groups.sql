CREATE TABLE IF NOT EXISTS posthog.writable_groups
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
ENGINE = Distributed('posthog_single_shard', 'posthog', 'groups');
