GRANT INSERT ON posthog.sharded_heatmaps TO posthog_ingestion_writer;
