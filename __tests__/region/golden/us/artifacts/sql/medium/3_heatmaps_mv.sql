CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.heatmaps_mv
TO posthog.writable_heatmaps
AS SELECT
    session_id,
    team_id,
    distinct_id,
    timestamp,
    x,
    y,
    scale_factor,
    viewport_width,
    viewport_height,
    pointer_target_fixed,
    current_url,
    type,
    coalesce(_timestamp, now()) AS _timestamp,
    _offset,
    _partition
FROM posthog.kafka_heatmaps
WHERE empty(_error);
