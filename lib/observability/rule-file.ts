import { stringify } from 'yaml';
import { AlertDefinition, AlertRule } from './alerts';

/** A Prometheus rule file: `groups` of rules, as `promtool check rules` and the PrometheusRule CRD's `spec` read it. */
export interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly AlertRule[] }[];
}

/** Groups the alerts by their group, in first-seen order. */
export function ruleFile(alerts: readonly AlertDefinition[]): RuleFile {
  const groups = new Map<string, AlertRule[]>();
  for (const a of alerts) {
    const list = groups.get(a.group) ?? [];
    list.push(a.rule);
    groups.set(a.group, list);
  }
  return { groups: [...groups.entries()].map(([name, rules]) => ({ name, rules })) };
}

// `directives: false`: these documents carry no %YAML/%TAG lines, and yaml would walk each whole document to decide.
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, directives: false } as const;

export function renderRuleFile(alerts: readonly AlertDefinition[]): string {
  return stringify(ruleFile(alerts), YAML_OPTIONS);
}

/**
 * The `promtool test rules` file for `ruleFileName` (relative to it): per alert, one test where
 * its failure series make it fire with its labels and annotations, and one on healthy series where
 * it stays silent.
 */
export function renderRuleTests(alerts: readonly AlertDefinition[], ruleFileName: string): string {
  const tests = alerts.flatMap((a) => [
    {
      name: `${a.rule.alert} fires`,
      interval: '1m',
      input_series: a.firing.series.map((s) => ({ series: s.series, values: s.values })),
      alert_rule_test: [{
        eval_time: `${a.evalMinutes}m`,
        alertname: a.rule.alert,
        exp_alerts: [{ exp_labels: { ...a.firing.labels }, exp_annotations: { ...a.rule.annotations } }],
      }],
    },
    {
      name: `${a.rule.alert} stays silent`,
      interval: '1m',
      input_series: a.silent.series.map((s) => ({ series: s.series, values: s.values })),
      alert_rule_test: [{ eval_time: `${a.evalMinutes}m`, alertname: a.rule.alert, exp_alerts: [] }],
    },
  ]);
  // Rules are evaluated every 5 minutes of test time (series have a sample a minute): `for` and
  // windows are whole multiples of it, and promtool runs 4× faster than at 1m.
  return stringify({ rule_files: [ruleFileName], evaluation_interval: '5m', tests }, YAML_OPTIONS);
}
