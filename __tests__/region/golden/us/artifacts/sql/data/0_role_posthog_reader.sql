CREATE ROLE IF NOT EXISTS posthog_reader;
