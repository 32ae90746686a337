CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.groups_mv
TO posthog.writable_groups
AS SELECT
    group_type_index,
    group_key,
    created_at,
    team_id,
    group_properties,
    coalesce(_timestamp, now()) AS _timestamp,
    _offset,
    _partition
FROM posthog.kafka_groups
WHERE empty(_error);
