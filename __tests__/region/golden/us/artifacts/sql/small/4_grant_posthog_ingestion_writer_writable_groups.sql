GRANT INSERT ON posthog.writable_groups TO posthog_ingestion_writer;
