/**
 * Grow-only disks, on the real `us` stack: growing the storage data volumes, the ZooKeeper data
 * volumes and MSK broker storage changes only those sizes (same resource addresses, nothing else
 * in the synthesized JSON moves), shrinking any of them below the lock is refused before anything
 * is written, and the ingestion cache changes without touching an AWS resource.
 */
import { App, Testing } from 'cdktf';
import { DisasterRecovery } from '../../lib/constructs/disaster-recovery';
import { assertGrowOnly, DiskSizeLock, nextDiskSizeLock, parseDiskSizeLock } from '../../lib/dr/disk-sizes';
import { TopologyValidationError } from '../../lib/model';
import { KafkaBackendOptions, RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { US_REGION } from '../../stacks/us';
import { tempDir } from '../support/temp';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** The stack's resources (Terraform JSON) and its grow-only disks, before anything is written. */
function synth(spec: RegionStackProps, lock?: DiskSizeLock): { resources: Resources; dr: DisasterRecovery } {
  const app = new App({ outdir: tempDir('cdktf.outdir.') });
  const stack = new RegionStack(app, 'us', spec);
  const dr = DisasterRecovery.apply(stack, { diskSizeLock: lock });
  const json = JSON.parse(Testing.synth(stack)) as { resource: Resources };
  return { resources: json.resource, dr };
}

const grown: RegionStackProps = {
  ...US_REGION,
  storageClusterOptions: { ...US_REGION.storageClusterOptions, dataVolumeSizeGiB: 8192, rootVolumeSizeGiB: 200 },
  zooKeeperOptions: { ...US_REGION.zooKeeperOptions, dataVolumeSizeGiB: 250 },
  kafkaBackendOptions: {
    ...US_REGION.kafkaBackendOptions,
    msk_cluster: KafkaBackendOptions.msk({ brokerCount: 6, volumeSizeGiB: 3000 }),
  },
};

/** Every leaf that differs between two values, as a path (`a.b[0].c`). */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
  }
  return [path];
}

function addresses(resources: Resources): string[] {
  return Object.entries(resources).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)).sort();
}

/** Where each changed leaf lives, by resource address. */
function changedLeaves(before: Resources, after: Resources): Map<string, string[]> {
  const changes = new Map<string, string[]>();
  for (const address of addresses(before)) {
    const [type, name] = address.split(/\.(.*)/s);
    const diff = differences(before[type][name], after[type][name]);
    if (diff.length > 0) changes.set(address, diff);
  }
  return changes;
}

let base: ReturnType<typeof synth>;
let grownResult: ReturnType<typeof synth>;
beforeAll(() => {
  base = synth(US_REGION);
  grownResult = synth(grown, base.dr.nextDiskSizeLock);
});

describe('disk ids', () => {
  test('every storage and ZooKeeper volume, root volume and the MSK broker storage has a stable id and its size', () => {
    const sizes = base.dr.diskSizes;
    expect(sizes['storage/ch-data-s01-r1-data']).toBe(4096);
    expect(sizes['storage/ch-data-s10-r3#root']).toBe(100);
    expect(Object.keys(sizes).filter((id) => id.startsWith('storage/') && id.endsWith('-data'))).toHaveLength(30);
    expect(Object.keys(sizes).filter((id) => id.startsWith('zookeeper/') && id.endsWith('-data'))).toHaveLength(3);
    expect(Object.entries(sizes).filter(([id]) => id.endsWith('#broker'))).toEqual([['kafka-msk_cluster/Cluster#broker', 2000]]);
  });
});

describe('growing updates in place', () => {
  test('storage, ZooKeeper and MSK disks grow: same addresses, only their sizes change', () => {
    const after = grownResult;
    expect(addresses(after.resources)).toEqual(addresses(base.resources));
    const changes = changedLeaves(base.resources, after.resources);
    const byType = new Map<string, Set<string>>();
    for (const [address, leaves] of changes) {
      const type = address.split('.')[0];
      byType.set(type, new Set([...(byType.get(type) ?? []), ...leaves]));
    }
    // Each of these attributes is modified in place by the AWS provider (EC2 ModifyVolume, MSK UpdateBrokerStorage,
    // App Auto Scaling RegisterScalableTarget); none forces a new resource.
    expect(Object.fromEntries([...byType].map(([t, leaves]) => [t, [...leaves].sort()]))).toEqual({
      aws_ebs_volume: ['size'],
      aws_instance: ['root_block_device.volume_size'],
      aws_msk_cluster: ['broker_node_group_info.storage_info.ebs_storage_info.volume_size'],
      aws_appautoscaling_target: ['min_capacity'],
    });
    expect([...changes.keys()].filter((a) => a.startsWith('aws_ebs_volume.'))).toHaveLength(33);
    expect(after.dr.nextDiskSizeLock.sizesGiB['storage/ch-data-s01-r1-data']).toBe(8192);
  });

  test('the ingestion cache changes without touching any AWS resource', () => {
    const after = synth({ ...US_REGION, ingestionTierOptions: { ...US_REGION.ingestionTierOptions, small: { cacheSize: '20Gi' } } },
      base.dr.nextDiskSizeLock);
    const changed = [...changedLeaves(base.resources, after.resources).keys()];
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((a) => a.startsWith('helm_release.'))).toBe(true);
    expect(changed.every((a) => /small/.test(a))).toBe(true);
  });
});

describe('shrinking is rejected', () => {
  test('below the lock, every shrinking disk is listed in one error, before anything is written', () => {
    const lock = grownResult.dr.nextDiskSizeLock;
    let error: unknown;
    try {
      synth(US_REGION, lock);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyValidationError);
    const problems = (error as TopologyValidationError).problems;
    expect(problems).toHaveLength(30 + 30 + 3 + 1);
    expect(problems.find((p) => p.field === 'disk storage/ch-data-s01-r1-data')).toEqual({
      field: 'disk storage/ch-data-s01-r1-data', value: 4096,
      expected: expect.stringMatching(/^at least 8192 GiB, its size in stacks\/us\.sizes\.json: EBS volumes and MSK broker storage can only grow/),
    });
    expect(problems.some((p) => p.field.endsWith('#broker') && p.value === 2000)).toBe(true);
  });

  test('a lock of another region, or a malformed one, is refused', () => {
    expect(() => assertGrowOnly({ a: 1 }, { version: 1, region: 'eu', sizesGiB: { a: 1 } }, 'us')).toThrow(/version 1 disk size lock of region us/);
    expect(() => parseDiskSizeLock('{"version":1,"region":"us","sizesGiB":{"a":-3}}', 'stacks/us.sizes.json')).toThrow(/a size in whole GiB/);
    expect(() => parseDiskSizeLock('not json', 'x')).toThrow(TopologyValidationError);
  });

  test('new disks are not compared; the next lock never lowers a floor', () => {
    const lock: DiskSizeLock = { version: 1, region: 'us', sizesGiB: { old: 100, kept: 50 } };
    expect(() => assertGrowOnly({ kept: 60, added: 1 }, lock, 'us')).not.toThrow();
    expect(nextDiskSizeLock({ kept: 40, added: 1 }, lock, 'us').sizesGiB).toEqual({ added: 1, kept: 50 });
  });
});

describe('the us stack backs up', () => {
  test('one backup bucket, and backup timers on exactly one replica per shard', () => {
    const buckets = Object.keys(base.resources.aws_s3_bucket).filter((n) => n.includes('backups'));
    expect(buckets).toHaveLength(1);
    const withTimers = Object.entries(base.resources.aws_instance)
      .filter(([, i]) => String(i.user_data).includes('clickhouse-backup-full.timer'))
      .map(([name]) => /ch-data-s(\d\d)-r(\d)/.exec(name)!.slice(1).join('/'));
    expect(withTimers.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${String(i + 1).padStart(2, '0')}/1`));
    // Its S3 endpoint config is a host file: the shared-config sync (which deletes what S3 lacks) keeps it.
    for (const i of Object.values(base.resources.aws_instance).filter((x) => String(x.user_data).includes('clickhouse-backup-full.timer'))) {
      expect(String(i.user_data)).toContain("--exclude 'backup_destination.xml'");
    }
  });
});
