/**
 * Security groups of an MSK cluster the region creates. `allowedSources` lets more clients into
 * the brokers' security group (ingress rules, added and removed in place);
 * `additionalSecurityGroupIds` attaches groups of the user's own to the brokers, which MSK fixes
 * at creation: the region lock records them and refuses a change on a cluster it already has.
 * Synth, `terraform validate`, bad input, the refusal, and that adding a source only adds resources.
 */
import * as fs from 'fs';
import { App } from 'cdktf';
import { KafkaBackendOptions, RegionStack, RegionStackProps } from '../../lib/constructs/region-stack';
import { RegionMskProps } from '../../lib/constructs/kafka-backend-options';
import { parseRegionLock, RegionLock } from '../../lib/lock';
import { RegionLockFile } from '../../lib/lock/region-lock-file';
import { evolveRegion } from '../../lib/migrations';
import { buildRegionTopology } from '../../lib/constructs/region-validation';
import { TopologyValidationError } from '../../lib/model';
import { smallRegion } from '../safety/specs';
import { testTerraformValidate } from '../support/terraform';
import { cleanUp, resources, SynthesizedStack, synthStacks, tempOutdir } from '../region/support/synth';

afterAll(cleanUp);

const PLATFORM_SG = 'sg-0f1e2d3c4b5a69788';
const MONITORING_SG = 'sg-0a1b2c3d4e5f60718';
const QUERY_SG = 'sg-01234567';
const OFFICE_CIDR = '10.20.0.0/16';

/** The small region with its MSK cluster's options. */
function region(msk: RegionMskProps, lock?: RegionLock): RegionStackProps {
  const small = smallRegion();
  return {
    ...small,
    kafkaBackendOptions: { ...small.kafkaBackendOptions, msk_cluster: KafkaBackendOptions.msk(msk) },
    ...(lock !== undefined ? { regionLock: RegionLockFile.of(lock) } : {}),
  };
}

type Block = Record<string, unknown>;

/** Every resource as `type.id` → its block. */
function addresses(stack: SynthesizedStack): Map<string, string> {
  const all = new Map<string, string>();
  for (const [type, byId] of Object.entries(stack.config.resource ?? {})) {
    for (const [id, block] of Object.entries(byId)) all.set(`${type}.${id}`, JSON.stringify(block));
  }
  return all;
}

/** Files (not folders) under a synth's outdir. */
function filesIn(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

function refusal(build: () => unknown): TopologyValidationError {
  try {
    build();
  } catch (e) {
    if (e instanceof TopologyValidationError) return e;
    throw e;
  }
  throw new Error('expected a TopologyValidationError');
}

describe('an MSK cluster with allowed sources and security groups of its own', () => {
  const base: RegionMskProps = {
    allowedSources: { securityGroupIds: [QUERY_SG], cidrs: [OFFICE_CIDR] },
    additionalSecurityGroupIds: [PLATFORM_SG, MONITORING_SG],
  };
  let stack: SynthesizedStack;
  let lock: RegionLock;
  beforeAll(() => {
    stack = synthStacks({ byo: region(base) }).byo;
    lock = parseRegionLock(stack.artifacts.get('region.lock.json')!, 'region.lock.json');
  });

  test('the brokers get the library\'s security group, then the user\'s, sorted', () => {
    const [cluster] = Object.values(resources(stack.config, 'aws_msk_cluster')) as { broker_node_group_info: { security_groups: string[] } }[];
    const [libraryGroup] = Object.keys(resources(stack.config, 'aws_security_group')).filter((id) => id.startsWith('kafka-msk_cluster_SecurityGroup'));
    expect(cluster.broker_node_group_info.security_groups).toEqual([`\${aws_security_group.${libraryGroup}.id}`, MONITORING_SG, PLATFORM_SG]);
  });

  test('each allowed source gets one ingress rule on the brokers\' SASL/IAM port, and nothing wider', () => {
    const [libraryGroup] = Object.keys(resources(stack.config, 'aws_security_group')).filter((id) => id.startsWith('kafka-msk_cluster_SecurityGroup'));
    const onBrokers = Object.entries(resources(stack.config, 'aws_vpc_security_group_ingress_rule'))
      .filter(([, r]) => r.security_group_id === `\${aws_security_group.${libraryGroup}.id}`);
    expect(onBrokers.map(([, r]) => [r.from_port, r.to_port, r.ip_protocol])).toEqual([[9098, 9098, 'tcp'], [9098, 9098, 'tcp'], [9098, 9098, 'tcp']]);
    // Named after the source, not its position.
    const sources = Object.fromEntries(onBrokers.map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ''), r.cidr_ipv4 ?? r.referenced_security_group_id]));
    expect(sources).toEqual({
      'kafka-msk_cluster_ClientIngress0': expect.stringContaining('cluster_security_group_id'),
      [`kafka-msk_cluster_AllowedIngress-${QUERY_SG}`]: QUERY_SG,
      'kafka-msk_cluster_AllowedIngress-10_20_0_0_16': OFFICE_CIDR,
    });
  });

  test('the lock records the brokers\' own security groups, sorted, and the policy pack passes', () => {
    expect(lock.inventory.backends.msk_cluster).toEqual({ kind: 'msk', topics: { clickhouse_groups: 16 }, brokerSecurityGroups: [MONITORING_SG, PLATFORM_SG] });
    expect(lock.inventory.backends.warpstream_ingestion.brokerSecurityGroups).toBeUndefined();
    expect(stack.policy.violations).toEqual([]);
  });

  test('adding an allowed source (first in the list) only adds its rule: every other resource is unchanged', () => {
    const more = synthStacks({ byo: region({
      ...base,
      allowedSources: { securityGroupIds: ['sg-0bbbbbbbbbbbbbbbb', QUERY_SG], cidrs: [OFFICE_CIDR, '192.168.4.0/24'] },
    }) }).byo;
    const before = addresses(stack);
    const after = addresses(more);
    const added = [...after.keys()].filter((a) => !before.has(a)).sort();
    expect(added).toEqual([
      expect.stringMatching(/^aws_vpc_security_group_ingress_rule\.kafka-msk_cluster_AllowedIngress-192_168_4_0_24_/),
      expect.stringMatching(/^aws_vpc_security_group_ingress_rule\.kafka-msk_cluster_AllowedIngress-sg-0bbbbbbbbbbbbbbbb_/),
    ]);
    const changed = [...before.keys()].filter((a) => after.get(a) !== before.get(a));
    expect(changed).toEqual([]);
  });

  test('the same security groups in another order change nothing; a lock that has them accepts them', () => {
    const reordered = region({ ...base, additionalSecurityGroupIds: [MONITORING_SG, PLATFORM_SG] }, lock);
    expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'byo', reordered)).not.toThrow();
  });

  test('changing them on a cluster the lock has is refused, naming the field, the reason and the supported path; nothing is written', () => {
    const outdir = tempOutdir();
    const changed = region({ ...base, additionalSecurityGroupIds: [PLATFORM_SG] }, lock);
    const error = refusal(() => new RegionStack(new App({ outdir }), 'byo', changed));
    expect(error.problems).toEqual([expect.objectContaining({
      field: 'kafkaBackendOptions.msk_cluster.additionalSecurityGroupIds',
      value: [PLATFORM_SG],
    })]);
    expect(error.message).toContain(`${JSON.stringify([MONITORING_SG, PLATFORM_SG])} as the MSK cluster of backend msk_cluster was created`);
    expect(error.message).toContain('AWS cannot change a cluster\'s security groups');
    expect(error.message).toContain('allowedSources');
    expect(error.message).toContain('declare a new backend');
    expect(filesIn(outdir)).toEqual([]);
  });

  test('a cluster locked without any (a lock written before the option existed) refuses new ones too', () => {
    const { brokerSecurityGroups: _dropped, ...plain } = lock.inventory.backends.msk_cluster;
    const older: RegionLock = { ...lock, inventory: { ...lock.inventory, backends: { ...lock.inventory.backends, msk_cluster: plain } } };
    const error = refusal(() => new RegionStack(new App({ outdir: tempOutdir() }), 'byo', region(base, older)));
    expect(error.message).toContain('kafkaBackendOptions.msk_cluster.additionalSecurityGroupIds');
    expect(error.message).toContain('none as the MSK cluster of backend msk_cluster was created');
    // Allowed sources are in place: adding them to that region is accepted.
    expect(() => new RegionStack(new App({ outdir: tempOutdir() }), 'byo', region({ allowedSources: base.allowedSources }, older))).not.toThrow();
  });

  test('a backend new to the lock records its groups without a refusal', () => {
    const spec = region(base);
    const topology = buildRegionTopology(spec);
    const { msk_cluster: _new, ...others } = lock.inventory.backends;
    const without: RegionLock = { ...lock, inventory: { ...lock.inventory, backends: others } };
    const evolution = evolveRegion({
      topology, stack: 'byo', stateKey: lock.stateKey, lock: without, mskBrokerSecurityGroups: { msk_cluster: [PLATFORM_SG] },
    });
    expect(evolution.lock.inventory.backends.msk_cluster.brokerSecurityGroups).toEqual([PLATFORM_SG]);
  });

  testTerraformValidate(() => stack.dir);
});

describe('bad security group options', () => {
  test('one error naming every problem of the allowed sources and the brokers\' groups, before anything is written', () => {
    const outdir = tempOutdir();
    const error = refusal(() => new RegionStack(new App({ outdir }), 'bad', region({
      allowedSources: { securityGroupIds: ['sg-nope', QUERY_SG, QUERY_SG], cidrs: ['0.0.0.0/0', OFFICE_CIDR, OFFICE_CIDR] },
      additionalSecurityGroupIds: ['sg-12', PLATFORM_SG, PLATFORM_SG, 'sg-0c0c0c0c', 'sg-0d0d0d0d', 'sg-0e0e0e0e'],
    })));
    expect(error.problems.map((p) => p.field).sort()).toEqual([
      'kafkaBackendOptions.msk_cluster.additionalSecurityGroupIds',
      'kafkaBackendOptions.msk_cluster.additionalSecurityGroupIds',
      'kafkaBackendOptions.msk_cluster.additionalSecurityGroupIds[0]',
      'kafkaBackendOptions.msk_cluster.allowedSources.cidrs',
      'kafkaBackendOptions.msk_cluster.allowedSources.cidrs[0]',
      'kafkaBackendOptions.msk_cluster.allowedSources.securityGroupIds',
      'kafkaBackendOptions.msk_cluster.allowedSources.securityGroupIds[0]',
    ]);
    expect(error.message).toContain('distinct security group ids');
    expect(error.message).toContain('at most 4');
    expect(error.message).toContain('a private IPv4 CIDR');
    expect(error.message).toContain('distinct CIDRs');
    expect(filesIn(outdir)).toEqual([]);
  });

  test('a reference as a brokers\' group is refused in a region (the lock records the ids)', () => {
    const error = refusal(() => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', region({
      additionalSecurityGroupIds: ['${aws_security_group.mine.id}'],
    })));
    expect(error.problems).toEqual([expect.objectContaining({
      field: 'kafkaBackendOptions.msk_cluster.additionalSecurityGroupIds[0]',
      expected: expect.stringContaining('a literal security group id'),
    })]);
  });

  test('allowed sources on an existing cluster need its broker security group', () => {
    const small = smallRegion();
    const error = refusal(() => new RegionStack(new App({ outdir: tempOutdir() }), 'bad', {
      ...small,
      kafkaBackendOptions: {
        ...small.kafkaBackendOptions,
        msk_cluster: KafkaBackendOptions.existingMsk({
          clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/shared-ingest/0a1b2c3d-1111-2222-3333-444455556666-7',
          allowedSources: { cidrs: [OFFICE_CIDR] },
        }),
      },
    }));
    expect(error.problems).toEqual([expect.objectContaining({
      field: 'kafkaBackendOptions.msk_cluster.allowedSources', expected: expect.stringContaining('nothing without brokerSecurityGroupId'),
    })]);
  });
});

describe('allowed sources on an existing MSK cluster', () => {
  test('one ingress rule each on the given broker security group, on the auth mode\'s port', () => {
    const small = smallRegion();
    const stack = synthStacks({ existing: {
      ...small,
      kafkaBackendOptions: {
        ...small.kafkaBackendOptions,
        msk_cluster: KafkaBackendOptions.existingMsk({
          clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/shared-ingest/0a1b2c3d-1111-2222-3333-444455556666-7',
          brokerSecurityGroupId: PLATFORM_SG,
          allowedSources: { securityGroupIds: [QUERY_SG], cidrs: [OFFICE_CIDR] },
        }),
      },
    } }).existing;
    const rules = (Object.values(resources(stack.config, 'aws_vpc_security_group_ingress_rule')) as Block[]).filter((r) => r.security_group_id === PLATFORM_SG);
    expect(rules.map((r) => [r.from_port, r.cidr_ipv4 ?? r.referenced_security_group_id])).toEqual(expect.arrayContaining([
      [9098, expect.stringContaining('cluster_security_group_id')], [9098, QUERY_SG], [9098, OFFICE_CIDR],
    ]));
    expect(rules).toHaveLength(3);
    const lock = parseRegionLock(stack.artifacts.get('region.lock.json')!, 'region.lock.json');
    expect(lock.inventory.backends.msk_cluster.brokerSecurityGroups).toBeUndefined();
  });
});
