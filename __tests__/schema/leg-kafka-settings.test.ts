/**
 * A stream leg's own Kafka engine settings (`StreamLegSpec.kafkaSettings`): merged into its Kafka
 * table's SETTINGS (overriding the baseline of the same name), the CREATE TABLE accepted by a real
 * ClickHouse (chdb) with the role's rendered config, bad names and values refused in one error,
 * and a change on a running region re-creating the leg's Kafka table through the region lock.
 */
import { EVOLVING_REGION } from '../../examples/schema-evolution/region';
import { buildTopology, LEG_KAFKA_SETTINGS, NodeRole, StreamSpec, TopologySpec, TopologyValidationError } from '../../lib/model';
import { evolveRegion } from '../../lib/migrations';
import { buildRegionTopology, RegionStackProps } from '../../lib/constructs/region-stack';
import { statementsForRole } from '../../lib/schema';
import { SchemaObjectKind } from '../../lib/schema/statements';
import { TestEngine } from '../support/engine';
import { roleConfig } from './support/role-config';
import { TALK_GROUPS, TALK_TOPOLOGY } from './support/topologies';

/** Every setting a leg may set, with a value of its kind. */
const EVERY_SETTING: Record<string, string | number | boolean> = Object.fromEntries(Object.entries(LEG_KAFKA_SETTINGS).map(([name, kind]) => [
  name, kind === 'count' ? (name === 'kafka_compression_level' ? 3 : 5000) : kind === 'boolean' ? true
    : name === 'kafka_compression_codec' ? 'zstd' : name === 'kafka_schema' ? 'schema.proto:Message' : "clickhouse-'quoted'",
]));

const withSettings = (settings: StreamSpec['legs'][number]['kafkaSettings']): TopologySpec => ({
  ...TALK_TOPOLOGY, streams: [{ ...TALK_GROUPS, legs: [{ ...TALK_GROUPS.legs[0], kafkaSettings: settings }] }],
});

const kafkaTableSql = (spec: TopologySpec): string => {
  const statement = statementsForRole(buildTopology(spec), NodeRole.SMALL).find((s) => s.kind === SchemaObjectKind.KAFKA_TABLE);
  return statement!.sql;
};

describe('a leg\'s Kafka settings', () => {
  test('are added to the Kafka table\'s SETTINGS, a baseline setting of the same name overridden, not repeated', () => {
    const sql = kafkaTableSql(withSettings({ kafka_max_block_size: 65536, kafka_client_id: 'ingest-groups', kafka_commit_every_batch: true }));
    expect(sql).toContain('kafka_max_block_size = 65536');
    expect(sql).not.toContain('kafka_max_block_size = 100000');
    expect(sql).toContain("kafka_client_id = 'ingest-groups'");
    expect(sql).toContain('kafka_commit_every_batch = 1');
    // The library's own stay.
    expect(sql).toMatch(/kafka_handle_error_mode = 'stream'/);
    expect(sql).toMatch(/kafka_topic_list = 'groups'/);
    expect(kafkaTableSql(TALK_TOPOLOGY)).not.toContain('kafka_client_id');
  });

  test('ClickHouse accepts the CREATE TABLE with every allowed setting and keeps the values', async () => {
    const topology = buildTopology(withSettings(EVERY_SETTING));
    const config = roleConfig(topology, NodeRole.SMALL);
    const engine = await TestEngine.open(config.files, config.env);
    try {
      await engine.exec(`CREATE DATABASE IF NOT EXISTS ${topology.database}`);
      await engine.exec(kafkaTableSql(withSettings(EVERY_SETTING)));
      const [row] = await engine.rows<{ engine_full: string }>(
        `SELECT engine_full FROM system.tables WHERE database = '${topology.database}' AND name = 'kafka_groups'`);
      for (const name of Object.keys(LEG_KAFKA_SETTINGS)) expect([name, row.engine_full.includes(`${name} = `)]).toEqual([name, true]);
      expect(row.engine_full).toContain("kafka_client_id = 'clickhouse-\\'quoted\\''");
    } finally {
      await engine.kill();
      config.cleanup();
    }
  }, 120_000);

  test('bad input: owned settings named with their reason, unknown names and bad values, in one error', () => {
    let error: TopologyValidationError | undefined;
    try {
      buildTopology(withSettings({
        kafka_topic_list: 'other', kafka_group_name: 'g', kafka_num_consumers: 8, kafka_handle_error_mode: 'default',
        kafka_max_blok_size: 10, kafka_poll_timeout_ms: -1, kafka_thread_per_consumer: 'yes', kafka_client_id: 'a\nb',
      }));
    } catch (e) {
      error = e as TopologyValidationError;
    }
    const byField = Object.fromEntries(error!.problems.map((p) => [p.field.replace('streams[0].legs[0].kafkaSettings.', ''), p.expected]));
    expect(Object.keys(byField).sort()).toEqual([
      'kafka_client_id', 'kafka_group_name', 'kafka_handle_error_mode', 'kafka_max_blok_size', 'kafka_num_consumers',
      'kafka_poll_timeout_ms', 'kafka_thread_per_consumer', 'kafka_topic_list',
    ]);
    expect(byField.kafka_topic_list).toBe('a setting the library does not manage: kafka_topic_list is the library\'s (set from the leg\'s topic)');
    expect(byField.kafka_num_consumers).toMatch(/consumersPerNode/);
    expect(byField.kafka_handle_error_mode).toMatch(/dead-letter/);
    expect(byField.kafka_max_blok_size).toMatch(/^a Kafka engine setting a leg may set \(kafka_max_block_size, /);
    expect(byField.kafka_poll_timeout_ms).toBe('a whole number, 0 or more');
    expect(byField.kafka_thread_per_consumer).toBe('true or false');
  });

  test('a settings value that is not an object is a shape problem of the field', () => {
    expect(() => buildTopology(withSettings(['kafka_max_block_size'] as never))).toThrow(/streams\[0\]\.legs\[0\]\.kafkaSettings/);
  });
});

describe('a changed leg setting on a running region', () => {
  const STATE_KEY = 's3://clickhouse-ingest-tfstate-evo/clickhouse-ingest/evo.tfstate';
  const evolve = (spec: RegionStackProps, lock?: Parameters<typeof evolveRegion>[0]['lock']): ReturnType<typeof evolveRegion> =>
    evolveRegion({ topology: buildRegionTopology(spec), stack: 'evo', stateKey: STATE_KEY, lock });
  const tuned = (settings: Record<string, number | string | boolean>): RegionStackProps => ({
    ...EVOLVING_REGION,
    streams: EVOLVING_REGION.streams!.map((s) => ({ ...s, legs: s.legs.map((l, i) => (i === 0 ? { ...l, kafkaSettings: settings } : l)) })),
  });

  test('re-creates that leg\'s Kafka table (and its views) with the new SETTINGS; the other leg is untouched', () => {
    const v1 = evolve(EVOLVING_REGION);
    const v2 = evolve(tuned({ kafka_max_block_size: 65536 }), v1.lock);
    expect(v2.generated).toHaveLength(1);
    const steps = v2.generated[0].steps;
    const kafkaTables = steps.filter((s) => s.object.startsWith('kafka_'));
    expect(kafkaTables.map((s) => `${s.role} ${s.phase} ${s.sql.split(' ').slice(0, 2).join(' ')} ${s.object}`)).toEqual([
      'small consumers DROP TABLE kafka_orders',
      'small consumers CREATE TABLE kafka_orders',
    ]);
    expect(kafkaTables[1].sql).toContain('kafka_max_block_size = 65536');
    expect(steps.some((s) => s.object.includes('_ws'))).toBe(false);
    // Applied once: the next synth with the same spec plans nothing more.
    expect(evolve(tuned({ kafka_max_block_size: 65536 }), v2.lock).generated).toEqual([]);
  });
});
