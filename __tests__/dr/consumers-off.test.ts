/**
 * Restore without consuming: a region (or one tier) deployed with `consumers: 'off'` gets every
 * resource and every data table, but no Kafka table, view or writable table on its ingestion
 * nodes, so a region restored from a backup consumes nothing until it is switched on.
 */
import { App, Testing } from 'cdktf';
import { DisasterRecovery } from '../../lib/constructs/disaster-recovery';
import { checkOneConsumerPerGroupAcrossStacks } from '../../lib/dr/offsets';
import { buildTopology, Problems, TopologyValidationError } from '../../lib/model';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { renderStartupScripts, startupScriptQueries, statementsForRole } from '../../lib/schema';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION, US_TOPOLOGY } from '../../stacks/us';
import { tempDir } from '../support/temp';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

describe('consumers off in the model and the schema', () => {
  test('no Kafka table, view or writable table on any tier; the data tables stay', () => {
    const on = buildTopology(US_TOPOLOGY);
    const off = buildTopology({ ...US_TOPOLOGY, consumers: 'off' });
    expect(off.ingestionTiers.map((t) => t.consuming)).toEqual([false, false, false]);
    expect(statementsForRole(off, 'data')).toEqual(statementsForRole(on, 'data'));
    for (const tier of off.ingestionTiers) {
      expect(statementsForRole(on, tier.role).length).toBeGreaterThan(0);
      expect(statementsForRole(off, tier.role)).toEqual([]);
      expect(startupScriptQueries(renderStartupScripts(off, tier.role))).toEqual([]);
    }
  });

  test('a tier can override the region: here only small consumes', () => {
    const t = buildTopology({
      ...US_TOPOLOGY, consumers: 'off',
      ingestionTiers: US_TOPOLOGY.ingestionTiers!.map((x) => (x.role.toString() === 'small' ? { ...x, consumers: 'on' as const } : x)),
    });
    expect(t.ingestionTiers.map((x) => [x.role.value, x.consuming])).toEqual([['small', true], ['medium', false], ['events', false]]);
    expect(statementsForRole(t, 'small').map((s) => s.kind).filter((k) => k !== 'access-role'))
      .toEqual(['database', 'writable-table', 'dead-letter-writable-table', 'kafka-table', 'dead-letter-view', 'materialized-view']);
  });

  test('anything but on or off is rejected', () => {
    expect(() => buildTopology({ ...US_TOPOLOGY, consumers: 'paused' as never })).toThrow(TopologyValidationError);
    expect(() => buildTopology({ ...US_TOPOLOGY, consumers: 'paused' as never })).toThrow(/consumers: got "paused"; expected 'on' or 'off'/);
  });
});

describe('consumers off in the us stack', () => {
  function synth(spec: RegionStackProps): Resources {
    const stack = new RegionStack(new App({ outdir: tempDir('cdktf.outdir.') }), 'us', spec);
    return (JSON.parse(Testing.synth(stack)) as { resource: Resources }).resource;
  }

  test('every resource is deployed; only the tiers\' Helm values (their boot schema), the alert rules and the access Job differ', () => {
    const on = synth(US_REGION);
    const off = synth({ ...US_REGION, consumers: 'off' });
    const addresses = (r: Resources): string[] => Object.entries(r).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)).sort();
    expect(addresses(off)).toEqual(addresses(on));
    const differing = addresses(on).filter((a) => {
      const [type, name] = a.split(/\.(.*)/s);
      return JSON.stringify(on[type][name]) !== JSON.stringify(off[type][name]);
    });
    // The access Job too: with no writable tables on the tiers there are no grants or writer there
    // (its script, hence its name and the CronJob's ConfigMap, change).
    const access = differing.filter((a) => a.includes('clickhouse-access_'));
    expect(access.map((a) => a.split('.')[0]).sort()).toEqual(['kubernetes_config_map_v1', 'kubernetes_cron_job_v1', 'kubernetes_job_v1']);
    const script = (r: Resources): string => JSON.stringify(Object.values(r.kubernetes_config_map_v1).find((c) => JSON.stringify(c).includes('apply-access.sh')));
    expect(script(on)).toMatch(/access_small/);
    expect(script(off)).not.toMatch(/access_small|writable_/);
    const changed = differing.filter((a) => !access.includes(a));
    expect(changed.length).toBe(4);
    expect(changed.every((a) => a.startsWith('helm_release.'))).toBe(true);
    // Nothing consumes, so the rules drop the consumer alerts (lag, partitions held) that would fire.
    const monitoring = changed.find((a) => a.includes('observability_monitoring'))!;
    expect(JSON.stringify(on.helm_release[monitoring.split('.')[1]])).toContain('TierConsumersNone_');
    expect(JSON.stringify(off.helm_release[monitoring.split('.')[1]])).not.toContain('TierConsumersNone_');
    for (const address of changed.filter((a) => a !== monitoring)) {
      const [type, name] = address.split(/\.(.*)/s);
      const values = JSON.stringify(off[type][name]);
      expect(values).not.toMatch(/ENGINE = Kafka|CREATE MATERIALIZED VIEW|writable_/);
      expect(JSON.stringify(on[type][name])).toMatch(/ENGINE = Kafka/);
    }
  });
});

describe('one consuming cluster per topic and group across stacks', () => {
  const us = buildTopology(US_TOPOLOGY);
  const restored = buildTopology({ ...US_TOPOLOGY, consumers: 'off' });
  const shared = { msk_cluster: 'b-1.msk.example:9098', warpstream_ingestion: 'agents.example:9092' };
  const check = (regions: Parameters<typeof checkOneConsumerPerGroupAcrossStacks>[1]): Problems => {
    const problems = new Problems();
    checkOneConsumerPerGroupAcrossStacks(problems, regions);
    return problems;
  };

  test('two stacks consuming the same groups of a shared backend are refused, every group listed', () => {
    const problems = check([{ stack: 'us', topology: us, backendIdentity: shared }, { stack: 'us_dr', topology: us, backendIdentity: shared }]);
    expect(problems.all.map((p) => (p.value as { group: string }).group).sort()).toEqual(['clickhouse_events_ws', 'clickhouse_groups', 'clickhouse_heatmaps']);
    expect(problems.all[0].value).toMatchObject({ clusters: ['us/ingestion_small', 'us_dr/ingestion_small'] });
    expect(problems.all[0].expected).toMatch(/consumers: 'off'/);
  });

  test('the restored stack with its consumers off, or backends of their own, are fine', () => {
    expect(check([{ stack: 'us', topology: us, backendIdentity: shared }, { stack: 'us_dr', topology: restored, backendIdentity: shared }]).empty).toBe(true);
    expect(check([{ stack: 'us', topology: us, backendIdentity: {} }, { stack: 'eu', topology: us, backendIdentity: {} }]).empty).toBe(true);
  });

  test('the default app (us and eu, each with its own backends) passes', () => {
    const app = new App({ outdir: tempDir('cdktf.outdir.') });
    const stacks = [new RegionStack(app, 'us', US_REGION), new RegionStack(app, 'eu', EU_REGION)];
    expect(() => DisasterRecovery.checkApp(stacks)).not.toThrow();
  });
});
