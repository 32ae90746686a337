import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { ALERT_FAMILIES } from '../../lib/observability/alerts';
import { renderObservabilityArtifacts, RULE_FILE } from '../../lib/constructs/observability';
import { DEAD_LETTER_TABLE_SUFFIX } from '../../lib/observability/metrics';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { alertsOf, hasPromtool, promtool } from './support';

const regions = { us: US_REGION, eu: EU_REGION };

describe.each(Object.entries(regions))('alert rules of %s', (_name, spec) => {
  const { topology, alerts } = alertsOf(spec);
  const files = renderObservabilityArtifacts(topology, alerts);
  const rules = parse(files.find((f) => f.path.endsWith(RULE_FILE))!.content) as { groups: { name: string; rules: { alert: string; expr: string; labels: Record<string, string> }[] }[] };
  const all = rules.groups.flatMap((g) => g.rules);

  test('cover every alert family of the issue list', () => {
    const names = new Set(alerts.map((a) => a.family.name));
    for (const family of Object.values(ALERT_FAMILIES)) expect(names).toContain(family.name);
  });

  test('per stream leg: lag and no-progress for every consumed leg, named by stream and leg, with its group and topic', () => {
    for (const stream of topology.streams) {
      for (const leg of stream.legs) {
        const mine = all.filter((r) => r.labels.stream === stream.name && r.labels.consumer_group === leg.consumerGroup);
        expect(mine.map((r) => r.alert.replace(/_.*/, '')).sort()).toEqual(['IngestLagHigh', 'IngestNoProgress']);
        for (const r of mine) {
          expect(r.alert).toContain(`_${stream.name}_`);
          expect(r.expr).toContain(JSON.stringify(leg.topic.name));
        }
        // The lag threshold comes from the model: 100000 messages per partition of the leg's topic.
        expect(mine.find((r) => r.alert.startsWith('IngestLagHigh'))!.expr).toMatch(new RegExp(`> ${100_000 * leg.topic.partitions}$`));
      }
      expect(all.find((r) => r.alert === `DeadLetterRows_${stream.name}`)!.expr).toContain(`"${stream.name}${DEAD_LETTER_TABLE_SUFFIX}"`);
    }
  });

  test('a tier alerts when its consumers hold fewer partitions than its legs\' topics have (from the model)', () => {
    for (const tier of topology.ingestionTiers.filter((t) => t.consuming)) {
      const partitions = topology.streams.flatMap((s) => s.legs).filter((l) => l.roles.some((r) => r.value === tier.role.value))
        .reduce((sum, l) => sum + l.topic.partitions, 0);
      const rule = all.find((r) => r.alert === `TierPartitionsUnassigned_${tier.role.value}`)!;
      expect(rule.expr).toContain('ClickHouseMetrics_KafkaAssignedPartitions');
      expect(rule.expr).toMatch(new RegExp(`< ${partitions}$`));
      expect(all.find((r) => r.alert === `TierConsumersNone_${tier.role.value}`)!.expr).toContain('ClickHouseMetrics_KafkaConsumersWithAssignment');
    }
  });

  test('the test file has one firing and one silent case per alert', () => {
    const tests = (parse(files.find((f) => f.path.endsWith('alerts.test.yaml'))!.content) as { tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
    for (const rule of all) {
      const mine = tests.filter((t) => t.alert_rule_test[0].alertname === rule.alert);
      expect(mine.map((t) => t.alert_rule_test[0].exp_alerts.length).sort()).toEqual([0, 1]);
    }
  });

  (hasPromtool ? test : test.skip)('promtool check rules accepts the rule file, and promtool test rules passes every firing and silent case', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      for (const f of files) writeFileSync(join(dir, f.path.split('/').pop()!), f.content);
      expect(await promtool(['check', 'rules', RULE_FILE], { cwd: dir })).toMatch(new RegExp(`SUCCESS: ${all.length} rules found`));
      expect(await promtool(['test', 'rules', 'alerts.test.yaml'], { cwd: dir })).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

(hasPromtool ? describe : describe.skip)('the generated cases can fail', () => {
  test('a rule whose threshold is wrong fails its firing case; one that always fires fails its silent case', async () => {
    const { topology, alerts } = alertsOf(US_REGION);
    const pick = ['ReplicaReadOnly', 'ZooKeeperSnapshotFilesHigh'];
    const chosen = alerts.filter((a) => pick.includes(a.rule.alert));
    const broken = chosen.map((a) => (a.rule.alert === 'ReplicaReadOnly'
      ? { ...a, rule: { ...a.rule, expr: a.rule.expr.replace('> 0', '> 5') } } // never fires
      : { ...a, rule: { ...a.rule, expr: `${a.rule.expr.replace(/> \d+$/, '>= 0')}` } })); // always fires
    const dir = mkdtempSync(join(tmpdir(), 'rules-broken-'));
    try {
      for (const f of renderObservabilityArtifacts(topology, broken)) writeFileSync(join(dir, f.path.split('/').pop()!), f.content);
      const error = await promtool(['test', 'rules', 'alerts.test.yaml'], { cwd: dir }).then(() => '', (e: Error) => e.message);
      expect(error).toMatch(/FAILED/);
      expect(error).toMatch(/alertname: ReplicaReadOnly/);
      expect(error).toMatch(/alertname: ZooKeeperSnapshotFilesHigh/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
