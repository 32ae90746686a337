GRANT SELECT ON posthog.* TO posthog_reader;
