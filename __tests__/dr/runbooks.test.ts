/**
 * Runbooks rendered from each default region's model: every runbook is there, names this region's
 * real hosts, tables, groups and prefixes, and nothing of the other region; the shell script in
 * them is valid bash.
 */
import { spawnSync } from 'child_process';
import { renderRunbooks } from '../../lib/dr/runbooks';
import { buildTopology } from '../../lib/model';
import { EU_TOPOLOGY } from '../../stacks/eu';
import { US_TOPOLOGY } from '../../stacks/us';

const regions = [
  { name: 'us', topology: buildTopology(US_TOPOLOGY), awsRegion: 'us-east-1', other: 'eu' },
  { name: 'eu', topology: buildTopology(EU_TOPOLOGY), awsRegion: 'eu-central-1', other: 'us' },
];

describe.each(regions)('runbooks of $name', ({ topology, awsRegion, other }) => {
  const files = new Map(renderRunbooks(topology, { awsRegion, diskSizes: { 'storage/ch-data-s01-r1-data': 4096 } }).map((f) => [f.path, f.content]));

  test('all six runbooks and the reset script', () => {
    expect([...files.keys()]).toEqual([
      'runbooks/grow-a-disk.md', 'runbooks/backup-and-restore.md', 'runbooks/reset-consumer-offsets.md', 'runbooks/reset-offsets.sh',
      'runbooks/migrate-kafka-backend.md', 'runbooks/replace-ingestion-pod.md', 'runbooks/zookeeper-snapshot-retention.md',
    ]);
    for (const [path, content] of files) {
      if (path.endsWith('.md')) expect(content).toMatch(new RegExp(`^# .+ — region \`${topology.name}\`\\n`));
    }
  });

  test('they name this region\'s hosts, tables, groups, prefixes and ZooKeeper nodes, and not the other region\'s', () => {
    const all = [...files.values()].join('\n');
    const lastShard = topology.storage.shards;
    expect(files.get('runbooks/backup-and-restore.md')).toContain(`\`${topology.name}/shard-${String(lastShard).padStart(2, '0')}/\``);
    expect(files.get('runbooks/backup-and-restore.md')).toContain(`RESTORE TABLE posthog.groups, TABLE posthog.sharded_heatmaps, TABLE posthog.sharded_events FROM S3('https://$BACKUP_BUCKET.s3.${awsRegion}.amazonaws.com/${topology.name}/shard-01/<backup-name>/')`);
    for (const h of topology.storage.hosts.filter((x) => x.replica === 1)) expect(all).toContain(h.fqdn);
    for (const leg of topology.streams.flatMap((s) => s.legs)) {
      expect(files.get('runbooks/reset-consumer-offsets.md')).toContain(`--group ${leg.consumerGroup} --topic ${leg.topic.name} --reset-offsets`);
      expect(files.get('runbooks/migrate-kafka-backend.md')).toContain(`\`${leg.kafkaTable}\`, \`${leg.materializedView}\`, \`${leg.writableTable}\``);
    }
    for (const z of topology.zookeeper) expect(files.get('runbooks/zookeeper-snapshot-retention.md')).toContain(`echo mntr | nc ${z.fqdn} 2181`);
    for (const t of topology.ingestionTiers) expect(files.get('runbooks/replace-ingestion-pod.md')).toContain(`\`ingestion-${t.kubernetesName}\``);
    expect(files.get('runbooks/grow-a-disk.md')).toContain('`storage/ch-data-s01-r1-data` | 4096');
    expect(all).not.toContain(`.${other}.clickhouse.internal`);
  });

  test('the reset script is valid bash', () => {
    expect(spawnSync('bash', ['-n'], { input: files.get('runbooks/reset-offsets.sh') }).status).toBe(0);
  });
});
