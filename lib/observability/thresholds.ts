import { Problems } from '../model/validation';

/**
 * Alert thresholds a region may override. Where the model knows the answer (partitions, consumers,
 * snapshot retention, tick time) the default comes from it; the rest are conventional starting points.
 */
export interface AlertThresholds {
  /**
   * Messages of lag per partition of a leg's topic before its lag alert fires (the threshold is this × partitions).
   * @default 100000
   */
  readonly lagMessagesPerPartition?: number;
  /**
   * Minutes a consumer group may commit nothing while it has lag before "no progress" fires.
   * @default 15
   */
  readonly noProgressMinutes?: number;
  /**
   * Entries in a storage replica's replication queue (ReplicasMaxQueueSize).
   * @default 200
   */
  readonly replicationQueueSize?: number;
  /**
   * Seconds a replica may lag its shard (ReplicasMaxAbsoluteDelay).
   * @default 300
   */
  readonly replicaDelaySeconds?: number;
  /**
   * Active parts in one partition (MaxPartCountForPartition); inserts slow down at 1000 and fail at 3000 by default.
   * @default 300
   */
  readonly partsPerPartition?: number;
  /**
   * Fraction of a disk (NVMe, EBS, ZooKeeper's dataDir) that must stay free.
   * @default 0.15
   */
  readonly diskFreeRatio?: number;
  /**
   * S3 request errors per storage host in 15 minutes.
   * @default 0 (any error)
   */
  readonly s3ErrorsPer15m?: number;
  /**
   * Snapshot files in ZooKeeper's dataDir.
   * @default 3 × autopurge.snapRetainCount
   */
  readonly zooKeeperSnapshotFiles?: number;
  /**
   * Outstanding requests of a ZooKeeper server.
   * @default 10
   */
  readonly zooKeeperOutstandingRequests?: number;
  /**
   * Average request latency of a ZooKeeper server, in milliseconds.
   * @default tickTime / 20 (100 ms at the default 2000 ms tick)
   */
  readonly zooKeeperAvgLatencyMs?: number;
  /**
   * Hours ahead at which a ZooKeeper dataDir predicted to be full alerts (from its last 6 hours).
   * @default 24
   */
  readonly zooKeeperDiskFullHours?: number;
}

/** Thresholds with every default decided. */
export type ResolvedAlertThresholds = Required<AlertThresholds>;

/** What the model tells the thresholds. */
export interface ThresholdModel {
  readonly snapRetainCount: number;
  readonly tickTime: number;
}

/** Resolves the thresholds; every problem under `field` goes to `problems`. */
export function resolveAlertThresholds(model: ThresholdModel, given: AlertThresholds | undefined, problems: Problems, field: string): ResolvedAlertThresholds {
  const t = given ?? {};
  const resolved: ResolvedAlertThresholds = {
    lagMessagesPerPartition: t.lagMessagesPerPartition ?? 100_000,
    noProgressMinutes: t.noProgressMinutes ?? 15,
    replicationQueueSize: t.replicationQueueSize ?? 200,
    replicaDelaySeconds: t.replicaDelaySeconds ?? 300,
    partsPerPartition: t.partsPerPartition ?? 300,
    diskFreeRatio: t.diskFreeRatio ?? 0.15,
    s3ErrorsPer15m: t.s3ErrorsPer15m ?? 0,
    zooKeeperSnapshotFiles: t.zooKeeperSnapshotFiles ?? 3 * model.snapRetainCount,
    zooKeeperOutstandingRequests: t.zooKeeperOutstandingRequests ?? 10,
    zooKeeperAvgLatencyMs: t.zooKeeperAvgLatencyMs ?? Math.max(1, Math.round(model.tickTime / 20)),
    zooKeeperDiskFullHours: t.zooKeeperDiskFullHours ?? 24,
  };
  problems.count(`${field}.lagMessagesPerPartition`, resolved.lagMessagesPerPartition, 1, 1_000_000_000);
  problems.count(`${field}.noProgressMinutes`, resolved.noProgressMinutes, 5, 24 * 60);
  problems.count(`${field}.replicationQueueSize`, resolved.replicationQueueSize, 1, 1_000_000);
  problems.count(`${field}.replicaDelaySeconds`, resolved.replicaDelaySeconds, 1, 7 * 86400);
  problems.count(`${field}.partsPerPartition`, resolved.partsPerPartition, 1, 100_000);
  problems.check(typeof resolved.diskFreeRatio === 'number' && resolved.diskFreeRatio > 0 && resolved.diskFreeRatio < 1,
    `${field}.diskFreeRatio`, resolved.diskFreeRatio, 'a fraction between 0 and 1, e.g. 0.15');
  problems.count(`${field}.s3ErrorsPer15m`, resolved.s3ErrorsPer15m, 0, 1_000_000);
  problems.count(`${field}.zooKeeperSnapshotFiles`, resolved.zooKeeperSnapshotFiles, model.snapRetainCount, 100_000);
  problems.count(`${field}.zooKeeperOutstandingRequests`, resolved.zooKeeperOutstandingRequests, 1, 1_000_000);
  problems.count(`${field}.zooKeeperAvgLatencyMs`, resolved.zooKeeperAvgLatencyMs, 1, 60_000);
  problems.count(`${field}.zooKeeperDiskFullHours`, resolved.zooKeeperDiskFullHours, 1, 24 * 30);
  for (const key of Object.keys(t)) {
    problems.check(key in resolved, `${field}.${key}`, key, `one of ${Object.keys(resolved).join(', ')}`);
  }
  return resolved;
}
