CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.groups_mv
TO posthog.writable_groups
AS SELECT
    group_type_index,
    group_key,
    created_at,
    team_id,
    group_properties,
    _timestamp,
    _offset
FROM posthog.kafka_groups;
