/**
 * The dead-letter drill (lib/rehearsal/dead-letter-drill.ts) on the real mock Kafka cluster (kcat)
 * and chdb: a malformed message lands in the stream's dead-letter table with its error and
 * position, and every good event lands exactly once. Skips when kcat is missing.
 */
import { kcatAvailable } from '../../lib/rehearsal/mock-kafka';
import { bundleFromTopology, deadLetterDrill, MALFORMED_MESSAGE } from '../../lib/rehearsal';
import { buildTopology, KafkaBackendKind, NodeRole } from '../../lib/model';
import { GROUPS_STREAM } from '../../stacks/posthog-region';

const hasKcat = kcatAvailable();
if (!hasKcat) console.warn('kcat is not installed: the dead-letter drill test is skipped (apt-get install kcat)');

const topology = buildTopology({
  name: 'dl', availabilityZones: ['us-east-1a'], storage: { shards: 1, replicas: 1 },
  ingestionTiers: [{ role: NodeRole.SMALL, nodes: 1, cores: 2 }],
  kafkaBackends: [{ name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'clickhouse_groups', partitions: 1 }] }],
  streams: [GROUPS_STREAM([{ backend: 'msk_cluster', topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }])],
});

describe('rehearsal drill: dead letters', () => {
  (hasKcat ? test : test.skip)('a malformed event lands in groups_dead_letters with its error and offset; no good event is lost', async () => {
    const report = await deadLetterDrill(bundleFromTopology(topology), { events: 10, timeoutMs: 60_000 });
    expect({ ok: report.ok, details: report.ok ? [] : report.details }).toEqual({ ok: true, details: [] });
    expect(report.details.join('\n')).toContain(`posthog.groups_dead_letters: 1 row(s); clickhouse_groups[0]@5: ${JSON.stringify(MALFORMED_MESSAGE)}`);
    expect(report.details.join('\n')).toContain('posthog.groups: 10 of 10 good events');
  }, 120_000);
});
