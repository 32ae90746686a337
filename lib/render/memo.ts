/**
 * Per-topology caches for pure renderers. A region's construct tree and its artifacts render the
 * same files from the same topology several times (the StorageCluster, each ingestion tier, the
 * artifacts folder, the policy pack's scan), so
 * the second and later calls return the first result instead. Keyed weakly by the topology object:
 * a topology is built once by `buildTopology` and never changed afterwards, and the cache goes
 * away with it.
 */
export class TopologyCache<V> {
  private readonly byTopology = new WeakMap<object, Map<string, V>>();

  /** The cached value for `key` under this topology, rendered by `render` on the first request. */
  public get(topology: object, key: string, render: () => V): V {
    let values = this.byTopology.get(topology);
    if (values === undefined) {
      values = new Map();
      this.byTopology.set(topology, values);
    }
    if (values.has(key)) return values.get(key)!;
    const value = render();
    values.set(key, value);
    return value;
  }
}

/** A cache key for renderer options: plain data, so equal options give equal keys. */
export function optionsKey(options: unknown): string {
  return JSON.stringify(options ?? {});
}
