GRANT INSERT ON posthog.heatmaps_dead_letters TO posthog_ingestion_writer;
