/**
 * ShuffleHog end to end on real engines: a mock Kafka cluster (librdkafka's, held by Debian's
 * kcat) carries unkeyed events; a ShuffleHog node (chdb with the shufflehog role's rendered
 * config and startup script) consumes them through kafka_<t> → <t>_mv and produces them, keyed by
 * team + event, through the producer table into the re-partitioned topic; kcat reads that topic
 * back with partitions and keys.
 */
import { execFile } from 'child_process';
import { promisify } from 'util';
import { buildTopology, KafkaBackendKind, NodeRole, TopologySpec } from '../../lib/model';
import { renderStartupScripts, startupScriptQueries } from '../../lib/schema';
import { hasKcat, MockKafka } from '../clickhouse/support/mock-kafka';
import { shortKafkaSessions } from '../support/engine';
import { inspectRole, RoleSnapshot } from './support/inspect-role';
import { roleConfig } from './support/role-config';
import { SHUFFLEHOG } from './support/topologies';

if (!hasKcat) console.warn('Skipping the ShuffleHog Kafka test: Debian package `kcat` is not installed (apt-get install kcat).');

const INPUT = 'clickhouse_events_json';
const OUTPUT = 'events_by_team_event';

const SPEC: TopologySpec = {
  name: 'shuffle',
  availabilityZones: ['us-east-1a'],
  storage: { shards: 1, replicas: 1 },
  ingestionTiers: [{ role: NodeRole.SHUFFLEHOG, nodes: 1, cores: 2, consumersPerNode: 2 }],
  kafkaBackends: [{
    name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM,
    topics: [{ name: INPUT, partitions: 4 }, { name: OUTPUT, partitions: 4 }],
  }],
  streams: [SHUFFLEHOG],
};

interface Message { partition: number; key: string; value: string }

// Async throughout: the mock cluster's kcat logs to a pipe this process must keep draining.
const run = promisify(execFile);

/** Every message of a topic with its partition and key. */
async function readTopic(bootstrap: string, topic: string, count: number): Promise<Message[]> {
  const { stdout: out } = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q',
    '-f', '%p\\t%k\\t%s\\n'], { encoding: 'utf8', timeout: 20_000 });
  // ClickHouse's JSONEachRow messages end with a newline of their own: skip the blank lines.
  return out.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const [partition, key, value] = line.split('\t');
    return { partition: Number(partition), key, value };
  });
}

function partitionsByKey(messages: readonly Message[], keyOf: (m: Message) => string): Map<string, Set<number>> {
  const byKey = new Map<string, Set<number>>();
  for (const m of messages) byKey.set(keyOf(m), (byKey.get(keyOf(m)) ?? new Set<number>()).add(m.partition));
  return byKey;
}

describe('ShuffleHog re-keys a topic so each key lands on one partition', () => {
  let kafka: MockKafka | undefined;
  afterAll(() => kafka?.stop());

  (hasKcat ? test : test.skip)('team + event keys: every key on exactly one partition of the re-partitioned topic', async () => {
    const topology = buildTopology(SPEC);
    const teams = [1, 2, 3];
    const events = ['pageview', 'click', 'signup', 'purchase'];
    const lines: string[] = [];
    for (let i = 0; i < 48; i++) {
      const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      lines.push(JSON.stringify({ uuid, event: events[i % 4], team_id: teams[Math.floor(i / 4) % 3], properties: `{"i":${i}}` }));
    }
    // The mock cluster lives as long as this kcat; the events go in through other kcats, which exit once they are delivered.
    kafka = await MockKafka.start('keepalive');
    // Spread each (team, event) over all 4 partitions (the mock creates topics with 4), as an
    // unkeyed producer does over time.
    for (let partition = 0; partition < 4; partition++) {
      const producer = execFile('kcat', ['-P', '-b', kafka.bootstrap, '-t', INPUT, '-p', String(partition)], { timeout: 20_000 });
      await new Promise<void>((resolve, reject) => {
        producer.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited with ${code}`))));
        producer.stdin!.end(lines.filter((_l, i) => Math.floor(i / 4) % 4 === partition).join('\n') + '\n');
      });
    }
    const input = await readTopic(kafka.bootstrap, INPUT, lines.length);
    const teamEvent = (m: Message): string => {
      const v = JSON.parse(m.value) as { team_id: number; event: string };
      return `${v.team_id}:${v.event}`;
    };
    // The problem ShuffleHog exists for: one (team, event) spread over several partitions.
    expect([...partitionsByKey(input, teamEvent).values()].map((p) => p.size)).toEqual(Array<number>(12).fill(4));

    const { files, env, cleanup } = roleConfig(topology, NodeRole.SHUFFLEHOG);
    // PostHog's own 10 s poll and 7.5 s flush stay: a flush before the second consumer has joined
    // would be redelivered by the rebalance (at-least-once), and the test counts every event once.
    const queries = startupScriptQueries(renderStartupScripts(topology, NodeRole.SHUFFLEHOG));
    let snapshot: RoleSnapshot;
    try {
      snapshot = await inspectRole({
        files: [...files, shortKafkaSessions(topology.kafkaBackends.map((b) => b.name))],
        env: { ...env, KAFKA_HOSTS_WARPSTREAM_INGESTION: kafka.bootstrap },
        database: topology.database,
        queries,
        // The group join (~4 s on the mock) plus one flush interval (7.5 s, PostHog leaves it unset) before the first commit.
        waitFor: {
          // Every consumer that read has committed (it produces before it commits): with two
          // consumers, one commit alone could leave the other's half unproduced when the node dies.
          query: 'SELECT sum(num_messages_read) >= 48 AND sum(num_commits) > 0 AND countIf(num_messages_read > 0 AND num_commits = 0) = 0 ' +
            "FROM system.kafka_consumers WHERE table = 'kafka_events_shuffle_ws'",
          // Generous: on 2 shared cores under a full test run this can take several times longer.
          timeoutMs: 90_000,
        },
        probes: ['SELECT table, num_messages_read, num_commits, exceptions.text FROM system.kafka_consumers'],
      });
    } finally {
      cleanup();
    }
    expect(snapshot.error).toBeUndefined();
    expect({ waited: snapshot.waited, consumers: snapshot.waited ? [] : snapshot.probeResults[0] }).toEqual({ waited: true, consumers: [] });

    const output = await readTopic(kafka.bootstrap, OUTPUT, lines.length);
    expect(output).toHaveLength(48);
    // The key is the declared expression: team + ':' + event, and it matches the row it carries.
    for (const m of output) expect(m.key).toBe(teamEvent(m));
    const byKey = partitionsByKey(output, (m) => m.key);
    expect(byKey.size).toBe(12);
    for (const [key, partitions] of byKey) expect({ key, partitions: partitions.size }).toEqual({ key, partitions: 1 });
    // Re-partitioned, not funnelled: the keys spread over more than one partition.
    expect(new Set(output.map((m) => m.partition)).size).toBeGreaterThan(1);
    // Every event came through once.
    expect(output.map((m) => (JSON.parse(m.value) as { uuid: string }).uuid).sort()).toEqual(lines.map((l) => (JSON.parse(l) as { uuid: string }).uuid).sort());
  }, 180_000);
});
