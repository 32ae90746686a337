import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { parse } from 'yaml';
import { evaluatePolicies } from '../../lib/policy';
import { buildTopology, Topology, TopologyValidationError } from '../../lib/model';
import { Architecture, MachineImage } from '../../lib/cloud-init';
import { ZooKeeper, ZooKeeperProps } from '../../lib/constructs/zookeeper';
import { US_TOPOLOGY } from '../../stacks/us';
import { CLICKHOUSE_ZNODES_UNIT } from '../../lib/cloud-init';
import { renderCreateZnodesScript } from '../../lib/constructs/zookeeper';
import { bashSyntaxErrors, hasCloudInit, validateCloudConfigs } from '../storage/support/cloud-init-schema';
import { testApp } from '../support/temp';

const hasSystemdAnalyze = existsSync('/usr/bin/systemd-analyze');
if (!hasSystemdAnalyze) console.warn('SKIPPED systemd unit check: `systemd-analyze` (Debian package `systemd`) not installed');

const SUBNETS = { 'us-east-1a': 'subnet-0aaaaaaaaaaaaaaa1', 'us-east-1b': 'subnet-0bbbbbbbbbbbbbbb2', 'us-east-1c': 'subnet-0ccccccccccccccc3' };
const CLICKHOUSE_SG = 'sg-0123456789abcdef0';

function topologyWith(nodes: number): Topology {
  return buildTopology({ ...US_TOPOLOGY, zookeeper: { nodes } });
}

function synth(topology: Topology, props: Partial<ZooKeeperProps> = {}) {
  const stack = new TerraformStack(testApp(), 'zk');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const zk = new ZooKeeper(stack, 'zookeeper', {
    topology, vpcId: 'vpc-0123456789abcdef0', subnetIds: SUBNETS, hostedZoneId: 'Z0123456789ABCDEFGHIJ', clientSecurityGroupIds: [CLICKHOUSE_SG], ...props,
  });
  return { zk, json: JSON.parse(Testing.synth(stack, true)) as { resource: Record<string, Record<string, Record<string, unknown>>> } };
}

function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return (e as TopologyValidationError).problems.map((p) => p.field);
  }
  throw new Error('expected the input to be rejected');
}

describe('ZooKeeper ensemble', () => {
  const { zk, json } = synth(topologyWith(3));
  const r = json.resource;

  test('three nodes across three zones, encrypted EBS for dataDir, IMDSv2, protected from destroy', () => {
    const instances = Object.values(r.aws_instance);
    expect(instances.map((i) => i.subnet_id).sort()).toEqual(Object.values(SUBNETS).sort());
    for (const i of instances) {
      expect(i).toMatchObject({ metadata_options: { http_tokens: 'required' }, root_block_device: { encrypted: true },
        disable_api_termination: true, lifecycle: { prevent_destroy: true } });
    }
    expect(Object.values(r.aws_ebs_volume)).toHaveLength(3);
    for (const v of Object.values(r.aws_ebs_volume)) expect(v).toMatchObject({ encrypted: true, lifecycle: { prevent_destroy: true } });
    expect(Object.values(r.aws_route53_record).map((d) => d.name).sort()).toEqual(
      ['zk-1.us.clickhouse.internal', 'zk-2.us.clickhouse.internal', 'zk-3.us.clickhouse.internal']);
  });

  test('2181 only from the ClickHouse security group (and peers), 2888/3888 only within the ensemble', () => {
    const ingress = Object.values(r.aws_vpc_security_group_ingress_rule);
    expect(ingress.every((g) => g.cidr_ipv4 === undefined && g.cidr_ipv6 === undefined)).toBe(true);
    const sources = (port: number) => ingress.filter((g) => g.from_port === port).map((g) => g.referenced_security_group_id).sort();
    const self = expect.stringMatching(/^\$\{aws_security_group\.[^.]+\.id\}$/);
    expect(sources(2181)).toEqual([self, CLICKHOUSE_SG].sort((a) => (a === CLICKHOUSE_SG ? 1 : -1)));
    expect(sources(2888)).toEqual([self]);
    expect(sources(3888)).toEqual([self]);
    expect(new Set(ingress.map((g) => g.from_port))).toEqual(new Set([2181, 2888, 3888]));
  });

  test('exposes the connection nodes ClickHouse connects to', () => {
    expect(zk.connectionNodes).toEqual([1, 2, 3].map((n) => ({ host: `zk-${n}.us.clickhouse.internal`, port: 2181 })));
  });

  test('user data writes the rendered zoo.cfg (autopurge on) and each node\'s myid', () => {
    const docs = Object.values(r.aws_instance).map((i) => parse(i.user_data as string));
    const fileOf = (doc: { write_files: { path: string; content: string }[] }, path: string) => doc.write_files.find((f) => f.path === path)?.content;
    expect(docs.map((d) => fileOf(d, '/etc/zookeeper/conf_clickhouse/myid')).sort()).toEqual(['1\n', '2\n', '3\n']);
    for (const d of docs) {
      expect(fileOf(d, '/etc/zookeeper/conf_clickhouse/zoo.cfg')).toBe(zk.zooCfg);
      expect(bashSyntaxErrors(fileOf(d, '/usr/local/sbin/zookeeper-prepare-storage')!)).toBe('');
    }
    expect(zk.zooCfg).toMatch(/^autopurge\.purgeInterval=1$/m);
    expect(zk.zooCfg).toMatch(/^autopurge\.snapRetainCount=3$/m);
  });

  test('every node creates ClickHouse\'s root once the ensemble has quorum (unit started without waiting for it)', () => {
    const topology = topologyWith(3);
    for (const i of Object.values(r.aws_instance)) {
      const doc = parse(i.user_data as string) as { write_files: { path: string; content: string }[]; runcmd: string[][] };
      const script = doc.write_files.find((f) => f.path === '/usr/local/sbin/zookeeper-create-clickhouse-root')?.content;
      expect(script).toBe(renderCreateZnodesScript({ znodes: ['/clickhouse', `/clickhouse/${topology.name}`], server: 'localhost:2181' }));
      const unit = doc.write_files.find((f) => f.path === `/etc/systemd/system/${CLICKHOUSE_ZNODES_UNIT}`)?.content;
      expect(unit).toMatch(/^After=zookeeper\.service$/m);
      expect(unit).toMatch(/^ExecStart=\/usr\/local\/sbin\/zookeeper-create-clickhouse-root$/m);
      // Then the SSM agent (Session Manager access), last.
      expect(doc.runcmd.slice(-3, -1)).toEqual([['systemctl', 'enable', CLICKHOUSE_ZNODES_UNIT], ['systemctl', 'start', '--no-block', CLICKHOUSE_ZNODES_UNIT]]);
      expect(doc.runcmd[doc.runcmd.length - 1].join(' ')).toContain('amazon-ssm-agent');
    }
  });

  (hasSystemdAnalyze ? test : test.skip)('systemd accepts the root unit (a oneshot may restart only on failure)', () => {
    const doc = parse(Object.values(r.aws_instance)[0].user_data as string) as { write_files: { path: string; content: string }[] };
    const dir = mkdtempSync(join(tmpdir(), 'zk-unit-'));
    try {
      // The script's real path does not exist here; verify checks that ExecStart points at an executable.
      const unit = doc.write_files.find((f) => f.path.endsWith(CLICKHOUSE_ZNODES_UNIT))!.content.replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true');
      writeFileSync(join(dir, CLICKHOUSE_ZNODES_UNIT), unit);
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, CLICKHOUSE_ZNODES_UNIT)], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (hasCloudInit ? test : test.skip)('cloud-init accepts every node\'s user data', () => {
    const result = validateCloudConfigs(Object.fromEntries(Object.entries(r.aws_instance).map(([id, i]) => [id, i.user_data as string])));
    expect(result.invalid).toEqual([]);
    expect(result.valid).toHaveLength(3);
  });

  test('passes the library\'s policy pack', () => {
    expect(evaluatePolicies({ terraform: json as never })).toEqual([]);
  });

  test('five nodes are allowed', () => {
    const five = synth(topologyWith(5));
    expect(Object.keys(five.json.resource.aws_instance)).toHaveLength(5);
    expect(five.zk.zooCfg).toMatch(/^server\.5=zk-5\.us\.clickhouse\.internal:2888:3888$/m);
  });
});

describe('ZooKeeper rejects bad input', () => {
  test('fails on an even ensemble, in the topology and in the construct', () => {
    expect(problemsOf(() => topologyWith(4))).toContain('zookeeper.nodes');
    const three = topologyWith(3);
    const even = { ...three, zookeeper: [...three.zookeeper, { ...three.zookeeper[0], id: 4, name: 'zk-4', fqdn: 'zk-4.us.clickhouse.internal' }] };
    expect(problemsOf(() => synth(even))).toContain('zookeeper.nodes');
  });

  test('fails on autopurge off without a reason, no client security group and a mismatched image, all at once', () => {
    const fields = problemsOf(() => synth(topologyWith(3), {
      zooCfg: { autopurge: { purgeIntervalHours: 0, snapRetainCount: 1 } }, clientSecurityGroupIds: [], instanceType: 'm7i.large',
      machineImage: MachineImage.debian12(Architecture.ARM64),
    }));
    expect(fields.sort()).toEqual([
      'zookeeper.autopurge.disabledReason', 'zookeeper.autopurge.snapRetainCount', 'zookeeper.clientSecurityGroupIds', 'zookeeper.machineImage',
    ].sort());
  });
});
