/**
 * The Kafka engine settings a stream leg may add to its Kafka table (`StreamLegSpec.kafkaSettings`),
 * and the ones the library owns. Pure: the model checks them, lib/schema renders them.
 */
import { Problems } from './validation';

/** Kafka engine settings a leg may set, with the kind of value each takes. */
export const LEG_KAFKA_SETTINGS: Readonly<Record<string, 'count' | 'string' | 'boolean'>> = {
  kafka_max_block_size: 'count',
  kafka_poll_timeout_ms: 'count',
  kafka_poll_max_batch_size: 'count',
  kafka_flush_interval_ms: 'count',
  kafka_consumer_reschedule_ms: 'count',
  kafka_max_rows_per_message: 'count',
  kafka_compression_level: 'count',
  kafka_thread_per_consumer: 'boolean',
  kafka_commit_every_batch: 'boolean',
  kafka_client_id: 'string',
  kafka_schema: 'string',
  kafka_compression_codec: 'string',
};

/** Kafka engine settings the library sets itself, with why a leg may not. */
export const OWNED_KAFKA_SETTINGS: Readonly<Record<string, string>> = {
  kafka_broker_list: 'the backend\'s named collection carries the brokers',
  kafka_topic_list: 'set from the leg\'s topic',
  kafka_group_name: 'set from the leg\'s consumerGroup',
  kafka_format: 'set from the leg\'s format',
  kafka_num_consumers: 'set from the leg\'s consumersPerNode (checked against partitions and cores)',
  kafka_security_protocol: 'the backend\'s auth sets it in the named collection',
  kafka_sasl_mechanism: 'the backend\'s auth sets it in the named collection',
  kafka_sasl_username: 'the backend\'s credentials come from the environment, never from the spec',
  kafka_sasl_password: 'the backend\'s credentials come from the environment, never from the spec',
  kafka_handle_error_mode: 'the dead-letter table needs \'stream\'',
  kafka_skip_broken_messages: 'malformed messages go to the dead-letter table instead of being skipped',
  kafka_commit_on_select: 'only the materialized views consume, and they commit',
  kafka_keeper_path: 'the library does not use the experimental Keeper-stored offsets',
  kafka_replica_name: 'the library does not use the experimental Keeper-stored offsets',
};

/**
 * Checks a leg's extra Kafka settings under `field` (`streams[0].legs[1].kafkaSettings`) and
 * returns them as the Kafka table renders them (booleans as 0/1), sorted by name.
 */
export function resolveLegKafkaSettings(problems: Problems, field: string, settings: unknown): Readonly<Record<string, string | number>> {
  if (settings === undefined) return {};
  if (!problems.check(settings !== null && typeof settings === 'object' && !Array.isArray(settings), field, settings,
    'Kafka engine settings by name, e.g. { kafka_max_block_size: 65536 }')) return {};
  const out: Record<string, string | number> = {};
  for (const name of Object.keys(settings as object).sort()) {
    const value = (settings as Record<string, unknown>)[name];
    const f = `${field}.${name}`;
    const owned = OWNED_KAFKA_SETTINGS[name];
    if (owned !== undefined) {
      problems.add(f, value, `a setting the library does not manage: ${name} is the library's (${owned})`);
      continue;
    }
    const kind = LEG_KAFKA_SETTINGS[name];
    if (!problems.check(kind !== undefined, f, name, `a Kafka engine setting a leg may set (${Object.keys(LEG_KAFKA_SETTINGS).join(', ')})`)) continue;
    if (kind === 'count') {
      if (problems.check(Number.isSafeInteger(value) && (value as number) >= 0, f, value, 'a whole number, 0 or more')) out[name] = value as number;
    } else if (kind === 'boolean') {
      if (problems.check(typeof value === 'boolean', f, value, 'true or false')) out[name] = value ? 1 : 0;
    } else if (problems.check(typeof value === 'string' && value.length <= 1024 && !/[\0\n\r]/.test(value), f, value,
      'a single-line string (at most 1024 characters)')) {
      out[name] = value as string;
    }
  }
  return out;
}
