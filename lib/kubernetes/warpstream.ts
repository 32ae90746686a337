import { DNS_LABEL } from '../model/names';
import { Problems } from '../model/validation';

/** The `warpstream-agent` chart this library was written against (warpstreamlabs/charts). */
export const WARPSTREAM_CHART = {
  repository: 'https://warpstreamlabs.github.io/charts',
  chart: 'warpstream-agent',
  version: '1.0.82',
} as const;

/** The agents' Kafka port on their Service. */
export const WARPSTREAM_KAFKA_PORT = 9092;

/** Everything the agents' Helm values are built from. */
export interface WarpStreamAgentInput {
  /** Release name; also the chart's fullname, so the Service and ServiceAccount are named after it. */
  readonly releaseName: string;
  readonly namespace: string;
  /** `vci_...` from the WarpStream console or the warpstream provider. */
  readonly virtualClusterId?: string;
  /** WarpStream control-plane region, e.g. `us-east-1`. */
  readonly controlPlaneRegion: string;
  /** `s3://<bucket>?region=<region>` (may hold a Terraform reference to the bucket). */
  readonly bucketUrl: string;
  /** Kubernetes Secret holding the agent key. */
  readonly agentKeySecretName: string;
  readonly agentKeySecretKey: string;
  /** IAM role the agents assume through their ServiceAccount (IRSA). */
  readonly roleArn: string;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gracefulShutdownSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly zoneTopologyKey: string;
}

/** The subset of the chart's values this library sets (charts/warpstream-agent/values.yaml). */
export interface WarpStreamAgentValues {
  readonly fullnameOverride: string;
  readonly config: {
    readonly bucketURL: string;
    readonly virtualClusterID: string;
    readonly region: string;
    readonly agentKeySecretKeyRef: { readonly name: string; readonly key: string };
    readonly gracefulShutdownDuration: string;
  };
  readonly serviceAccount: {
    readonly create: true;
    readonly name: string;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly terminationGracePeriodSeconds: number;
  readonly enforceProductionResourceRequirements: true;
  readonly resources: {
    readonly requests: { readonly cpu: number; readonly memory: string; readonly 'ephemeral-storage': string };
    readonly limits: { readonly memory: string };
  };
  readonly autoscaling: { readonly enabled: true; readonly minReplicas: number; readonly maxReplicas: number };
  readonly pdb: { readonly create: true; readonly maxUnavailable: 1 };
  readonly topologySpreadConstraints: readonly {
    readonly maxSkew: number;
    readonly topologyKey: string;
    readonly whenUnsatisfiable: 'ScheduleAnyway';
    readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
  }[];
}

/**
 * Validates and builds the agents' values. The chart itself refuses to render without a bucket,
 * a virtual cluster id and a region, and with less than 4 GiB per CPU; these checks fail at synth
 * instead of at `helm install`.
 */
export function warpStreamAgentValues(input: WarpStreamAgentInput): WarpStreamAgentValues {
  const problems = new Problems();
  problems.check(DNS_LABEL.test(input.releaseName), 'releaseName', input.releaseName, 'a DNS label');
  problems.check(DNS_LABEL.test(input.namespace), 'namespace', input.namespace, 'a Kubernetes namespace name (a DNS label)');
  problems.check(typeof input.virtualClusterId === 'string' && /^vci_[A-Za-z0-9_-]+$/.test(input.virtualClusterId),
    'virtualClusterId', input.virtualClusterId, 'the virtual cluster id, vci_... (the agents cannot start without one)');
  problems.check(/^[a-z]{2}(-[a-z]+)+-\d$/.test(input.controlPlaneRegion), 'controlPlaneRegion', input.controlPlaneRegion,
    'a WarpStream control-plane region such as us-east-1');
  problems.check(DNS_LABEL.test(input.agentKeySecretName), 'agentKeySecretName', input.agentKeySecretName, 'a Secret name');
  problems.check(/^[A-Za-z0-9._-]{1,253}$/.test(input.agentKeySecretKey), 'agentKeySecretKey', input.agentKeySecretKey, 'a Secret key');
  const cpuOk = problems.count('cpu', input.cpu, 1, 64);
  if (problems.check(typeof input.memoryGiB === 'number' && input.memoryGiB > 0, 'memoryGiB', input.memoryGiB, 'a positive number') && cpuOk) {
    problems.check(input.memoryGiB >= 4 * input.cpu, 'memoryGiB', input.memoryGiB,
      `at least 4 GiB per CPU (${4 * input.cpu} for ${input.cpu} CPUs): the chart refuses less`);
  }
  const shutdownOk = problems.count('gracefulShutdownSeconds', input.gracefulShutdownSeconds, 1, 3600);
  if (problems.count('terminationGracePeriodSeconds', input.terminationGracePeriodSeconds, 1, 7200) && shutdownOk) {
    problems.check(input.terminationGracePeriodSeconds >= input.gracefulShutdownSeconds + 60, 'terminationGracePeriodSeconds',
      input.terminationGracePeriodSeconds,
      `at least gracefulShutdownSeconds + 60 (${input.gracefulShutdownSeconds + 60}): Kubernetes kills an agent that is still flushing`);
  }
  if (problems.count('minReplicas', input.minReplicas, 1, 1000) && problems.count('maxReplicas', input.maxReplicas, 1, 1000)) {
    problems.check(input.minReplicas <= input.maxReplicas, 'maxReplicas', input.maxReplicas, `at least minReplicas (${input.minReplicas})`);
  }
  problems.throwIfAny(`WarpStream agents ${input.releaseName}`);

  const memory = `${input.memoryGiB}Gi`;
  return {
    fullnameOverride: input.releaseName,
    config: {
      bucketURL: input.bucketUrl,
      virtualClusterID: input.virtualClusterId!,
      region: input.controlPlaneRegion,
      agentKeySecretKeyRef: { name: input.agentKeySecretName, key: input.agentKeySecretKey },
      gracefulShutdownDuration: `${input.gracefulShutdownSeconds}s`,
    },
    serviceAccount: { create: true, name: input.releaseName, annotations: { 'eks.amazonaws.com/role-arn': input.roleArn } },
    terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
    enforceProductionResourceRequirements: true,
    resources: {
      requests: { cpu: input.cpu, memory, 'ephemeral-storage': '100Mi' },
      limits: { memory },
    },
    autoscaling: { enabled: true, minReplicas: input.minReplicas, maxReplicas: input.maxReplicas },
    pdb: { create: true, maxUnavailable: 1 },
    topologySpreadConstraints: [{
      maxSkew: 1,
      topologyKey: input.zoneTopologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/instance': input.releaseName } },
    }],
  };
}

/** The agents' in-cluster bootstrap address: their Service on 9092. */
export function warpStreamBootstrap(releaseName: string, namespace: string, clusterDomain = 'cluster.local'): string {
  return `${releaseName}.${namespace}.svc.${clusterDomain}:${WARPSTREAM_KAFKA_PORT}`;
}
