import { RenderedFile } from '../render/file';
import { clickhouseXml } from './xml';

export const INGESTION_PROFILE_FILE = 'users.d/ingestion_profile.xml';

/**
 * Settings of the `default` profile on ingestion nodes. The Kafka engine's materialized views run
 * with the server's default profile, so this is where the write path picks them up.
 *
 * `distributed_foreground_insert=1`: an INSERT into a Distributed table otherwise returns once the
 * rows are queued on the sending node's disk and ships them later; the ingestion volume's reclaim
 * policy is Delete, so a rescheduled pod would lose the queue. Foreground, the MV's INSERT (and
 * the Kafka offset commit after it) succeeds only once the storage shards hold the rows.
 */
export const INGESTION_PROFILE_SETTINGS = {
  distributed_foreground_insert: 1,
} as const;

/** users.d/ingestion_profile.xml for ingestion nodes. Storage nodes keep ClickHouse's defaults. */
export function renderIngestionProfile(): RenderedFile {
  return { path: INGESTION_PROFILE_FILE, content: clickhouseXml({ profiles: { default: { ...INGESTION_PROFILE_SETTINGS } } }) };
}
