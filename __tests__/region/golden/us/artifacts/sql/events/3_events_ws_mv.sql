CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.events_ws_mv
TO posthog.writable_events_ws
AS SELECT
    uuid,
    event,
    properties,
    timestamp,
    team_id,
    distinct_id,
    created_at,
    coalesce(_timestamp, now()) AS _timestamp,
    _offset,
    _partition
FROM posthog.kafka_events_ws
WHERE empty(_error);
