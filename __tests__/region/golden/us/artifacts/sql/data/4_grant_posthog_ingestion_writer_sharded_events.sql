GRANT INSERT ON posthog.sharded_events TO posthog_ingestion_writer;
