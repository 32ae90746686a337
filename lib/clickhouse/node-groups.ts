import { Host, IngestionTier, ingestionInstallationName, NodeRole, Stream, StreamLeg, Topology } from '../model';

/**
 * Hosts that share one set of config files: the storage cluster, or one ingestion tier. Only the
 * storage hosts' macros differ per host (`renderHostMacros`); the operator writes an ingestion
 * pod's shard and replica itself.
 */
export interface NodeGroup {
  /** `data`, or `ingestion-<tier>` (the tier's ClickHouseInstallation name). */
  readonly name: string;
  readonly kind: 'storage' | 'ingestion';
  readonly role: NodeRole;
  readonly hosts: readonly Host[];
  /** The ingestion tier, for an ingestion group. */
  readonly tier?: IngestionTier;
}

/** Name of the storage group (its artifacts folder). */
export const STORAGE_GROUP_NAME = 'data';

/** 'data' first, then 'ingestion-<tier.kubernetesName>' per tier, in topology order. */
export function nodeGroups(topology: Topology): NodeGroup[] {
  return [
    { name: STORAGE_GROUP_NAME, kind: 'storage', role: NodeRole.DATA, hosts: topology.storage.hosts },
    ...topology.ingestionTiers.map((tier): NodeGroup => ({
      name: ingestionInstallationName(tier), kind: 'ingestion', role: tier.role, hosts: tier.hosts, tier,
    })),
  ];
}

/** A stream leg consumed on the group's nodes. */
export interface ConsumedLeg {
  readonly stream: Stream;
  readonly leg: StreamLeg;
  /** kafka_num_consumers of this leg on one node of the group. */
  readonly consumers: number;
}

/** The legs the group's nodes consume, in stream and leg order. Storage nodes consume none. */
export function consumedLegs(topology: Topology, group: NodeGroup): ConsumedLeg[] {
  if (group.kind === 'storage') return [];
  const role = group.role.value;
  return topology.streams.flatMap((stream) => stream.legs
    .filter((leg) => leg.roles.some((r) => r.value === role))
    .map((leg) => ({ stream, leg, consumers: leg.consumersPerNode[role] ?? 0 })));
}
