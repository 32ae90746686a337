CREATE TABLE IF NOT EXISTS posthog.writable_events_ws_dead_letters
(
    _topic       LowCardinality(String),
    _partition   UInt64,
    _offset      UInt64,
    _timestamp   DateTime,
    _error       String,
    _raw_message String
)
ENGINE = Distributed('posthog_single_shard', 'posthog', 'events_dead_letters');
