CREATE TABLE IF NOT EXISTS posthog.events
(
    uuid        UUID,
    event       String,
    properties  String,
    timestamp   DateTime64(6, 'UTC'),
    team_id     Int64,
    distinct_id String,
    created_at  DateTime64(6, 'UTC'),
    _timestamp  DateTime,
    _offset     UInt64,
    _partition  UInt64
)
ENGINE = Distributed('posthog', 'posthog', 'sharded_events', sipHash64(distinct_id));
