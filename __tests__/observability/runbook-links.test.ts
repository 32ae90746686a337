import { readFileSync } from 'fs';
import { join } from 'path';
import { renderRunbooks } from '../../lib/dr/runbooks';
import { ALERT_FAMILIES } from '../../lib/observability/alerts';
import { US_REGION } from '../../stacks/us';
import { alertsOf } from './support';

const { topology, alerts } = alertsOf(US_REGION);
const runbooks = renderRunbooks(topology, { awsRegion: 'us-east-1', alerts: alerts.map((a) => a.rule) });

test('every alert that names a runbook names a generated one, and that runbook links back to it', () => {
  const withRunbook = alerts.filter((a) => a.rule.annotations.runbook !== undefined);
  expect(withRunbook.length).toBeGreaterThan(alerts.length / 2);
  for (const a of withRunbook) {
    const file = runbooks.find((f) => f.path === a.rule.annotations.runbook);
    expect(file).toBeDefined();
    expect(file!.content).toContain('## Alerts that lead here');
    expect(file!.content).toContain(`| \`${a.rule.alert}\` | ${a.rule.labels.severity} |`);
  }
});

test('docs/observability.md lists every alert family with its meaning and its runbook', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'observability.md'), 'utf8');
  for (const f of Object.values(ALERT_FAMILIES)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${f.name}\``));
    expect(row).toBeDefined();
    expect(row).toContain(f.severity);
    expect(row).toContain(f.runbook === undefined ? 'none yet' : `\`${f.runbook}\``);
  }
});
