import { TopologySpec } from '../model';

/** How far a region is scaled down for its rehearsal. */
export interface RehearsalScale {
  /**
   * Storage shards.
   * @default 2 (two shards show the sharding key's split and that shards never share a path)
   */
  readonly shards?: number;
  /**
   * Replicas per shard.
   * @default 2 (two replicas show a shared path; a drill takes one down)
   */
  readonly replicas?: number;
  /**
   * Nodes per ingestion tier.
   * @default 2 (two engines consuming one group show the partition split)
   */
  readonly nodesPerTier?: number;
}

/**
 * A region's rehearsal topology: the same streams, legs, topics (with their declared partitions),
 * tiers (with their consumers per node), backends, names and ports, on fewer hosts, so every
 * data host can run as its own engine on one machine. Only counts shrink, never grow.
 */
export function rehearsalTopologySpec(spec: TopologySpec, scale: RehearsalScale = {}): TopologySpec {
  const shards = Math.min(spec.storage.shards, scale.shards ?? 2);
  const replicas = Math.min(spec.storage.replicas ?? 3, scale.replicas ?? 2);
  const nodes = scale.nodesPerTier ?? 2;
  return {
    ...spec,
    storage: { ...spec.storage, shards, replicas },
    ingestionTiers: spec.ingestionTiers?.map((t) => ({ ...t, nodes: Math.min(t.nodes, nodes) })),
  };
}
