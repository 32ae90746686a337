CREATE ROLE IF NOT EXISTS posthog_ingestion_writer;
