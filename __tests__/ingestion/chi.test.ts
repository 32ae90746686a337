/**
 * The pure side: `renderInstallation` (the typed CHI) and the YAML that carries it to Helm.
 */
import { parse } from 'yaml';
import { EnvSource, InstallationInput, ReclaimPolicy, renderInstallation } from '../../lib/kubernetes/chi';
import { ingestionInstallation } from '../../lib/kubernetes/ingestion';
import { escapeTerraformTemplate, toHelmValuesYaml } from '../../lib/kubernetes/yaml';
import { buildTopology, TopologyValidationError } from '../../lib/model';
import { SMALL_REGION } from './support/region';

const INPUT: InstallationInput = {
  name: 'ingestion-small',
  namespace: 'clickhouse-ingestion',
  clusterName: 'small',
  shards: 3,
  replicasCount: 1,
  cores: 2,
  memoryGiBPerCore: 4,
  image: 'clickhouse/clickhouse-server:26.3',
  files: [
    { path: 'users.d/profile.xml', content: '<clickhouse/>\n' },
    { path: 'config.d/b.xml', content: '<clickhouse><b/></clickhouse>\n' },
    { path: 'config.d/a_no_restart.xml', content: '<clickhouse><a/></clickhouse>\n' },
  ],
  environment: {
    KAFKA_HOSTS_X: EnvSource.value('b-1:9098,b-2:9098'),
    CLICKHOUSE_INTERSERVER_SECRET: EnvSource.secret('clickhouse-ingestion', 'CLICKHOUSE_INTERSERVER_SECRET'),
  },
  cacheSize: '10Gi',
  cacheReclaimPolicy: ReclaimPolicy.DELETE,
  pdbMaxUnavailable: 1,
  terminationGracePeriodSeconds: 120,
  zoneTopologyKey: 'topology.kubernetes.io/zone',
};

function fieldsOf(input: Partial<InstallationInput>): string[] {
  try {
    renderInstallation({ ...INPUT, ...input });
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return (e as TopologyValidationError).problems.map((p) => p.field);
  }
  throw new Error('expected a TopologyValidationError');
}

describe('renderInstallation', () => {
  const chi = renderInstallation(INPUT);

  test('shards only, one cluster, the schemer off (the boot schema owns the tables)', () => {
    expect(chi.spec.configuration.clusters).toEqual([{
      name: 'small', layout: { shardsCount: 3, replicasCount: 1 }, schemaPolicy: { replica: 'None', shard: 'None' }, pdbMaxUnavailable: 1,
    }]);
  });

  test('the cache template: reclaimPolicy beside spec, never inside it', () => {
    const [vct] = chi.spec.templates.volumeClaimTemplates;
    expect(Object.keys(vct).sort()).toEqual(['name', 'reclaimPolicy', 'spec']);
    expect(vct.reclaimPolicy).toBe('Delete');
    expect(vct.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
  });

  test('files sorted by path; env sorted by name, secrets as secretKeyRef', () => {
    expect(Object.keys(chi.spec.configuration.files)).toEqual(['config.d/a_no_restart.xml', 'config.d/b.xml', 'users.d/profile.xml']);
    expect(chi.spec.templates.podTemplates[0].spec.containers[0].env).toEqual([
      { name: 'CLICKHOUSE_INTERSERVER_SECRET', valueFrom: { secretKeyRef: { name: 'clickhouse-ingestion', key: 'CLICKHOUSE_INTERSERVER_SECRET' } } },
      { name: 'KAFKA_HOSTS_X', value: 'b-1:9098,b-2:9098' },
    ]);
  });

  test('resources: cores requested, memory per core requested and limited', () => {
    expect(chi.spec.templates.podTemplates[0].spec.containers[0].resources).toEqual({
      requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' },
    });
  });

  test('deterministic: the same input gives the same YAML', () => {
    expect(toHelmValuesYaml(renderInstallation(INPUT))).toBe(toHelmValuesYaml(renderInstallation({ ...INPUT, files: [...INPUT.files].reverse() })));
  });

  test('fails on Retain, replicas, bad files, literal secrets, bad sizes, all at once', () => {
    const fields = fieldsOf({
      cacheReclaimPolicy: ReclaimPolicy.RETAIN,
      replicasCount: 2,
      cacheSize: '10GB',
      files: [{ path: 'conf.d/x.xml', content: '' }, { path: 'config.d/sub/x.xml', content: '' }],
      environment: { DB_PASSWORD: EnvSource.value('hunter2'), API_TOKEN: EnvSource.value('t'), SIGNING_KEY: EnvSource.value('k') },
    });
    expect(fields).toEqual(expect.arrayContaining([
      'cacheReclaimPolicy', 'replicasCount', 'cacheSize', 'files', 'environment.DB_PASSWORD', 'environment.API_TOKEN', 'environment.SIGNING_KEY',
    ]));
    expect(fields.filter((f) => f === 'files')).toHaveLength(2);
  });

  test('accepts plain settings whose names only look like words', () => {
    expect(() => renderInstallation({ ...INPUT, environment: { ...INPUT.environment, TZ: EnvSource.value('UTC'), KEYBOARD: EnvSource.value('x') } })).not.toThrow();
  });

  test('fails on duplicate file paths and names that are not DNS labels', () => {
    expect(fieldsOf({ files: [INPUT.files[0], INPUT.files[0]] })).toContain('files');
    expect(fieldsOf({ name: 'Ingestion_Small', namespace: 'a b' })).toEqual(expect.arrayContaining(['name', 'namespace']));
  });
});

describe('pod labels and annotations', () => {
  test('reach every pod through the pod template\'s metadata; none by default', () => {
    expect(renderInstallation(INPUT).spec.templates.podTemplates[0].metadata).toBeUndefined();
    const chi = renderInstallation({
      ...INPUT,
      podLabels: { team: 'data-platform', 'example.com/cost-center': 'ingest-42' },
      podAnnotations: { 'fluentbit.io/parser': 'json', 'example.com/owner': 'Data platform <data@example.com>' },
    });
    expect(chi.spec.templates.podTemplates[0].metadata).toEqual({
      labels: { team: 'data-platform', 'example.com/cost-center': 'ingest-42' },
      annotations: { 'fluentbit.io/parser': 'json', 'example.com/owner': 'Data platform <data@example.com>' },
    });
    // The installation's own labels and the spread's selector are untouched.
    expect(chi.metadata.labels).toBeUndefined();
    expect(chi.spec.templates.podTemplates[0].spec.topologySpreadConstraints[0].labelSelector).toEqual({ matchLabels: { 'clickhouse.altinity.com/chi': 'ingestion-small' } });
    const values = parse(toHelmValuesYaml(chi)) as typeof chi;
    expect(values.spec.templates.podTemplates[0].metadata?.annotations?.['example.com/owner']).toBe('Data platform <data@example.com>');
  });

  test('bad names and values, and the operator\'s and the library\'s prefixes, are refused all at once', () => {
    const fields = fieldsOf({
      podLabels: {
        'clickhouse.altinity.com/chi': 'other', 'app.kubernetes.io/part-of': 'x', 'bad key!': 'v', team: 'not a label value', ok: 'x'.repeat(64),
      },
      podAnnotations: { 'clickhouse-ingest/role': 'x', '-bad': 'v' },
    });
    expect(fields.sort()).toEqual([
      'podAnnotations.-bad', 'podAnnotations.clickhouse-ingest/role',
      'podLabels.app.kubernetes.io/part-of', 'podLabels.bad key!', 'podLabels.clickhouse.altinity.com/chi', 'podLabels.ok', 'podLabels.team',
    ]);
  });
});

describe('ingestionInstallation from the topology', () => {
  const topology = buildTopology(SMALL_REGION);
  const brokers = { msk_cluster: 'b-1:9098', warpstream_ingestion: 'ws:9092' };

  test.each(['small', 'medium', 'events'])('%s: the installation is named after the tier and holds its boot schema', (role) => {
    const chi = ingestionInstallation(topology, role, { bootstrapBrokers: brokers });
    expect(chi.metadata.name).toBe(`ingestion-${role}`);
    expect(chi.spec.configuration.files['config.d/startup_scripts.xml']).toContain('<startup_scripts>');
  });

  test('a tier\'s podLabels and podAnnotations reach its pods, beside the installation\'s own labels', () => {
    const chi = ingestionInstallation(topology, 'small', { bootstrapBrokers: brokers, podLabels: { team: 'data-platform' }, podAnnotations: { 'example.com/owner': 'data' } });
    expect(chi.spec.templates.podTemplates[0].metadata).toEqual({ labels: { team: 'data-platform' }, annotations: { 'example.com/owner': 'data' } });
    expect(chi.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'clickhouse-ingestion', 'clickhouse-ingest/role': 'small' });
  });

  test('the operator\'s host names are the model\'s: chi-<chi>-<cluster>-<shard>-<replica>', () => {
    const chi = ingestionInstallation(topology, 'events', { bootstrapBrokers: brokers });
    const tier = topology.ingestionTiers.find((t) => t.role.value === 'events')!;
    const cluster = chi.spec.configuration.clusters[0];
    const operatorNames = Array.from({ length: cluster.layout.shardsCount }, (_, s) => `chi-${chi.metadata.name}-${cluster.name}-${s}-0`);
    expect(operatorNames).toEqual(tier.hosts.map((h) => h.name));
  });
});

test('fails when a model cluster is named like the operator\'s cluster for the installation', () => {
  const topology = buildTopology({ ...SMALL_REGION, clusterNames: { singleShard: 'small' } });
  expect(() => ingestionInstallation(topology, 'small', { bootstrapBrokers: { msk_cluster: 'b:1', warpstream_ingestion: 'w:1' } }))
    .toThrow(/clusters: got "small"; expected cluster names other than the operator's own/);
});

test('fails when extraEnvironment would replace a variable the topology sets', () => {
  const topology = buildTopology(SMALL_REGION);
  expect(() => ingestionInstallation(topology, 'small', {
    bootstrapBrokers: { msk_cluster: 'b:1', warpstream_ingestion: 'w:1' },
    extraEnvironment: { KAFKA_HOSTS_MSK_CLUSTER: EnvSource.value('elsewhere:9092') },
  })).toThrow(/extraEnvironment\.KAFKA_HOSTS_MSK_CLUSTER/);
});

describe('Helm values YAML', () => {
  test('multi-line strings become literal blocks that parse back unchanged', () => {
    const content = '<clickhouse>\n  <a>1</a>\n</clickhouse>\n';
    const yaml = toHelmValuesYaml({ files: { 'config.d/a.xml': content } });
    expect(yaml).toContain('config.d/a.xml: |');
    expect(parse(yaml).files['config.d/a.xml']).toBe(content);
  });

  test('strings holding a Terraform reference are double-quoted', () => {
    const yaml = toHelmValuesYaml({ value: '${aws_msk_cluster.x.bootstrap_brokers_sasl_iam}', plain: 'a:b' });
    expect(yaml).toContain('value: "${aws_msk_cluster.x.bootstrap_brokers_sasl_iam}"');
    // What Terraform substitutes in stays one string even with YAML-significant characters.
    const substituted = yaml.replace('${aws_msk_cluster.x.bootstrap_brokers_sasl_iam}', 'b-1.k.us-east-1.amazonaws.com:9098,b-2: #x');
    expect(parse(substituted).value).toBe('b-1.k.us-east-1.amazonaws.com:9098,b-2: #x');
  });

  test('Terraform template sequences are escaped so text reaches Helm verbatim', () => {
    expect(escapeTerraformTemplate('a ${b} %{c} $d')).toBe('a $${b} %%{c} $d');
  });
});
