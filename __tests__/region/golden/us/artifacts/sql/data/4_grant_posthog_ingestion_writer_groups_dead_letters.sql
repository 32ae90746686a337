GRANT INSERT ON posthog.groups_dead_letters TO posthog_ingestion_writer;
