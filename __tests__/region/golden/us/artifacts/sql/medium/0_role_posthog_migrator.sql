CREATE ROLE IF NOT EXISTS posthog_migrator;
