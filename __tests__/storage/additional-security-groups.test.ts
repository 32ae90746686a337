/**
 * Security groups of the user's own on the storage and ZooKeeper hosts
 * (`additionalSecurityGroupIds`): appended to each instance's `vpc_security_group_ids`, and
 * nothing else of the stack changes (same addresses, same attributes), so adding one updates the
 * instances in place. Bad ids are refused by field; the stack passes terraform validate.
 */
import { App } from 'cdktf';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { smallRegion } from '../safety/specs';
import { testTerraformValidate } from '../support/terraform';
import { cleanUp, resources, SynthesizedStack, synthStacks, tempOutdir } from '../region/support/synth';

afterAll(cleanUp);

const EXTRA = ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'];
const withGroups = (): RegionStackProps => ({
  ...smallRegion(),
  storageClusterOptions: { additionalSecurityGroupIds: EXTRA },
  zooKeeperOptions: { additionalSecurityGroupIds: [EXTRA[0]] },
});

type Block = Record<string, unknown>;

describe('additional security groups', () => {
  let before: SynthesizedStack;
  let after: SynthesizedStack;
  beforeAll(() => {
    before = synthStacks({ region: smallRegion() }).region;
    after = synthStacks({ region: withGroups() }).region;
  });

  test('every storage and ZooKeeper instance gets them after its own group', () => {
    const instances = resources(after.config, 'aws_instance');
    const storage = Object.entries(instances).filter(([id]) => id.startsWith('storage_'));
    const zookeeper = Object.entries(instances).filter(([id]) => id.startsWith('zookeeper_'));
    expect(storage.length).toBe(6);
    expect(zookeeper.length).toBe(3);
    for (const [, i] of storage) expect((i.vpc_security_group_ids as string[]).slice(1)).toEqual(EXTRA);
    for (const [, i] of zookeeper) expect((i.vpc_security_group_ids as string[]).slice(1)).toEqual([EXTRA[0]]);
    for (const [, i] of [...storage, ...zookeeper]) {
      expect((i.vpc_security_group_ids as string[])[0]).toMatch(/^\$\{aws_security_group\./);
      // Not ignored, so a later change is applied (in place: vpc_security_group_ids is updatable on a running instance).
      expect((i.lifecycle as { ignore_changes?: string[] }).ignore_changes ?? []).not.toContain('vpc_security_group_ids');
    }
  });

  test('nothing else changes: the same resources, and on each instance only vpc_security_group_ids differs', () => {
    const addresses = (s: SynthesizedStack): string[] => Object.entries(s.config.resource ?? {}).flatMap(([t, byId]) => Object.keys(byId).map((id) => `${t}.${id}`)).sort();
    expect(addresses(after)).toEqual(addresses(before));
    const differing: string[] = [];
    for (const [type, byId] of Object.entries(after.config.resource ?? {})) {
      for (const [id, block] of Object.entries(byId)) {
        const was = before.config.resource![type][id] as Block;
        for (const key of new Set([...Object.keys(block), ...Object.keys(was)])) {
          if (JSON.stringify(block[key]) !== JSON.stringify(was[key])) differing.push(`${type}.${key}`);
        }
      }
    }
    expect([...new Set(differing)]).toEqual(['aws_instance.vpc_security_group_ids']);
  });

  test('bad ids: one error naming each, under the region option that holds them', () => {
    const build = (spec: Partial<RegionStackProps>): (() => unknown) => () => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', { ...smallRegion(), ...spec });
    expect(build({ storageClusterOptions: { additionalSecurityGroupIds: ['sg-nope', EXTRA[0], EXTRA[0]] } })).toThrow(new RegExp([
      'storageClusterOptions\\.additionalSecurityGroupIds\\[0\\]: got "sg-nope"; expected a security group id',
      'storageClusterOptions\\.additionalSecurityGroupIds: .*expected distinct security group ids',
    ].join('[\\s\\S]*')));
    // ZooKeeper is built once the storage cluster is (its clients are the storage hosts).
    const five = [1, 2, 3, 4, 5].map((n) => `sg-0123456789abcdef${n}`);
    expect(build({ zooKeeperOptions: { additionalSecurityGroupIds: five } })).toThrow(/zooKeeperOptions\.additionalSecurityGroupIds: .*expected at most 4/);
  });

  testTerraformValidate(() => after.dir);
});
