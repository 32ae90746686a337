CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.heatmaps_dead_letters_mv
TO posthog.writable_heatmaps_dead_letters
AS SELECT
    _topic,
    _partition,
    _offset,
    coalesce(_timestamp, now()) AS _timestamp,
    _error,
    _raw_message
FROM posthog.kafka_heatmaps
WHERE notEmpty(_error);
