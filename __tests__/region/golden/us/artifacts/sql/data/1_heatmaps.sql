CREATE TABLE IF NOT EXISTS posthog.heatmaps
(
    session_id           VARCHAR,
    team_id              Int64,
    distinct_id          VARCHAR,
    timestamp            DateTime64(6, 'UTC'),
    x                    Int16,
    y                    Int16,
    scale_factor         Int16,
    viewport_width       Int16,
    viewport_height      Int16,
    pointer_target_fixed Bool,
    current_url          VARCHAR,
    type                 LowCardinality(String),
    _timestamp           DateTime,
    _offset              UInt64,
    _partition           UInt64
)
ENGINE = Distributed('posthog', 'posthog', 'sharded_heatmaps', cityHash64(concat(toString(team_id), '-', session_id, '-', toString(toDate(timestamp)))));
