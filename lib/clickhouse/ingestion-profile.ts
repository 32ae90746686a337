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
 *
 * The rest makes the forward path degrade safely (docs/clickhouse-config.md, "When a replica or a
 * shard fails"): a read-only or unreachable replica is skipped for a healthy one of its shard,
 * every wait is finite, and a shard with no healthy replica fails the INSERT, so the tier stops
 * committing offsets (lag grows, and `system.kafka_consumers` shows the exception) until it is back.
 */
export const INGESTION_PROFILE_SETTINGS = {
  distributed_foreground_insert: 1,
  // A replica that lost its ZooKeeper session is read-only: skip it for a healthy replica of the shard.
  distributed_insert_skip_read_only_replicas: 1,
  // A replica that keeps failing is chosen last (every load_balancing mode prefers fewer errors); its errors decay over a minute.
  distributed_replica_error_half_life: 60,
  // Finite waits: a dead replica costs at most 1 s per attempt before the next replica is tried...
  connect_timeout_with_failover_ms: 1000,
  connections_with_failover_max_tries: 3,
  // ...and a replica that accepted the connection but hangs fails the insert after 60 s instead of 300.
  send_timeout: 60,
  receive_timeout: 60,
  // A foreground insert that cannot finish in 120 s fails: the view's INSERT fails, the Kafka offsets
  // stay uncommitted and the block is consumed again (whole shard down: commits stop, nothing is lost).
  distributed_background_insert_timeout: 120,
} as const;

/** users.d/ingestion_profile.xml for ingestion nodes. Storage nodes keep ClickHouse's defaults. */
export function renderIngestionProfile(): RenderedFile {
  return { path: INGESTION_PROFILE_FILE, content: clickhouseXml({ profiles: { default: { ...INGESTION_PROFILE_SETTINGS } } }) };
}
