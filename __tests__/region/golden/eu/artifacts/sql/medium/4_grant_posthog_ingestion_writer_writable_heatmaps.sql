GRANT INSERT ON posthog.writable_heatmaps TO posthog_ingestion_writer;
