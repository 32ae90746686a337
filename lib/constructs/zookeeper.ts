import { Construct } from 'constructs';
import { TerraformResourceLifecycle, TerraformStack } from 'cdktf';
import { LiteralText } from './literal-text';
import { egressToInternet } from './host-egress';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import {
  Architecture, checkInstanceImage, checkSecurityGroupIds, checkRemovalPolicy, instanceArchitecture, MachineImage, regionOfZone, RemovalPolicy, renderZooKeeperHostUserData,
} from '../cloud-init';
import { zookeeperRootZnodes } from '../clickhouse/zookeeper';
import { Problems, Topology, ZooKeeperNode } from '../model';
import {
  collectZooCfgProblems, renderZooCfg, resolveZooCfgOptions, ZooCfgOptions, zooKeeperConnectionNodes,
} from '../zookeeper/zoo-cfg';

// The ensemble's pure renderers (zoo.cfg, the znode script) are re-exported beside the construct that uses them.
export * from '../zookeeper/index';

export interface ZooKeeperProps {
  /** The region's topology: `topology.zookeeper` is the ensemble (odd, 3 by default, 5 allowed). */
  readonly topology: Topology;
  readonly vpcId: string;
  /** One subnet per availability zone, keyed by zone; node N runs in zone N mod zones. */
  readonly subnetIds: Readonly<Record<string, string>>;
  /** Private Route53 zone of `topology.dnsZone`: each node gets an A record at its `fqdn`. */
  readonly hostedZoneId: string;
  /**
   * Security groups of ZooKeeper's clients (the storage hosts); only they reach the client port.
   */
  readonly clientSecurityGroupIds: readonly string[];
  /**
   * EC2 instance type.
   * @default 'm7g.large'
   */
  readonly instanceType?: string;
  /**
   * Machine image (Debian-family: the user data installs `zookeeperd`); its architecture must match the instance type.
   * @default MachineImage.debian12(<the instance type's architecture>)
   */
  readonly machineImage?: MachineImage;
  /**
   * zoo.cfg settings: autopurge (on by default), four-letter words, timing, dataDir.
   * @default autopurge hourly keeping 3 snapshots, 4lw ruok/mntr/srvr, dataDir /var/lib/zookeeper
   */
  readonly zooCfg?: Omit<ZooCfgOptions, 'hostOf' | 'clientPort'>;
  /** @default 20 */
  readonly rootVolumeSizeGiB?: number;
  /** EBS volume holding dataDir (snapshots and transaction logs). @default 100 */
  readonly dataVolumeSizeGiB?: number;
  /**
   * KMS key of the EBS volumes.
   * @default - the AWS managed key (aws/ebs)
   */
  readonly kmsKeyArn?: string;
  /**
   * Security groups of your own added to every host (e.g. a platform's monitoring or bastion
   * group), after the library's. Adding or removing one changes the instances in place
   * (`vpc_security_group_ids`), never replaces them.
   * @default none
   */
  readonly additionalSecurityGroupIds?: readonly string[];
  /**
   * Whether `terraform destroy` may remove the nodes and their volumes.
   * @default RemovalPolicy.retain()
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The per-node resources of the ensemble. */
export interface ZooKeeperNodeResources {
  readonly node: ZooKeeperNode;
  readonly instance: Instance;
  readonly dataVolume: EbsVolume;
  readonly dataVolumeAttachment: VolumeAttachment;
  readonly dnsRecord: Route53Record;
}

const DEFAULT_INSTANCE_TYPE = 'm7g.large';
const DATA_VOLUME_DEVICE = '/dev/sdf';
const ID = {
  vpc: /^(vpc-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/,
  subnet: /^(subnet-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/,
  zone: /^(Z[A-Z0-9]{1,31}|\$\{.+\})$/,
  sg: /^(sg-[0-9a-f]{8}([0-9a-f]{9})?|\$\{.+\})$/,
};

/**
 * The ZooKeeper ensemble that holds a region's replication metadata: an odd number of EC2 nodes
 * across zones (state belongs on EC2; the Kubernetes tier stays stateless), dataDir on encrypted
 * EBS, a private DNS name per node, the client port open only to ClickHouse's security groups and
 * the quorum ports only within the ensemble, and a rendered zoo.cfg with autopurge on. Once the
 * ensemble has quorum, every node makes sure the region's ClickHouse root (`topology.zookeeperRoot`)
 * exists: ClickHouse refuses to use ZooKeeper without it.
 */
export class ZooKeeper extends Construct {
  /** @attribute `host:port` of every node: what ClickHouse's `<zookeeper>` section connects to. */
  public readonly connectionNodes: readonly { readonly host: string; readonly port: number }[];
  /** @attribute The zoo.cfg every node runs. */
  public readonly zooCfg: string;
  /** The ensemble's security group. */
  public readonly securityGroup: SecurityGroup;
  /** @attribute The port ClickHouse connects to. */
  public readonly clientPort: number;
  /** Per-node resources, in id order. */
  public readonly nodes: readonly ZooKeeperNodeResources[];
  /** Instances by node name: the main resources (escape hatch). */
  public readonly instances: Readonly<Record<string, Instance>>;
  /** The nodes' instance role: SSM Session Manager only (`aws ssm start-session`; no SSH keys, no port 22). */
  public readonly role: IamRole;
  public readonly instanceProfile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: ZooKeeperProps) {
    super(scope, id);
    LiteralText.applyTo(TerraformStack.of(this));
    const p: ZooKeeperProps = {
      ...props, subnetIds: { ...props.subnetIds }, clientSecurityGroupIds: [...(props.clientSecurityGroupIds ?? [])],
      zooCfg: props.zooCfg ? { ...props.zooCfg } : undefined,
    };
    const topology = p.topology;
    const ensemble = topology?.zookeeper ?? [];
    const instanceType = p.instanceType ?? DEFAULT_INSTANCE_TYPE;
    const image = p.machineImage ?? MachineImage.debian12(instanceArchitecture(instanceType) ?? Architecture.ARM64);
    const removal = p.removalPolicy ?? RemovalPolicy.retain();

    const problems = new Problems();
    problems.check(ensemble.length >= 3, 'zookeeper.nodes', ensemble.length, 'an odd ensemble of 3 or more (5 tolerates two failures)');
    collectZooCfgProblems(problems, ensemble, p.zooCfg);
    problems.check(ID.vpc.test(p.vpcId), 'zookeeper.vpcId', p.vpcId, 'a VPC id such as vpc-0a1b2c3d4e5f60718');
    problems.check(ID.zone.test(p.hostedZoneId), 'zookeeper.hostedZoneId', p.hostedZoneId, 'a Route53 hosted zone id');
    for (const zone of [...new Set(ensemble.map((n) => n.availabilityZone))]) {
      problems.check(typeof p.subnetIds[zone] === 'string' && ID.subnet.test(p.subnetIds[zone]), `zookeeper.subnetIds.${zone}`, p.subnetIds[zone],
        `a subnet id in zone ${zone}`);
    }
    problems.check(p.clientSecurityGroupIds.length > 0, 'zookeeper.clientSecurityGroupIds', p.clientSecurityGroupIds,
      'at least one client security group (the storage hosts\'), or nothing could reach ZooKeeper');
    p.clientSecurityGroupIds.forEach((sg, i) => problems.check(typeof sg === 'string' && ID.sg.test(sg),
      `zookeeper.clientSecurityGroupIds[${i}]`, sg, 'a security group id such as sg-0123456789abcdef0'));
    checkSecurityGroupIds(problems, 'zookeeper.additionalSecurityGroupIds', p.additionalSecurityGroupIds, ID.sg);
    checkInstanceImage(problems, 'zookeeper', instanceType, image);
    problems.count('zookeeper.rootVolumeSizeGiB', p.rootVolumeSizeGiB ?? 20, 8, 1024);
    problems.count('zookeeper.dataVolumeSizeGiB', p.dataVolumeSizeGiB ?? 100, 10, 16384);
    checkRemovalPolicy(problems, 'zookeeper.removalPolicy', removal);
    problems.throwIfAny('ZooKeeper ensemble');

    const options = resolveZooCfgOptions(ensemble, p.zooCfg);
    this.zooCfg = renderZooCfg(ensemble, p.zooCfg);
    this.connectionNodes = zooKeeperConnectionNodes(ensemble);
    this.clientPort = options.clientPort;
    const allowDestroy = removal.allowDestroy;
    const protect: TerraformResourceLifecycle = { preventDestroy: !allowDestroy };
    const tags = (name: string): Record<string, string> => ({
      Name: name,
      'clickhouse-ingest:component': 'zookeeper',
      ...removal.tags(),
    });

    this.securityGroup = new SecurityGroup(this, 'security-group', {
      namePrefix: `${topology.name}-zookeeper-`,
      description: `ZooKeeper ensemble of region ${topology.name}`,
      vpcId: p.vpcId,
      tags: tags(`${topology.name}-zookeeper`),
      lifecycle: { createBeforeDestroy: true },
    });
    const sgId = this.securityGroup.id;
    p.clientSecurityGroupIds.forEach((source, i) => new VpcSecurityGroupIngressRule(this, `ingress-client-sg-${i}`, {
      securityGroupId: sgId, ipProtocol: 'tcp', fromPort: options.clientPort, toPort: options.clientPort, referencedSecurityGroupId: source,
      description: 'ZooKeeper clients (ClickHouse)',
    }));
    for (const [name, port] of [['client', options.clientPort], ['quorum', options.quorumPort], ['election', options.electionPort]] as const) {
      new VpcSecurityGroupIngressRule(this, `ingress-${name}-self`, {
        securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: sgId,
        description: `ZooKeeper ${name} port within the ensemble`,
      });
    }
    // Outbound: the other nodes (quorum, election, client for the znode script), and HTTPS/HTTP for
    // packages and SSM; nothing else.
    for (const [name, port] of [['client', options.clientPort], ['quorum', options.quorumPort], ['election', options.electionPort]] as const) {
      new VpcSecurityGroupEgressRule(this, `egress-${name}-self`, {
        securityGroupId: sgId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: sgId,
        description: `ZooKeeper ${name} port to the other nodes`,
      });
    }
    egressToInternet(this, sgId);

    // Operator access through SSM Session Manager; the nodes read nothing else from AWS.
    this.role = new IamRole(this, 'role', {
      namePrefix: `${topology.name}-zookeeper-`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags: tags(`${topology.name}-zookeeper`),
    });
    const sessionManager = new IamRolePolicyAttachment(this, 'session-manager', {
      role: this.role.name, policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    });
    this.instanceProfile = new IamInstanceProfile(this, 'instance-profile', {
      namePrefix: `${topology.name}-zookeeper-`, role: this.role.name, tags: tags(`${topology.name}-zookeeper`),
    });
    const instanceProfileName = this.instanceProfile.name;

    const amiId = image.amiId ?? new DataAwsSsmParameter(this, 'ami', { name: image.ssmParameter! }).insecureValue;
    const nodes: ZooKeeperNodeResources[] = [];
    for (const node of ensemble) {
      const dataVolume = new EbsVolume(this, `${node.name}-data`, {
        availabilityZone: node.availabilityZone, type: 'gp3', size: p.dataVolumeSizeGiB ?? 100, encrypted: true,
        ...(p.kmsKeyArn ? { kmsKeyId: p.kmsKeyArn } : {}),
        finalSnapshot: !allowDestroy,
        lifecycle: protect,
        tags: tags(`${node.name}-data`),
      });
      const instance = new Instance(this, node.name, {
        ami: amiId,
        instanceType,
        subnetId: p.subnetIds[node.availabilityZone],
        vpcSecurityGroupIds: [sgId, ...(p.additionalSecurityGroupIds ?? [])],
        iamInstanceProfile: instanceProfileName,
        metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
        rootBlockDevice: {
          // Tagged here, not with volume_tags, which would fight the data volume's own tags.
          tags: tags(`${node.name}-root`),
          volumeType: 'gp3', volumeSize: p.rootVolumeSizeGiB ?? 20, encrypted: true, deleteOnTermination: true,
          ...(p.kmsKeyArn ? { kmsKeyId: p.kmsKeyArn } : {}),
        },
        userData: renderZooKeeperHostUserData({
          ensemble, node, zooCfg: p.zooCfg, dataVolumeDevice: DATA_VOLUME_DEVICE, createZnodes: zookeeperRootZnodes(topology),
          region: regionOfZone(node.availabilityZone),
        }),
        // The SSM agent registers with the role's access at first boot.
        dependsOn: [sessionManager],
        userDataReplaceOnChange: false,
        disableApiTermination: !allowDestroy,
        // As on the storage hosts: images roll node by node, and user data only matters at first boot.
        lifecycle: { ...protect, ignoreChanges: ['ami', 'user_data'] },
        tags: { ...tags(node.name), 'clickhouse-ingest:myid': String(node.id) },
      });
      const attachment = new VolumeAttachment(this, `${node.name}-data-attachment`, {
        deviceName: DATA_VOLUME_DEVICE, volumeId: dataVolume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true,
      });
      const dnsRecord = new Route53Record(this, `${node.name}-dns`, {
        zoneId: p.hostedZoneId, name: node.fqdn, type: 'A', ttl: 60, records: [instance.privateIp],
      });
      nodes.push({ node, instance, dataVolume, dataVolumeAttachment: attachment, dnsRecord });
    }
    this.nodes = nodes;
    this.instances = Object.fromEntries(nodes.map((n) => [n.node.name, n.instance]));
  }
}
