/**
 * Offset policy and reset commands rendered from the model. The policy file is loaded by a real
 * ClickHouse (its effect on a real consumer is proven by the restore-offset drill); the reset
 * script is checked by bash.
 */
import { spawnSync } from 'child_process';
import {
  autoOffsetReset, kafkaClientProperties, kafkaDatetime, offsetResetCommands, OFFSET_POLICY_FILE, renderOffsetPolicyConfig,
  renderOffsetResetScript,
} from '../../lib/dr/offsets';
import { buildTopology, KafkaAuth, KafkaBackendKind, NodeRole, TopologySpec, TopologyValidationError } from '../../lib/model';
import { EU_TOPOLOGY } from '../../stacks/eu';
import { GROUPS_STREAM, US_TOPOLOGY } from '../../stacks/us';
import { TestEngine } from '../support/engine';

const us = buildTopology(US_TOPOLOGY);

/** us with a WarpStream leg of groups starting at a timestamp beside the MSK leg (a migration in progress). */
const MIGRATING: TopologySpec = {
  ...US_TOPOLOGY,
  kafkaBackends: [
    US_TOPOLOGY.kafkaBackends![0],
    { ...US_TOPOLOGY.kafkaBackends![1], topics: [...US_TOPOLOGY.kafkaBackends![1].topics, { name: 'clickhouse_groups', partitions: 64 }] },
  ],
  streams: [
    GROUPS_STREAM([
      { backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] },
      { backend: 'warpstream_ingestion', topic: 'clickhouse_groups', roles: [NodeRole.MEDIUM], consumersPerNode: 1, offsets: { startAt: 'timestamp', timestampMs: Date.UTC(2026, 10, 1) } },
    ]),
    ...US_TOPOLOGY.streams!.slice(1),
  ],
};

describe('offset policy', () => {
  test('earliest and latest map to auto_offset_reset; a timestamp falls back to earliest (replay, never skip)', () => {
    expect(autoOffsetReset({ startAt: 'earliest' })).toBe('earliest');
    expect(autoOffsetReset({ startAt: 'latest' })).toBe('latest');
    expect(autoOffsetReset({ startAt: 'timestamp', timestampMs: 1 })).toBe('earliest');
  });

  test('ClickHouse loads the policy into each named collection a role consumes through', async () => {
    const file = renderOffsetPolicyConfig(buildTopology(MIGRATING), 'medium')!;
    expect(file.path).toBe(OFFSET_POLICY_FILE);
    const engine = await TestEngine.open([file]);
    try {
      const rows = await engine.rows<{ name: string; keys: string[] }>('SELECT name, mapKeys(collection) AS keys FROM system.named_collections ORDER BY name');
      expect(rows).toEqual([
        { name: 'msk_cluster', keys: ['kafka.auto_offset_reset'] },
        { name: 'warpstream_ingestion', keys: ['kafka.auto_offset_reset'] },
      ]);
    } finally {
      await engine.kill();
    }
    expect(renderOffsetPolicyConfig(us, 'does_not_consume')).toBeUndefined();
  });

  test('legs of one role and backend that disagree are rejected (ClickHouse sets it per collection)', () => {
    const spec: TopologySpec = {
      ...US_TOPOLOGY,
      streams: [
        GROUPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL], offsets: { startAt: 'latest' } }]),
        { ...US_TOPOLOGY.streams![1], legs: [{ backend: 'msk_cluster', topic: 'clickhouse_heatmaps', roles: [NodeRole.SMALL], consumersPerNode: 1 }] },
      ],
    };
    expect(() => renderOffsetPolicyConfig(buildTopology(spec), 'small')).toThrow(TopologyValidationError);
    expect(() => renderOffsetPolicyConfig(buildTopology(spec), 'small')).toThrow(/msk_cluster.*one start policy/);
  });
});

describe('offset reset commands', () => {
  test('one reset per stream leg, with its group, topic and the backend\'s bootstrap variable', () => {
    const commands = offsetResetCommands(buildTopology(MIGRATING), { toDatetime: kafkaDatetime(Date.UTC(2026, 10, 22, 2)) });
    expect(commands.map((c) => [c.target.stream + c.target.legSuffix, c.target.group, c.target.topic])).toEqual([
      ['groups', 'clickhouse_groups', 'clickhouse_groups'],
      ['groups_ws', 'clickhouse_groups_ws', 'clickhouse_groups'],
      ['heatmaps', 'clickhouse_heatmaps', 'clickhouse_heatmaps'],
      ['events_ws', 'clickhouse_events_ws', 'clickhouse_events_json'],
    ]);
    expect(commands[0].execute).toBe('kafka-consumer-groups.sh --bootstrap-server "$KAFKA_HOSTS_MSK_CLUSTER" --command-config msk_cluster.properties ' +
      '--group clickhouse_groups --topic clickhouse_groups --reset-offsets --to-datetime 2026-11-22T02:00:00.000Z --execute');
    // WarpStream speaks the Kafka protocol: same tool, plaintext inside the cluster network.
    expect(commands[1].execute).toBe('kafka-consumer-groups.sh --bootstrap-server "$KAFKA_HOSTS_WARPSTREAM_INGESTION" ' +
      '--group clickhouse_groups_ws --topic clickhouse_groups --reset-offsets --to-datetime 2026-11-22T02:00:00.000Z --execute');
    expect(commands[0].dryRun).toMatch(/--dry-run$/);
    // The WarpStream leg starts at a timestamp: a one-off reset before its group first consumes.
    expect(commands[1].initialStart).toBe('kafka-consumer-groups.sh --bootstrap-server "$KAFKA_HOSTS_WARPSTREAM_INGESTION" ' +
      '--group clickhouse_groups_ws --topic clickhouse_groups --reset-offsets --to-datetime 2026-11-01T00:00:00.000Z --execute');
    expect(commands.filter((c) => c.initialStart !== undefined)).toHaveLength(1);
    expect(commands[0].describe).toMatch(/--describe --state$/);
  });

  test('client properties follow the auth mode and never hold a credential', () => {
    const backend = (auth: KafkaAuth) => ({ name: 'msk_cluster', kind: KafkaBackendKind.MSK, auth, brokerListEnv: 'X', topics: [] });
    expect(kafkaClientProperties(backend(KafkaAuth.PLAINTEXT))).toEqual([]);
    expect(kafkaClientProperties(backend(KafkaAuth.TLS))).toEqual(['security.protocol=SSL']);
    expect(kafkaClientProperties(backend(KafkaAuth.SASL_IAM))).toContain('sasl.mechanism=AWS_MSK_IAM');
    const scram = kafkaClientProperties(backend(KafkaAuth.SASL_SCRAM)).join('\n');
    expect(scram).toContain('username="${KAFKA_SASL_USERNAME_MSK_CLUSTER}" password="${KAFKA_SASL_PASSWORD_MSK_CLUSTER}"');
  });

  test.each([['us', US_TOPOLOGY], ['eu', EU_TOPOLOGY]])('the %s reset script is valid bash and names that region\'s groups', (_name, spec) => {
    const topology = buildTopology(spec);
    const script = renderOffsetResetScript(topology);
    const result = spawnSync('bash', ['-n'], { input: script });
    expect(result.status).toBe(0);
    for (const leg of topology.streams.flatMap((s) => s.legs)) expect(script).toContain(`--group ${leg.consumerGroup} --topic ${leg.topic.name}`);
    expect(script).toContain(`region ${topology.name}`);
  });
});
