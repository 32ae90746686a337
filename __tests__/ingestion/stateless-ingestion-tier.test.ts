/**
 * The synthesized Terraform of the Kubernetes side: one helm_release per tier whose values hold
 * exactly one ClickHouseInstallation, read back from the JSON Terraform would apply.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { create } from 'xmlbuilder2';
import { ClickHouseOperator } from '../../lib/constructs/clickhouse-operator';
import { requiredEnvironment, nodeGroups } from '../../lib/clickhouse';
import { EnvSource, ReclaimPolicy } from '../../lib/kubernetes/chi';
import { toHelmValuesYaml } from '../../lib/kubernetes/yaml';
import { buildTopology, NodeRole, TopologyValidationError } from '../../lib/model';
import { chartDirectory, StatelessIngestionTier } from '../../lib/constructs/stateless-ingestion-tier';
import { buildRegion, helmRelease, newStack, resources, SMALL_REGION, synthJson } from './support/region';
import { fullSynth } from '../support/temp';

interface Chi {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: {
    configuration: {
      clusters: { name: string; layout: { shardsCount: number; replicasCount: number }; pdbMaxUnavailable: number }[];
      files: Record<string, string>;
    };
    defaults: { templates: { podTemplate: string; dataVolumeClaimTemplate: string } };
    templates: {
      podTemplates: {
        name: string;
        podDistribution: { type: string; scope?: string }[];
        spec: {
          topologySpreadConstraints: { topologyKey: string }[];
          containers: { name: string; env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
            resources: { requests: { cpu: string; memory: string } } }[];
        };
      }[];
      volumeClaimTemplates: Record<string, unknown>[];
    };
  };
}

describe('StatelessIngestionTier: small (1 consumer), medium (4), events (8)', () => {
  const region = buildRegion();
  const json = synthJson(region.stack);
  const chiOf = (role: string): { chi: Chi; config: Record<string, unknown> } => {
    const { config, values } = helmRelease(json, `ingestion-${role}`);
    expect(Object.keys(values)).toEqual(['installation']);
    return { chi: values.installation as Chi, config };
  };

  test.each(['small', 'medium', 'events'])('%s: one CHI, shards only, replicasCount 1', (role) => {
    const { chi } = chiOf(role);
    const tier = region.topology.ingestionTiers.find((t) => t.role.value === role)!;
    expect(chi.apiVersion).toBe('clickhouse.altinity.com/v1');
    expect(chi.kind).toBe('ClickHouseInstallation');
    expect(chi.metadata).toMatchObject({ name: `ingestion-${role}`, namespace: 'clickhouse-ingestion' });
    expect(chi.spec.configuration.clusters).toHaveLength(1);
    expect(chi.spec.configuration.clusters[0]).toMatchObject({
      name: role, layout: { shardsCount: tier.nodes, replicasCount: 1 }, pdbMaxUnavailable: 1,
    });
  });

  test.each(['small', 'medium', 'events'])('%s: the cache volume is Delete at the template root, 10Gi', (role) => {
    const { chi } = chiOf(role);
    const vcts = chi.spec.templates.volumeClaimTemplates;
    expect(vcts).toHaveLength(1);
    expect(vcts[0].reclaimPolicy).toBe('Delete');
    // Inside spec the operator ignores it (altinity issues #1619, #1683): it must not be there.
    expect(vcts[0].spec).not.toHaveProperty('reclaimPolicy');
    expect(vcts[0].spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    expect(chi.spec.defaults.templates.dataVolumeClaimTemplate).toBe(vcts[0].name);
  });

  test.each(['small', 'medium', 'events'])('%s: CPU requests cover the consumers; pods spread across nodes and zones', (role) => {
    const { chi } = chiOf(role);
    const tier = region.topology.ingestionTiers.find((t) => t.role.value === role)!;
    const pod = chi.spec.templates.podTemplates[0];
    expect(chi.spec.defaults.templates.podTemplate).toBe(pod.name);
    const cpu = Number(pod.spec.containers[0].resources.requests.cpu);
    expect(cpu).toBe(tier.cores);
    const consumers = region.topology.streams.flatMap((s) => s.legs).map((l) => l.consumersPerNode[role]).filter((c) => c !== undefined);
    expect(consumers.length).toBeGreaterThan(0);
    for (const c of consumers) expect(c).toBeLessThanOrEqual(cpu);
    expect(pod.podDistribution).toContainEqual({ type: 'ClickHouseAntiAffinity', scope: 'ClickHouseInstallation' });
    expect(pod.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
  });

  test('consumers per node follow the tiers: small 1, medium 4, events 8', () => {
    const perRole = (role: string) => region.topology.streams.flatMap((s) => s.legs).map((l) => l.consumersPerNode[role]).filter((c) => c !== undefined);
    expect(perRole('small')).toEqual([1, 1]);
    expect(perRole('medium')).toEqual([4]);
    expect(perRole('events')).toEqual([8]);
  });

  test.each(['small', 'medium', 'events'])('%s: every variable the config reads is set; secrets only from the Secret', (role) => {
    const { chi } = chiOf(role);
    const env = chi.spec.templates.podTemplates[0].spec.containers[0].env;
    const group = nodeGroups(region.topology).find((g) => g.kind === 'ingestion' && g.role.value === role)!;
    expect(env.map((e) => e.name)).toEqual(requiredEnvironment(region.topology, group));
    for (const e of env) {
      const backend = region.topology.kafkaBackends.find((b) => b.brokerListEnv === e.name);
      if (backend === undefined) {
        expect(e.value).toBeUndefined();
        expect(e.valueFrom!.secretKeyRef).toEqual({ name: 'clickhouse-ingestion', key: e.name });
      } else {
        expect(e.valueFrom).toBeUndefined();
        expect(e.value).toMatch(/^\$\{aws_msk_cluster\.[A-Za-z0-9_]+\.bootstrap_brokers_sasl_iam\}$|^warpstream-ingestion\.warpstream\.svc\.cluster\.local:9092$/);
      }
    }
  });

  test('one stream consumes from MSK and WarpStream at once: two legs on the small tier', () => {
    const { chi } = chiOf('small');
    const env = chi.spec.templates.podTemplates[0].spec.containers[0].env;
    const brokers = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(brokers.KAFKA_HOSTS_MSK_CLUSTER).toMatch(/bootstrap_brokers_sasl_iam/);
    expect(brokers.KAFKA_HOSTS_WARPSTREAM_INGESTION).toBe('warpstream-ingestion.warpstream.svc.cluster.local:9092');
    const script = chi.spec.configuration.files['config.d/startup_scripts.xml'];
    expect(script).toContain('kafka_groups');
    expect(script).toContain('kafka_groups_ws');
    const collections = chi.spec.configuration.files['config.d/named_collections.xml'];
    expect(collections).toContain('<msk_cluster>');
    expect(collections).toContain('<warpstream_ingestion>');
  });

  test('each backend\'s namedCollectionSettings are what the named collection in the CHI carries', () => {
    const xml = chiOf('small').chi.spec.configuration.files['config.d/named_collections.xml'];
    const doc = create(xml).toObject() as { clickhouse: { named_collections: Record<string, Record<string, unknown>> } };
    for (const backend of region.backends) {
      const collection = doc.clickhouse.named_collections[backend.backendName];
      expect(collection).toBeDefined();
      const settings = Object.fromEntries(Object.entries(collection).filter(([k]) => k !== 'kafka_broker_list'));
      expect(settings).toEqual(backend.namedCollectionSettings);
      expect(collection.kafka_broker_list).toEqual({ '@from_env': backend.brokerListEnv });
    }
  });

  test('config files: remote_servers in a no-restart file, macros, named collections, profile, boot schema', () => {
    for (const role of ['small', 'medium', 'events']) {
      const files = Object.keys(chiOf(role).chi.spec.configuration.files);
      expect(files).toEqual(expect.arrayContaining([
        'config.d/remote_servers_no_restart.xml', 'config.d/role_macros.xml', 'config.d/named_collections.xml',
        'users.d/ingestion_profile.xml', 'config.d/startup_scripts.xml',
      ]));
      for (const f of files) expect(f).toMatch(/^(config|users)\.d\/[A-Za-z0-9_.-]+\.xml$/);
    }
  });

  test('each installation release depends on the operator release and uses the packaged chart', () => {
    const operatorId = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === 'clickhouse-operator')![0];
    for (const role of ['small', 'medium', 'events']) {
      const { config } = chiOf(role);
      expect(config.depends_on).toEqual([`helm_release.${operatorId}`]);
      expect(config.namespace).toBe('clickhouse-ingestion');
      expect(config.chart).toMatch(/^assets\/StatelessChiChart\/[0-9A-F]+$/);
      expect(config).not.toHaveProperty('repository');
    }
  });

  test('the operator: pinned chart, CRD hook on, watches the ingestion namespace, lives in its own', () => {
    const { config, values } = helmRelease(json, 'clickhouse-operator');
    expect(config).toMatchObject({
      chart: 'altinity-clickhouse-operator', repository: 'https://helm.altinity.com', version: '0.27.1',
    });
    expect(config.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(values).toMatchObject({
      crdHook: { enabled: true },
      secret: { create: false },
      configs: { files: { 'config.yaml': { watch: { namespaces: ['clickhouse-ingestion'] } } } },
    });
    const namespaces = Object.values(resources(json, 'kubernetes_namespace_v1')).map((n) => (n.metadata as { name: string }).name).sort();
    expect(namespaces).toEqual(['clickhouse-ingestion', 'clickhouse-operator', 'warpstream']);
    expect(String(config.namespace)).toMatch(/^\$\{kubernetes_namespace_v1\.[A-Za-z0-9_]+\.metadata\[0\]\.name\}$|^\$\{kubernetes_namespace_v1\.[A-Za-z0-9_]+\.metadata\.name\}$/);
  });

  test('no literal secret anywhere in the synthesized Terraform', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/password\s*[:=]\s*"?[A-Za-z0-9]{6,}/i);
    expect(text).not.toContain('clickhouse_operator_password');
    expect(text).not.toMatch(/agentKey"?\s*:/);
  });

  test('the installation values snapshot (small tier), for review', () => {
    // File contents belong to lib/clickhouse and lib/schema (tested there and in chi-engine.test.ts): paths only here.
    const { values } = helmRelease(json, 'ingestion-small');
    const chi = values.installation as Chi;
    const files = Object.fromEntries(Object.keys(chi.spec.configuration.files).map((f) => [f, '(rendered)']));
    expect(toHelmValuesYaml({ installation: { ...chi, spec: { ...chi.spec, configuration: { ...chi.spec.configuration, files } } } })).toMatchSnapshot();
  });
});

describe('deterministic and additive', () => {
  test('two syntheses of the same region are byte-identical', () => {
    expect(Testing.synth(buildRegion().stack, true)).toBe(Testing.synth(buildRegion().stack, true));
  });

  test('a node more in a tier changes that tier\'s values only; no resource is renamed or removed', () => {
    const before = synthJson(buildRegion().stack);
    const grown = { ...SMALL_REGION, ingestionTiers: SMALL_REGION.ingestionTiers!.map((t) => (t.role === NodeRole.EVENTS ? { ...t, nodes: 4 } : t)) };
    const after = synthJson(buildRegion(grown).stack);
    const ids = (j: typeof before) => Object.entries(j.resource).flatMap(([type, rs]) => Object.keys(rs).map((id) => `${type}.${id}`)).sort();
    expect(ids(after)).toEqual(ids(before));
    const changed = Object.entries(resources(after, 'helm_release')).filter(([id, r]) => JSON.stringify(r) !== JSON.stringify(resources(before, 'helm_release')[id]));
    // The migrations cluster lists the storage hosts only (names every member resolves), so the
    // other tiers do not change at all: their pods keep running.
    expect(changed.map(([, r]) => r.name).sort()).toEqual(['ingestion-events']);
    for (const role of ['small', 'medium']) {
      const strip = (j: typeof before) => JSON.stringify((helmRelease(j, `ingestion-${role}`).values.installation as Chi).spec);
      expect(strip(after)).toBe(strip(before));
    }
  });
});

describe('the packaged chart', () => {
  test('is copied into the stack\'s assets, where the releases\' relative chart path finds it', () => {
    const region = buildRegion();
    const outdir = fullSynth(region.stack);
    const stackDir = path.join(outdir, 'stacks', region.stack.node.id);
    const json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    const charts = new Set(Object.values(json.resource.helm_release as Record<string, { chart: string; repository?: string }>)
      .filter((r) => r.repository === undefined).map((r) => r.chart));
    expect(charts.size).toBe(1);
    const [chart] = [...charts];
    expect(fs.readFileSync(path.join(stackDir, chart, 'Chart.yaml'), 'utf8')).toMatch(/^name: stateless-chi$/m);
    expect(fs.existsSync(path.join(stackDir, chart, 'templates', 'installation.yaml'))).toBe(true);
  });

  test('is a chart whose only template renders .Values.installation', () => {
    const dir = chartDirectory();
    expect(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')).toMatch(/^name: stateless-chi$/m);
    const templates = fs.readdirSync(path.join(dir, 'templates'));
    expect(templates).toEqual(['installation.yaml']);
    expect(fs.readFileSync(path.join(dir, 'templates', 'installation.yaml'), 'utf8')).toContain('.Values.installation | toYaml');
  });
});

describe('StatelessIngestionTier pod identity (MSK SASL/IAM signs with the pod\'s role)', () => {
  const podIdentity = {
    oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123',
    oidcIssuerUrl: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC123',
  };

  test('a ServiceAccount per tier, annotated with a role only that ServiceAccount can assume', () => {
    const region = buildRegion(SMALL_REGION, { podIdentity });
    const json = synthJson(region.stack);
    const accounts = Object.values(resources(json, 'kubernetes_service_account_v1')).map((a) => a.metadata as Record<string, any>);
    expect(accounts.map((a) => a.name).sort()).toEqual(['ingestion-events', 'ingestion-medium', 'ingestion-small']);
    for (const a of accounts) {
      expect(a.namespace).toBe('clickhouse-ingestion');
      expect(a.annotations['eks.amazonaws.com/role-arn']).toMatch(/^\$\{aws_iam_role\.[A-Za-z0-9_-]+\.arn\}$/);
    }
    const statements = Object.values((json.data ?? {}).aws_iam_policy_document ?? {}).flatMap((d) => (d as { statement: Record<string, any>[] }).statement);
    const subjects = statements.filter((st) => (st.actions as string[]).includes('sts:AssumeRoleWithWebIdentity'))
      .flatMap((st) => (st.condition as { variable: string; values: string[] }[]).filter((c) => c.variable.endsWith(':sub')).flatMap((c) => c.values));
    expect(subjects).toEqual(expect.arrayContaining(['system:serviceaccount:clickhouse-ingestion:ingestion-small']));
    const { values } = helmRelease(json, 'ingestion-small');
    expect((values.installation as Chi).spec.templates.podTemplates[0].spec).toMatchObject({ serviceAccountName: 'ingestion-small' });
  });

  test('IAM policies only for the MSK backends a tier consumes', () => {
    const region = buildRegion(SMALL_REGION, { podIdentity });
    const json = synthJson(region.stack);
    const policies = Object.values(resources(json, 'aws_iam_role_policy')).filter((p) => String(p.name).startsWith('kafka-'));
    // small (groups) and medium (heatmaps) read msk_cluster; events reads only WarpStream.
    expect(policies.map((p) => p.name)).toEqual(['kafka-msk_cluster', 'kafka-msk_cluster']);
    expect(region.tiers.find((t) => t.tier.role.value === 'events')!.node.tryFindChild('PodRolePolicy-msk_cluster')).toBeUndefined();
  });

  test('without an identity, a tier reading MSK with SASL/IAM gets a warning', () => {
    const region = buildRegion();
    const warnings = region.tiers.flatMap((t) => t.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => `${t.tier.role.value}: ${m.data}`));
    expect(warnings.map((w) => w.split(':')[0]).sort()).toEqual(['medium', 'small']);
    expect(warnings[0]).toMatch(/SASL\/IAM.*podIdentity/);
  });
});

describe('StatelessIngestionTier clickhouseConfig (the storage cluster\'s ClickHouse options)', () => {
  const macrosOf = (files: Record<string, string>) =>
    (create(files['config.d/role_macros.xml']).end({ format: 'object' }) as { clickhouse: { macros: Record<string, string> } }).clickhouse.macros;
  const filesOf = (region: ReturnType<typeof buildRegion>, role: string) =>
    (helmRelease(synthJson(region.stack), `ingestion-${role}`).values.installation as Chi).spec.configuration.files;

  test('hostClusterType reaches every pod\'s macros, ingestionLogRetentionDays its system log TTLs', () => {
    const region = buildRegion(SMALL_REGION, { clickhouseConfig: { hostClusterType: 'offline', ingestionLogRetentionDays: 5 } });
    for (const role of ['small', 'medium', 'events']) {
      const files = filesOf(region, role);
      expect(macrosOf(files)).toEqual({ hostClusterRole: role, hostClusterType: 'offline' });
      const ttls = [...files['config.d/system_logs.xml'].matchAll(/<ttl>([^<]*)<\/ttl>/g)].map((m) => m[1]);
      expect(ttls.length).toBeGreaterThan(0);
      for (const ttl of ttls) expect(ttl).toBe('event_date + INTERVAL 5 DAY DELETE');
    }
  });

  test('without it, the renderers\' defaults: online, 3 days', () => {
    const files = filesOf(buildRegion(), 'small');
    expect(macrosOf(files).hostClusterType).toBe('online');
    expect(files['config.d/system_logs.xml']).toContain('INTERVAL 3 DAY');
  });

  test('every installation option is a prop, e.g. zoneTopologyKey, which the props used to leave out', () => {
    const chi = helmRelease(synthJson(buildRegion(SMALL_REGION, { zoneTopologyKey: 'example.com/rack' }).stack), 'ingestion-small').values.installation as Chi;
    expect(chi.spec.templates.podTemplates[0].spec.topologySpreadConstraints[0].topologyKey).toBe('example.com/rack');
  });

  test('its problems are reported under clickhouseConfig, with the tier\'s own, in one error', () => {
    let error: unknown;
    try {
      buildRegion(SMALL_REGION, { clickhouseConfig: { hostClusterType: 'not a type', ingestionLogRetentionDays: 0 }, replicasCount: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    const fields = (error as TopologyValidationError).problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['clickhouseConfig.hostClusterType', 'clickhouseConfig.ingestionLogRetentionDays', 'replicasCount']));
  });
});

describe('StatelessIngestionTier rejects', () => {
  const expectProblem = (fn: () => unknown, field: string, expected: RegExp) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    const problems = (error as TopologyValidationError).problems;
    expect(problems.some((p) => p.field === field && expected.test(p.expected))).toBe(true);
  };

  test('fails on reclaimPolicy Retain', () => {
    expectProblem(() => buildRegion(SMALL_REGION, { cacheReclaimPolicy: ReclaimPolicy.RETAIN }), 'cacheReclaimPolicy', /^Delete/);
  });

  test('fails on replicasCount above 1', () => {
    expectProblem(() => buildRegion(SMALL_REGION, { replicasCount: 2 }), 'replicasCount', /shards only/);
  });

  test('fails on a literal secret in the environment', () => {
    expectProblem(() => buildRegion(SMALL_REGION, { extraEnvironment: { KAFKA_SASL_PASSWORD_EXTRA: EnvSource.value('hunter2') } }),
      'environment.KAFKA_SASL_PASSWORD_EXTRA', /Kubernetes Secret/);
  });

  test('accepts a secret from a Secret and a plain setting', () => {
    const region = buildRegion(SMALL_REGION, {
      extraEnvironment: { KAFKA_SASL_PASSWORD_EXTRA: EnvSource.secret('extra', 'password'), TZ: EnvSource.value('UTC') },
    });
    const env = region.tiers[0].installation.spec.templates.podTemplates[0].spec.containers[0].env;
    expect(env).toContainEqual({ name: 'KAFKA_SASL_PASSWORD_EXTRA', valueFrom: { secretKeyRef: { name: 'extra', key: 'password' } } });
    expect(env).toContainEqual({ name: 'TZ', value: 'UTC' });
  });

  test('fails on consumers above the cores (the model, and the tier for a hand-made topology)', () => {
    const spec = { ...SMALL_REGION, ingestionTiers: [SMALL_REGION.ingestionTiers![0], SMALL_REGION.ingestionTiers![1],
      { role: NodeRole.EVENTS, nodes: 3, cores: 4, consumersPerNode: 8 }] };
    expect(() => buildTopology(spec)).toThrow(/at most the cores/);
    const topology = buildTopology(SMALL_REGION);
    const shrunk = { ...topology, ingestionTiers: topology.ingestionTiers.map((t) => (t.role.value === 'events' ? { ...t, cores: 4 } : t)) };
    const stack = newStack();
    const operator = new ClickHouseOperator(stack, 'Operator');
    expectProblem(() => new StatelessIngestionTier(stack, 'Events', { topology: shrunk, role: 'events', operator, backends: [] }),
      'streams.events.legs[0].consumersPerNode', /at most the cores/);
  });

  test('fails on consumers above the partitions', () => {
    const topology = buildTopology(SMALL_REGION);
    const fewer = {
      ...topology,
      streams: topology.streams.map((s) => ({ ...s, legs: s.legs.map((l) => ({ ...l, topic: { ...l.topic, partitions: 4 } })) })),
    };
    const stack = newStack();
    const operator = new ClickHouseOperator(stack, 'Operator');
    expectProblem(() => new StatelessIngestionTier(stack, 'Medium', { topology: fewer, role: 'medium', operator, backends: [] }),
      'streams.heatmaps.legs[0].consumersPerNode', /partitions/);
  });

  test('fails on a namespace the operator does not watch', () => {
    expectProblem(() => buildRegion(SMALL_REGION, { namespace: 'elsewhere' }), 'namespace', /operator watches/);
  });

  test('fails on a backend the tier consumes but was not given', () => {
    const stack = newStack();
    const topology = buildTopology(SMALL_REGION);
    const operator = new ClickHouseOperator(stack, 'Operator');
    expectProblem(() => new StatelessIngestionTier(stack, 'Small', { topology, role: 'small', operator, backends: [] }),
      'bootstrapBrokers.msk_cluster', /bootstrap brokers/);
  });

  test('reports the tier\'s and the installation\'s problems in one error, before creating anything', () => {
    const stack = newStack();
    const topology = buildTopology(SMALL_REGION);
    const operator = new ClickHouseOperator(stack, 'Operator');
    const before = stack.node.findAll().length;
    let error: TopologyValidationError | undefined;
    try {
      new StatelessIngestionTier(stack, 'Small', {
        topology, role: 'small', operator, backends: [], namespace: 'elsewhere', cacheReclaimPolicy: ReclaimPolicy.RETAIN,
        podIdentity: { oidcProviderArn: 'arn:aws:iam::1:oidc-provider/x', oidcIssuerUrl: 'https://x' },
      });
    } catch (e) {
      error = e as TopologyValidationError;
    }
    expect(error!.problems.map((p) => p.field)).toEqual(expect.arrayContaining(['namespace', 'cacheReclaimPolicy', 'bootstrapBrokers.msk_cluster']));
    // Only the tier's own (empty) scope was added.
    expect(stack.node.findAll().length).toBe(before + 1);
  });

  test('fails on a role without a tier', () => {
    const stack = newStack();
    const topology = buildTopology(SMALL_REGION);
    const operator = new ClickHouseOperator(stack, 'Operator');
    expectProblem(() => new StatelessIngestionTier(stack, 'X', { topology, role: 'shufflehog', operator, backends: [] }), 'role', /ingestion role/);
  });
});
