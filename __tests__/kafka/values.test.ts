/**
 * The pure Helm values of the WarpStream agents and of the operator.
 */
import { operatorValues } from '../../lib/kubernetes/operator';
import { WarpStreamAgentInput, warpStreamAgentValues, warpStreamBootstrap } from '../../lib/kubernetes/warpstream';
import { TopologyValidationError } from '../../lib/model';

const AGENTS: WarpStreamAgentInput = {
  releaseName: 'warpstream-ingestion', namespace: 'warpstream', virtualClusterId: 'vci_x1', controlPlaneRegion: 'us-east-1',
  bucketUrl: 's3://b?region=us-east-1', agentKeySecretName: 'warpstream-agent-key', agentKeySecretKey: 'agent-key',
  roleArn: 'arn:aws:iam::1:role/r', cpu: 4, memoryGiB: 16, gracefulShutdownSeconds: 300, terminationGracePeriodSeconds: 600,
  minReplicas: 3, maxReplicas: 30, zoneTopologyKey: 'topology.kubernetes.io/zone',
};

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return (e as TopologyValidationError).problems.map((p) => p.field);
  }
  throw new Error('expected a TopologyValidationError');
}

describe('warpStreamAgentValues', () => {
  test('the chart\'s own rules hold: ≥ 4 GiB per CPU, requests = limits, grace ≥ shutdown + 60 s', () => {
    const v = warpStreamAgentValues(AGENTS);
    expect(v.resources.requests.memory).toBe('16Gi');
    expect(v.resources.limits.memory).toBe('16Gi');
    expect(v.enforceProductionResourceRequirements).toBe(true);
    expect(v.config.gracefulShutdownDuration).toBe('300s');
    expect(v.terminationGracePeriodSeconds).toBe(600);
    expect(v.fullnameOverride).toBe(v.serviceAccount.name);
  });

  test('accepts exactly 4 GiB per CPU and exactly shutdown + 60 s', () => {
    expect(() => warpStreamAgentValues({ ...AGENTS, cpu: 2, memoryGiB: 8, gracefulShutdownSeconds: 60, terminationGracePeriodSeconds: 120 })).not.toThrow();
  });

  test('fails on every problem at once', () => {
    expect(fields(() => warpStreamAgentValues({
      ...AGENTS, virtualClusterId: undefined, memoryGiB: 15, terminationGracePeriodSeconds: 359, minReplicas: 5, maxReplicas: 4, controlPlaneRegion: 'mars',
    }))).toEqual(expect.arrayContaining(['virtualClusterId', 'memoryGiB', 'terminationGracePeriodSeconds', 'maxReplicas', 'controlPlaneRegion']));
  });

  test('bootstrap: the agents\' Service on 9092', () => {
    expect(warpStreamBootstrap('ws', 'warpstream')).toBe('ws.warpstream.svc.cluster.local:9092');
  });
});

describe('operatorValues', () => {
  test('CRD hook on, cluster-scoped RBAC, no chart-made Secret with a default password', () => {
    expect(operatorValues({ fullname: 'clickhouse-operator', watchNamespaces: ['a', 'b'] })).toEqual({
      fullnameOverride: 'clickhouse-operator',
      crdHook: { enabled: true },
      rbac: { create: true, namespaceScoped: false },
      secret: { create: false },
      configs: { files: { 'config.yaml': { watch: { namespaces: ['a', 'b'] } } } },
    });
  });

  test('fails on an empty watch list (it would watch everything) and on bad names', () => {
    expect(fields(() => operatorValues({ fullname: 'Op', watchNamespaces: [] }))).toEqual(['fullname', 'watchNamespaces']);
    expect(fields(() => operatorValues({ fullname: 'op', watchNamespaces: ['a', 'a', 'B'] }))).toEqual(['watchNamespaces[2]', 'watchNamespaces']);
  });
});
