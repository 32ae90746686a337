GRANT INSERT ON posthog.events_dead_letters TO posthog_ingestion_writer;
