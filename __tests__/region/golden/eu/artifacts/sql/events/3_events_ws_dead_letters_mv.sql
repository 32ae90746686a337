CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.events_ws_dead_letters_mv
TO posthog.writable_events_ws_dead_letters
AS SELECT
    _topic,
    _partition,
    _offset,
    coalesce(_timestamp, now()) AS _timestamp,
    _error,
    _raw_message
FROM posthog.kafka_events_ws
WHERE notEmpty(_error);
