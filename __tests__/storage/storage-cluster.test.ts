import { CLICKHOUSE_SERVER_VERSION } from '../../lib/clickhouse/versions';
import { TerraformStack } from 'cdktf';
import { parse } from 'yaml';
import { evaluatePolicies } from '../../lib/policy';
import { buildTopology, INTERSERVER_SECRET_ENV, TopologyValidationError } from '../../lib/model';
import { Architecture, MachineImage, RemovalPolicy, StorageCluster, StorageClusterProps } from '../../lib/constructs/storage-cluster';
import { US_TOPOLOGY } from '../../stacks/us';
import { INTERSERVER_HTTP_PASSWORD_ENV, INTERSERVER_HTTP_USER_ENV, nodeGroups, requiredEnvironment } from '../../lib/clickhouse';
import { bashSyntaxErrors, cloudInitSchemaCli, hasCloudInit, validateCloudConfigs } from './support/cloud-init-schema';
import { BASE_PROPS, SUBNETS, synthStorage, SynthResult, usTopology } from './support/fixtures';
import { testApp } from '../support/temp';

type Resources = SynthResult['json']['resource'];

function problemsOf(build: () => unknown): { field: string; value: unknown; expected: string }[] {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyValidationError);
    return [...(e as TopologyValidationError).problems];
  }
  throw new Error('expected the input to be rejected');
}

function newCluster(props: Partial<StorageClusterProps>, shards = 2): StorageCluster {
  const stack = new TerraformStack(testApp(), 'bad');
  return new StorageCluster(stack, 'storage', { topology: usTopology(shards), ...BASE_PROPS, ...props });
}

describe('StorageCluster, 10 shards × 3 replicas', () => {
  let ten: SynthResult;
  let eleven: SynthResult;
  let r: Resources;
  beforeAll(() => {
    ten = synthStorage(usTopology(10));
    eleven = synthStorage(usTopology(11));
    r = ten.json.resource;
  });

  test('30 instances, 10 in each availability zone, replica i in zone i', () => {
    const instances = Object.values(r.aws_instance);
    expect(instances).toHaveLength(30);
    const bySubnet: Record<string, number> = {};
    for (const i of instances) bySubnet[i.subnet_id as string] = (bySubnet[i.subnet_id as string] ?? 0) + 1;
    expect(bySubnet).toEqual({ [SUBNETS['us-east-1a']]: 10, [SUBNETS['us-east-1b']]: 10, [SUBNETS['us-east-1c']]: 10 });
    const replica2 = instances.filter((i) => (i.tags as Record<string, string>)['clickhouse-ingest:replica'] === '2');
    expect(replica2.every((i) => i.subnet_id === SUBNETS['us-east-1b'])).toBe(true);
    expect(Object.values(r.aws_ebs_volume).map((v) => v.availability_zone).sort()).toEqual(
      [...Array(10).fill('us-east-1a'), ...Array(10).fill('us-east-1b'), ...Array(10).fill('us-east-1c')]);
  });

  test('i8ge.metal-48xl on an arm64 image, IMDSv2, encrypted gp3 root, protected from destroy, stop and termination', () => {
    for (const i of Object.values(r.aws_instance)) {
      expect(i).toMatchObject({
        instance_type: 'i8ge.metal-48xl',
        metadata_options: { http_tokens: 'required' },
        root_block_device: { volume_type: 'gp3', encrypted: true },
        disable_api_termination: true, disable_api_stop: true,
        // user_data runs once per instance: a change would only stop/start the host and empty its hot tier.
        lifecycle: { prevent_destroy: true, ignore_changes: ['ami', 'user_data'] },
      });
      // volume_tags would also tag (and fight over) the separately attached data volume.
      expect(i.volume_tags).toBeUndefined();
    }
    expect(Object.values(ten.json.data!.aws_ssm_parameter)[0].name).toBe('/aws/service/debian/release/bookworm/latest/arm64');
    for (const v of Object.values(r.aws_ebs_volume)) expect(v).toMatchObject({ encrypted: true, type: 'gp3', lifecycle: { prevent_destroy: true } });
    for (const b of Object.values(r.aws_s3_bucket)) expect(b).toMatchObject({ lifecycle: { prevent_destroy: true }, force_destroy: false });
  });

  test('two buckets (cold tier, backups; encrypted, private, TLS only), one role and instance profile limited to them', () => {
    expect(Object.keys(r.aws_s3_bucket)).toHaveLength(2);
    expect(Object.keys(r.aws_iam_instance_profile)).toHaveLength(1);
    expect(Object.keys(r.aws_iam_role)).toHaveLength(1);
    for (const b of Object.values(r.aws_s3_bucket_public_access_block)) expect(b).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    const policyDoc = ten.json.data!.aws_iam_policy_document;
    const statements = Object.values(policyDoc).flatMap((d) => d.statement as { resources: string[]; effect?: string }[]);
    const bucketRef = /^\$\{aws_s3_bucket\.[^.]+\.arn\}/;
    const secretRef = /^\$\{aws_secretsmanager_secret\.[^.]+\.arn\}$/;
    // Every resource the role or the bucket policy names is the bucket, its objects or the cluster secret.
    expect(statements.flatMap((s) => s.resources).every((res) => bucketRef.test(res) || secretRef.test(res))).toBe(true);
  });

  test('security group: ClickHouse ports from the given sources and itself, never from 0.0.0.0/0', () => {
    const ingress = Object.values(r.aws_vpc_security_group_ingress_rule);
    expect(ingress.some((g) => g.cidr_ipv4 === '0.0.0.0/0' || g.cidr_ipv6 === '::/0')).toBe(false);
    expect(new Set(ingress.map((g) => g.from_port))).toEqual(new Set([8123, 9000, 9009]));
    const sources9000 = ingress.filter((g) => g.from_port === 9000).map((g) => g.referenced_security_group_id ?? g.cidr_ipv4);
    expect(sources9000).toHaveLength(3);
    expect(sources9000).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\$\{aws_security_group\.[^.]+\.id\}$/), 'sg-0123456789abcdef0', '10.20.0.0/16',
    ]));
  });

  test('every host has its deterministic private name', () => {
    const names = Object.values(r.aws_route53_record).map((d) => d.name).sort();
    expect(names).toHaveLength(30);
    expect(names[0]).toBe('ch-data-s01-r1.us.clickhouse.internal');
    expect(names).toContain('ch-data-s10-r3.us.clickhouse.internal');
  });

  test('attributes: cluster names, hosts, remote_servers definitions', () => {
    expect(ten.cluster.clusterNames.sharded).toBe('posthog');
    expect(ten.cluster.hosts).toHaveLength(30);
    expect(ten.cluster.clusters.find((c) => c.name === 'posthog')!.shards).toHaveLength(10);
    expect(Object.keys(ten.cluster.sharedConfigObjects)).toEqual(expect.arrayContaining([
      'config.d/remote_servers_no_restart.xml', 'config.d/zookeeper.xml', 'config.d/storage.xml', 'config.d/startup_scripts.xml',
    ]));
  });

  test('the synthesized plan passes the library\'s policy pack', () => {
    expect(evaluatePolicies({ terraform: ten.json as never, topology: usTopology(10) })).toEqual([]);
  });

  test('user data: macros with hostClusterRole=data, pinned ClickHouse from the signed repository, no literal secret, under 16 KB', () => {
    const docs = Object.values(r.aws_instance).map((i) => i.user_data as string);
    expect(new Set(docs).size).toBe(30);
    const first = parse(docs[0]);
    // The key comes over HTTPS (bootcmd, before apt is configured), checked against its full fingerprint; never HKP.
    expect(first.apt.sources.clickhouse).toEqual({
      source: 'deb [signed-by=/etc/apt/keyrings/clickhouse.asc] https://packages.clickhouse.com/deb stable main',
    });
    const fetchKey = first.bootcmd.map((c: string[]) => c.join(' ')).join('\n');
    expect(fetchKey).toContain("'https://packages.clickhouse.com/rpm/lts/repodata/repomd.xml.key'");
    expect(fetchKey).toContain("--proto '=https'");
    expect(fetchKey).toContain('3A9EA1193A97B548BE1457D48919F6BD2B48D754');
    expect(docs[0]).not.toMatch(/keyserver|hkp:/);
    expect(first.packages).toContainEqual(['clickhouse-server', CLICKHOUSE_SERVER_VERSION]);
    const macros = first.write_files.find((f: { path: string }) => f.path === '/etc/clickhouse-server/config.d/macros.xml').content;
    expect(macros).toMatch(/<hostClusterRole>data<\/hostClusterRole>/);
    expect(macros).toMatch(/<replica>ch-data-s01-r1<\/replica>/);
    const fetch = first.write_files.find((f: { path: string }) => f.path === '/usr/local/sbin/clickhouse-fetch-secrets').content;
    expect(fetch).toMatch(/secretsmanager get-secret-value --secret-id '\$\{aws_secretsmanager_secret\.[^}]+\.arn\}'/);
    // Generated ephemerally and written write-only: the value is in neither the plan nor the state.
    expect(Object.values(r.aws_secretsmanager_secret_version)[0].secret_string).toBeUndefined();
    expect(Object.values(r.aws_secretsmanager_secret_version)[0].secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\./);
    for (const d of docs) expect(Buffer.byteLength(d)).toBeLessThan(16 * 1024);
  });

  test('every variable the storage config reads reaches every host: secrets fetched at boot, the rest in host.env', () => {
    const required = requiredEnvironment(usTopology(10), nodeGroups(usTopology(10))[0]);
    expect(required).toEqual(expect.arrayContaining([INTERSERVER_HTTP_USER_ENV, INTERSERVER_HTTP_PASSWORD_ENV, INTERSERVER_SECRET_ENV]));
    for (const i of Object.values(r.aws_instance)) {
      const files = (parse(i.user_data as string) as { write_files: { path: string; content: string }[] }).write_files;
      const content = (path: string): string => files.find((f) => f.path === path)!.content;
      const fetched = [...content('/usr/local/sbin/clickhouse-fetch-secrets').matchAll(/^fetch ([A-Z0-9_]+) aws /gm)].map((m) => m[1]);
      const hostEnv = content('/etc/clickhouse-server/host.env').split('\n').filter((l) => l !== '').map((l) => l.split('=')[0]);
      expect([...fetched, ...hostEnv].sort()).toEqual(required);
      expect(content('/etc/clickhouse-server/host.env')).toContain(`${INTERSERVER_HTTP_USER_ENV}="interserver"\n`);
    }
  });

  test('the interserver HTTP password is a generated secret of its own, readable by the hosts\' role', () => {
    const secrets = Object.entries(r.aws_secretsmanager_secret);
    expect(secrets.map(([, s]) => s.name_prefix).sort()).toEqual(['us-clickhouse-interserver-', 'us-clickhouse-interserver-http-', 'us-clickhouse-migrator-']);
    const httpId = secrets.find(([, s]) => s.name_prefix === 'us-clickhouse-interserver-http-')![0];
    const fetch = (parse(Object.values(r.aws_instance)[0].user_data as string) as { write_files: { path: string; content: string }[] })
      .write_files.find((f) => f.path === '/usr/local/sbin/clickhouse-fetch-secrets')!.content;
    expect(fetch).toContain(`fetch ${INTERSERVER_HTTP_PASSWORD_ENV} aws secretsmanager get-secret-value --secret-id '\${aws_secretsmanager_secret.${httpId}.arn}'`);
    const read = Object.values(ten.json.data!.aws_iam_policy_document).flatMap((d) => d.statement as { sid?: string; resources: string[] }[])
      .find((st) => st.sid === 'ReadSecrets')!;
    expect(read.resources).toContain(`\${aws_secretsmanager_secret.${httpId}.arn}`);
    for (const v of Object.values(r.aws_secretsmanager_secret_version)) {
      // A fixed write-only version: later plans never rotate the password under running replicas.
      expect(v.secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\./);
      expect(v.secret_string_wo_version).toBe(1);
    }
  });

  test('the schema migrator\'s password is a generated, protected secret every host fetches at boot, never a literal', () => {
    const [migratorId, migrator] = Object.entries(r.aws_secretsmanager_secret).find(([, s]) => s.name_prefix === 'us-clickhouse-migrator-')!;
    expect(migrator.lifecycle).toEqual({ prevent_destroy: true });
    for (const instance of Object.values(r.aws_instance)) {
      const fetch = (parse(instance.user_data as string) as { write_files: { path: string; content: string }[] })
        .write_files.find((f) => f.path === '/usr/local/sbin/clickhouse-fetch-secrets')!.content;
      expect(fetch).toContain(`fetch CLICKHOUSE_MIGRATOR_PASSWORD aws secretsmanager get-secret-value --secret-id '\${aws_secretsmanager_secret.${migratorId}.arn}'`);
      expect((instance.depends_on as string[]).some((d) => d.startsWith('aws_secretsmanager_secret_version.') && d.includes('migrator-secret-version'))).toBe(true);
    }
    const read = Object.values(ten.json.data!.aws_iam_policy_document).flatMap((d) => d.statement as { sid?: string; resources: string[] }[])
      .find((st) => st.sid === 'ReadSecrets')!;
    expect(read.resources).toContain(`\${aws_secretsmanager_secret.${migratorId}.arn}`);
  });

  test('every host waits for all its boot reads, each named by its bare address (depends_on takes no ${…})', () => {
    const cluster = ten.cluster;
    const address = (e: { terraformResourceType: string; friendlyUniqueId: string }): string => `${e.terraformResourceType}.${e.friendlyUniqueId}`;
    const bootReads = [
      // Every secret version of this stack is one a host fetches at boot (cluster, interserver HTTP, migrator).
      ...Object.keys(r.aws_secretsmanager_secret_version).map((id) => `aws_secretsmanager_secret_version.${id}`),
      ...Object.values(cluster.sharedConfigObjects).map(address),
      // The host role's access policy (the backup writer's policy is for the backup timer, not for boot).
      ...Object.entries(r.aws_iam_role_policy).filter(([, p]) => p.name === 'clickhouse-storage').map(([id]) => `aws_iam_role_policy.${id}`),
      address(cluster.sessionManagerPolicy),
    ].sort();
    expect(Object.keys(r.aws_secretsmanager_secret_version)).toHaveLength(3);
    expect(Object.keys(cluster.sharedConfigObjects).length).toBeGreaterThan(5);
    expect(bootReads.filter((x) => x.startsWith('aws_iam_role_policy.'))).toHaveLength(1);
    for (const instance of Object.values(r.aws_instance)) {
      expect([...(instance.depends_on as string[])].sort()).toEqual(bootReads);
    }
    // Each host has a list of its own: an Aspect that adds to one host's dependsOn changes only that host.
    const lists = Object.values(cluster.instances).map((i) => i.dependsOn);
    expect(new Set(lists).size).toBe(lists.length);
  });

  test('every script in the user data parses with bash', () => {
    const first = parse(Object.values(r.aws_instance)[0].user_data as string);
    const scripts = first.write_files.filter((f: { content: string }) => f.content.startsWith('#!/bin/bash'));
    // Replica 1 also runs its shard's backups.
    expect(scripts.length).toBe(4);
    for (const s of scripts) expect(bashSyntaxErrors(s.content)).toBe('');
  });

  (hasCloudInit ? test : test.skip)('cloud-init accepts the user data of all 30 hosts', () => {
    const docs = Object.fromEntries(Object.entries(r.aws_instance).map(([id, i]) => [id, i.user_data as string]));
    const result = validateCloudConfigs(docs);
    expect(result.invalid).toEqual([]);
    expect(result.valid).toHaveLength(30);
    // The same check through the CLI itself, for one host; and a broken document is refused.
    expect(cloudInitSchemaCli(Object.values(docs)[0]).status).toBe(0);
    expect(cloudInitSchemaCli(Object.values(docs)[0].replace('permissions:', 'permission:')).status).not.toBe(0);
  });

  test('going from 10 to 11 shards only adds resources; existing ones stay byte-identical, shared config objects aside', () => {
    const before = ten.json.resource;
    const after = eleven.json.resource;
    const changed: string[] = [];
    for (const [type, byId] of Object.entries(before)) {
      for (const [id, config] of Object.entries(byId)) {
        expect(after[type]?.[id]).toBeDefined();
        if (JSON.stringify(after[type][id]) !== JSON.stringify(config)) changed.push(`${type}.${id}`);
      }
    }
    // remote_servers lists the new shard: the one file that must change, delivered as an S3 object the hosts sync.
    expect(changed.length).toBeGreaterThan(0);
    // Besides the shared config objects, only the backup bucket's lifecycle gains the new shard's chain rule (in place).
    expect(changed.filter((c) => !c.startsWith('aws_s3_object.'))).toEqual([expect.stringMatching(/^aws_s3_bucket_lifecycle_configuration\.storage_backups_lifecycle/)]);
    expect(changed).toEqual(expect.arrayContaining([expect.stringMatching(/remote-servers/)]));
    const added = Object.entries(after).flatMap(([type, byId]) => Object.keys(byId).filter((id) => !before[type]?.[id]).map((id) => `${type}.${id}`));
    expect(added.filter((a) => a.startsWith('aws_instance.'))).toHaveLength(3);
    expect(added.filter((a) => a.startsWith('aws_ebs_volume.'))).toHaveLength(3);
    expect(added.every((a) => a.includes('ch-data-s11-'))).toBe(true);
  });

  test('adding a stream changes no host: the schema reaches the hosts through the shared config objects', () => {
    const fewer = synthStorage(usTopology(10, { streams: US_TOPOLOGY.streams!.slice(0, 2) })).json.resource;
    const changedTypes = new Set<string>();
    for (const [type, byId] of Object.entries(fewer)) {
      for (const [id, config] of Object.entries(byId)) {
        if (JSON.stringify(r[type]?.[id]) !== JSON.stringify(config)) changedTypes.add(type);
      }
    }
    expect([...changedTypes]).toEqual(['aws_s3_object']);
  });

  test('synthesis is deterministic', () => {
    expect(JSON.stringify(synthStorage(usTopology(10)).json)).toBe(JSON.stringify(ten.json));
  });
});

describe('StorageCluster rejects bad input with every problem listed', () => {
  test('fails on 0 shards (the topology refuses it)', () => {
    expect(problemsOf(() => usTopology(0)).map((p) => p.field)).toContain('storage.shards');
  });

  test('fails on more replicas than availability zones', () => {
    expect(problemsOf(() => buildTopology({ ...US_TOPOLOGY, availabilityZones: ['us-east-1a', 'us-east-1b'], storage: { shards: 2, replicas: 3 } }))
      .map((p) => p.field)).toContain('storage.replicas');
    const p = problemsOf(() => newCluster({ subnetIds: { 'us-east-1a': SUBNETS['us-east-1a'], 'us-east-1b': SUBNETS['us-east-1b'] } }));
    expect(p.map((x) => x.field)).toEqual(expect.arrayContaining(['storage.replicas', 'storage.subnetIds.us-east-1c']));
  });

  test('fails on an x86 image for i8ge and an arm64 image for i7ie', () => {
    const x86 = problemsOf(() => newCluster({ machineImage: MachineImage.fromAmiId('ami-0123456789abcdef0', Architecture.X86_64) }));
    expect(x86).toEqual([expect.objectContaining({ field: 'storage.machineImage', expected: expect.stringContaining('an arm64 image') })]);
    const arm = problemsOf(() => newCluster({ instanceType: 'i7ie.48xlarge', machineImage: MachineImage.debian12(Architecture.ARM64) }));
    expect(arm).toEqual([expect.objectContaining({ field: 'storage.machineImage', expected: expect.stringContaining('an x86_64 image') })]);
  });

  test('the x86 fallbacks work with an x86 image', () => {
    const c = newCluster({ instanceType: 'i4i.32xlarge', machineImage: MachineImage.fromAmiId('ami-0123456789abcdef0', Architecture.X86_64) });
    expect(c.hosts).toHaveLength(6);
  });

  test('fails on public CIDRs and 0.0.0.0/0 among the allowed sources, listing each', () => {
    const p = problemsOf(() => newCluster({ allowedSources: { cidrs: ['0.0.0.0/0', '10.0.0.0/8', '8.8.8.0/24', '10.0.0.0/7', '172.32.0.0/16'] } }));
    expect(p.map((x) => x.field)).toEqual([
      'storage.allowedSources.cidrs[0]', 'storage.allowedSources.cidrs[2]', 'storage.allowedSources.cidrs[3]', 'storage.allowedSources.cidrs[4]',
    ]);
  });

  test('fails on an instance type without instance store, and a destroy policy without a reason', () => {
    const p = problemsOf(() => newCluster({
      instanceType: 'm7g.4xlarge', removalPolicy: RemovalPolicy.destroy('x'),
    }));
    expect(p.map((x) => x.field).sort()).toEqual(['storage.instanceType', 'storage.removalPolicy.reason']);
  });

  test('TLS ports open only when asked for', () => {
    const ports = (json: SynthResult['json']) => [...new Set(Object.values(json.resource.aws_vpc_security_group_ingress_rule).map((g) => g.from_port))].sort();
    expect(ports(synthStorage(usTopology(1), { tlsPorts: true }).json)).toEqual([8123, 8443, 9000, 9009, 9010, 9440]);
  });

  test('a development removal policy turns the protections off, and says why in the tags', () => {
    const { json } = synthStorage(usTopology(1), { removalPolicy: RemovalPolicy.destroy('throwaway dev region') });
    const i = Object.values(json.resource.aws_instance)[0];
    expect(i).toMatchObject({ disable_api_termination: false, lifecycle: { prevent_destroy: false } });
    expect((i.tags as Record<string, string>)['clickhouse-ingest:destroy-allowed']).toBe('throwaway dev region');
  });
});
