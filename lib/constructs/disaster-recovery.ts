import * as fs from 'fs';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { MskCluster } from '@cdktf/provider-aws/lib/msk-cluster';
import { Token } from 'cdktf';
import { MskBackend, WarpStreamBackend } from './kafka-backend';
import { IConstruct } from 'constructs';
import { BackupScheduleProps } from '../dr/backup';
import {
  assertGrowOnly, DiskSizeLock, DiskSizes, nextDiskSizeLock, parseDiskSizeLock, renderDiskSizeLock,
} from '../dr/disk-sizes';
import { checkOneConsumerPerGroupAcrossStacks } from '../dr/offsets';
import { renderRunbooks } from '../dr/runbooks';
import { Problems } from '../model/validation';
import type { RegionStack } from './region-stack';

export interface DisasterRecoveryProps {
  /**
   * The sizes last deployed (`stacks/<region>.sizes.json`, see `loadDiskSizeLock`): no disk may
   * be smaller. Without a lock nothing is compared (a region not deployed yet).
   * @default none
   */
  readonly diskSizeLock?: DiskSizeLock;
  /**
   * The backup schedule the runbooks describe.
   * @default the storage cluster's (or the BackupSchedule defaults when its backups are off)
   */
  readonly backupSchedule?: BackupScheduleProps;
}

/**
 * The day-2 side of a region stack: refuses to synthesize a disk smaller than its recorded size,
 * and adds `artifacts/runbooks/` (grow a disk, backup and restore, offset reset with its script,
 * backend migration, pod replacement, ZooKeeper retention) and `artifacts/disk-sizes.json` (the
 * floors to commit after a successful deploy). Apply it once all of the stack's resources exist.
 */
export class DisasterRecovery {
  public static apply(stack: RegionStack, props: DisasterRecoveryProps = {}): DisasterRecovery {
    return new DisasterRecovery(stack, { ...props });
  }

  /**
   * Checks an app's region stacks together: a topic and group consumed by clusters of two stacks
   * that share a backend (one the stacks point at with the same bootstrap brokers, literal or the
   * same reference) is refused
   * with one error, before anything is written. Call it once every stack exists.
   */
  public static checkApp(stacks: readonly RegionStack[]): void {
    const problems = new Problems();
    checkOneConsumerPerGroupAcrossStacks(problems, stacks.map((stack) => ({
      stack: stack.node.id,
      topology: stack.topology,
      // A backend the stack creates is its own (a WarpStream Service name repeats in every EKS
      // cluster); one it only points at is identified by its bootstrap brokers.
      backendIdentity: Object.fromEntries(Object.entries(stack.kafkaBackends)
        .filter(([, backend]) => !(backend instanceof MskBackend || backend instanceof WarpStreamBackend))
        .map(([name, backend]) => [name, backend.bootstrapBrokers])),
    })));
    problems.throwIfAny('app');
  }

  /** The size of every grow-only disk of the stack, by disk id. */
  public readonly diskSizes: DiskSizes;
  /** The lock to commit once this stack is deployed. */
  public readonly nextDiskSizeLock: DiskSizeLock;

  private constructor(stack: RegionStack, props: DisasterRecoveryProps) {
    const region = stack.topology.name;
    this.diskSizes = collectDiskSizes(stack);
    assertGrowOnly(this.diskSizes, props.diskSizeLock, region);
    this.nextDiskSizeLock = nextDiskSizeLock(this.diskSizes, props.diskSizeLock, region);
    stack.addArtifact(renderDiskSizeLock(this.nextDiskSizeLock));
    const awsRegion = stack.awsRegion;
    const backupSchedule = props.backupSchedule ?? stack.storageCluster.backupPlan?.schedule;
    for (const file of renderRunbooks(stack.topology, {
      awsRegion, diskSizes: this.diskSizes, backupSchedule, alerts: stack.observability.alerts.map((a) => a.rule),
    })) {
      stack.addArtifact(file);
    }
  }
}

/** Reads a region's lock file, or nothing when it does not exist yet. */
export function loadDiskSizeLock(path: string): DiskSizeLock | undefined {
  if (!fs.existsSync(path)) return undefined;
  return parseDiskSizeLock(fs.readFileSync(path, 'utf8'), path);
}

/**
 * The size of every disk under `scope` that can only grow, by disk id: an EBS volume by its
 * construct path (relative to `scope`), an instance's root volume as `<path>#root`, an MSK
 * cluster's broker storage as `<path>#broker`. Construct ids are public API, so the ids stay put
 * as a region grows. Sizes not known at synth (tokens) are left out.
 */
export function collectDiskSizes(scope: IConstruct): DiskSizes {
  const sizes: Record<string, number> = {};
  const prefix = scope.node.path === '' ? '' : scope.node.path + '/';
  const idOf = (c: IConstruct): string => (c.node.path.startsWith(prefix) ? c.node.path.slice(prefix.length) : c.node.path);
  const record = (id: string, size: unknown): void => {
    if (typeof size === 'number' && !Token.isUnresolved(size)) sizes[id] = size;
  };
  for (const c of scope.node.findAll()) {
    if (c instanceof EbsVolume) record(idOf(c), c.sizeInput);
    else if (c instanceof Instance) record(`${idOf(c)}#root`, c.rootBlockDeviceInput?.volumeSize);
    else if (c instanceof MskCluster) record(`${idOf(c)}#broker`, c.brokerNodeGroupInfoInput?.storageInfo?.ebsStorageInfo?.volumeSize);
  }
  return Object.fromEntries(Object.entries(sizes).sort(([a], [b]) => (a < b ? -1 : 1)));
}
