GRANT INSERT ON posthog.groups TO posthog_ingestion_writer;
