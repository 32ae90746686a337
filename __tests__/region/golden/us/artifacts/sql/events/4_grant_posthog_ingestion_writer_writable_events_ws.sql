GRANT INSERT ON posthog.writable_events_ws TO posthog_ingestion_writer;
