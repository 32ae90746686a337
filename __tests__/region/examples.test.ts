import { MigrationPhase, migrationRegion } from '../../examples/backend-migration/region';
import { DEV_REGION } from '../../examples/dev-region/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { cleanUp, SynthesizedStack, synthStacks, TerraformJson } from './support/synth';

afterAll(cleanUp);

/** Every resource as `type.id` → its JSON (without cdktf's metadata), to compare two plans. */
/** What a changed access script touches: its ConfigMap and Job (new names), the CronJob that mounts it. */
const ACCESS_RESOURCES = ['kubernetes_config_map_v1', 'kubernetes_cron_job_v1', 'kubernetes_job_v1'];

function accessTypes(changed: readonly string[]): string[] {
  return changed.filter((a) => /clickhouse-access_/.test(a)).map((a) => a.split('.')[0]).sort();
}

function addresses(config: TerraformJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const [type, byId] of Object.entries(config.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) {
      const { ['//']: _metadata, ...rest } = body;
      out.set(`${type}.${id}`, JSON.stringify(rest));
    }
  }
  return out;
}

interface TopologyJson {
  streams: { name: string; dataTable: string; legs: { backend: string; consumerGroup: string; kafkaTable: string; writableTable: string }[];
    shuffle: { topic: string; producerTable: string } | null }[];
}

describe('examples', () => {
  test('dev region: small counts, safety defaults explicitly off', () => {
    const { dev } = synthStacks({ dev: DEV_REGION });
    const topology = JSON.parse(dev.artifacts.get('topology.json')!) as { storage: { hosts: unknown[] } };
    expect(topology.storage.hosts).toHaveLength(2);
    expect(DEV_REGION.development).toBe(true);
    // prevent_destroy and termination protection are the safety defaults that `development` turns off.
    const text = JSON.stringify(dev.config);
    expect(text).toContain('"prevent_destroy":false');
    expect(text).not.toContain('"prevent_destroy":true');
    expect(text).not.toContain('"disable_api_termination":true');
    // The policy pack passes only because the region says why prevent_destroy is off.
    expect(dev.policy.violations).toEqual([]);
    expect(new Set(dev.policy.suppressed.map((s) => s.ruleId))).toEqual(new Set(['stateful-prevent-destroy']));
  });

  describe('MSK → WarpStream migration', () => {
    let phases: Record<MigrationPhase, SynthesizedStack>;
    beforeAll(() => {
      phases = Object.fromEntries(Object.values(MigrationPhase).map((p) => [p, synthStacks({ migration: migrationRegion(p) }).migration])) as
        Record<MigrationPhase, SynthesizedStack>;
    });
    const groupsOf = (p: MigrationPhase): TopologyJson['streams'][number] =>
      (JSON.parse(phases[p].artifacts.get('topology.json')!) as TopologyJson).streams.find((s) => s.name === 'groups')!;

    test('every phase passes the policy pack', () => {
      for (const phase of Object.values(phases)) expect(phase.policy).toEqual({ violations: [], suppressed: [] });
    });

    test('both legs live: two consumer groups, one data table', () => {
      const groups = groupsOf(MigrationPhase.BOTH_LEGS);
      expect(groups.legs.map((l) => [l.backend, l.consumerGroup, l.kafkaTable, l.writableTable])).toEqual([
        ['msk_cluster', 'clickhouse_groups', 'kafka_groups', 'writable_groups'],
        ['warpstream_ingestion', 'clickhouse_groups_ws', 'kafka_groups_ws', 'writable_groups_ws'],
      ]);
      expect(groups.dataTable).toBe('groups');
    });

    test('adding the WarpStream leg only adds resources, and updates the small tier\'s release in place', () => {
      const before = addresses(phases[MigrationPhase.MSK_ONLY].config);
      const during = addresses(phases[MigrationPhase.BOTH_LEGS].config);
      const changed = [...before].filter(([address, body]) => during.get(address) !== body).map(([address]) => address);
      // The small tier's installation gains the new leg's objects and broker list; nothing is removed
      // or replaced but the access Job (its script, hence its name), which runs again to grant the
      // new writable table, and the reconcile CronJob that mounts the new script.
      expect(changed.filter((a) => !/clickhouse-access_/.test(a))).toEqual([expect.stringMatching(/^helm_release\.tier-small_/)]);
      expect(accessTypes(changed)).toEqual(ACCESS_RESOURCES);
      expect([...during.keys()].filter((a) => !before.has(a)).length).toBeGreaterThan(0);
      const sql = [...phases[MigrationPhase.BOTH_LEGS].artifacts.keys()].filter((p) => p.startsWith('sql/small/'));
      expect(sql).toEqual(expect.arrayContaining([
        expect.stringMatching(/_writable_groups_ws\.sql$/), expect.stringMatching(/_kafka_groups_ws\.sql$/), expect.stringMatching(/_groups_ws_mv\.sql$/),
      ]));
    });

    test('removing the MSK leg removes only MSK resources and keeps the WarpStream leg as it was', () => {
      const during = addresses(phases[MigrationPhase.BOTH_LEGS].config);
      const after = addresses(phases[MigrationPhase.WARPSTREAM_ONLY].config);
      for (const address of after.keys()) expect(during.has(address)).toBe(true);
      const removed = [...during.keys()].filter((a) => !after.has(a));
      expect(removed.length).toBeGreaterThan(0);
      // MSK's own resources, its CloudWatch alarms, and the small tier's IRSA identity that only signed MSK IAM requests.
      for (const address of removed) expect(address).toMatch(/kafka-msk_cluster|observability_msk-|Topics-msk_cluster|tier-small_(PodRole|PodTrust|PodMsk|ServiceAccount)/);
      expect(removed.filter((a) => a.includes('tier-small')).length).toBeGreaterThan(0);
      const changed = [...after].filter(([address, body]) => during.get(address) !== body).map(([address]) => address);
      expect(changed.filter((a) => !/clickhouse-access_/.test(a))).toEqual([expect.stringMatching(/^helm_release\.tier-small_/)]);
      expect(accessTypes(changed)).toEqual(ACCESS_RESOURCES);
      expect(groupsOf(MigrationPhase.WARPSTREAM_ONLY)).toEqual({ ...groupsOf(MigrationPhase.BOTH_LEGS), legs: [groupsOf(MigrationPhase.BOTH_LEGS).legs[1]] });
    });
  });

  test('ShuffleHog: the shufflehog tier re-keys into a topic that the events tier consumes', () => {
    const { shuffle } = synthStacks({ shuffle: SHUFFLEHOG_REGION });
    expect(shuffle.policy).toEqual({ violations: [], suppressed: [] });
    const { streams } = JSON.parse(shuffle.artifacts.get('topology.json')!) as TopologyJson;
    const shuffler = streams.find((s) => s.shuffle !== null)!;
    expect(shuffler.shuffle).toMatchObject({ topic: 'events_json_by_team_event', producerTable: 'kafka_events_shufflehog_shuffled' });
    expect(streams.find((s) => s.name === 'events')!.legs[0]).toMatchObject({ kafkaTable: 'kafka_events_ws' });
  });
});
