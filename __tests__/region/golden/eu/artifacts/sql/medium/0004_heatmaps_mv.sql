CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.heatmaps_mv
TO posthog.writable_heatmaps
AS SELECT
    session_id,
    team_id,
    distinct_id,
    timestamp,
    x,
    y,
    current_url,
    type,
    _timestamp,
    _offset
FROM posthog.kafka_heatmaps;
