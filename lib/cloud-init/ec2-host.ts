import { BlockList, isIPv4 } from 'net';
import { Problems } from '../model/validation';

/** CPU architecture of an instance type or a machine image, as AWS names it. */
export enum Architecture {
  ARM64 = 'arm64',
  X86_64 = 'x86_64',
}

/** The machine image of EC2 hosts, with the architecture it was built for. */
export class MachineImage {
  /** An AMI by id; `architecture` must be the AMI's (checked against the instance type). */
  public static fromAmiId(amiId: string, architecture: Architecture): MachineImage {
    return new MachineImage(architecture, amiId, undefined);
  }

  /** An AMI id read from an SSM parameter at plan time, e.g. a distribution's "latest" parameter. */
  public static fromSsmParameter(parameterName: string, architecture: Architecture): MachineImage {
    return new MachineImage(architecture, undefined, parameterName);
  }

  /**
   * Debian 12 (bookworm), from the parameters Debian's cloud team publishes. The user data
   * installs Debian packages (`awscli`, `zookeeperd`, `mdadm`), so hosts need a Debian-family image.
   */
  public static debian12(architecture: Architecture): MachineImage {
    const arch = architecture === Architecture.ARM64 ? 'arm64' : 'amd64';
    return MachineImage.fromSsmParameter(`/aws/service/debian/release/bookworm/latest/${arch}`, architecture);
  }

  private constructor(
    public readonly architecture: Architecture,
    public readonly amiId: string | undefined,
    public readonly ssmParameter: string | undefined,
  ) {}
}

/**
 * What `terraform destroy` may do to stateful resources (instances, volumes, buckets). Retained
 * unless a development region says, in writing, why its data may go.
 */
export class RemovalPolicy {
  /** prevent_destroy and termination protection: the default. */
  public static retain(): RemovalPolicy {
    return new RemovalPolicy(false, undefined);
  }

  /** Allows destroying (development regions only); the reason is kept in the resources' tags. */
  public static destroy(reason: string): RemovalPolicy {
    return new RemovalPolicy(true, reason);
  }

  private constructor(public readonly allowDestroy: boolean, public readonly reason: string | undefined) {}

  /** The tag that carries the reason on every resource it lets go (none when retained). */
  public tags(): Record<string, string> {
    return this.allowDestroy ? { 'clickhouse-ingest:destroy-allowed': this.reason! } : {};
  }
}

export function checkRemovalPolicy(problems: Problems, field: string, policy: RemovalPolicy): void {
  if (!problems.check(policy instanceof RemovalPolicy, field, policy, 'RemovalPolicy.retain() or RemovalPolicy.destroy(reason)')) return;
  if (policy.allowDestroy) {
    problems.check(typeof policy.reason === 'string' && policy.reason.trim().length >= 10 && /^[\p{L}\p{N} _.:/=+\-@,()]+$/u.test(policy.reason),
      `${field}.reason`, policy.reason, 'a written reason (10 characters or more, no quotes) for allowing stateful resources to be destroyed');
  }
}

/**
 * The architecture of an instance type. Graviton families carry a `g` after the generation
 * (`i8ge`, `m7g`, `c7gn`, `im4gn`, `is4gen`); `a1` is the first Graviton.
 */
export function instanceArchitecture(instanceType: string): Architecture | undefined {
  const m = /^([a-z]+)(\d+)([a-z-]*)\.[a-z0-9-]+$/.exec(instanceType);
  if (!m) return undefined;
  if (m[1] === 'a' && m[2] === '1') return Architecture.ARM64;
  return m[3].includes('g') ? Architecture.ARM64 : Architecture.X86_64;
}

/** Instance-store NVMe devices per size of the storage families (AWS instance type docs). */
const INSTANCE_STORE_DEVICES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  i8ge: {
    'large': 1, 'xlarge': 1, '2xlarge': 2, '3xlarge': 1, '6xlarge': 2, '12xlarge': 4, '18xlarge': 6,
    '24xlarge': 8, 'metal-24xl': 8, '48xlarge': 16, 'metal-48xl': 16,
  },
  i7ie: {
    'large': 1, 'xlarge': 1, '2xlarge': 2, '3xlarge': 1, '6xlarge': 2, '12xlarge': 4, '18xlarge': 6,
    '24xlarge': 8, 'metal-24xl': 8, '48xlarge': 16, 'metal-48xl': 16,
  },
  i8g: {
    'large': 1, 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 2, '12xlarge': 3, '16xlarge': 4,
    '24xlarge': 6, 'metal-24xl': 6, '48xlarge': 12, 'metal-48xl': 12,
  },
  i4i: {
    'large': 1, 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 2, '12xlarge': 3, '16xlarge': 4,
    '24xlarge': 6, '32xlarge': 8, 'metal': 8,
  },
};

/** Number of instance-store NVMe devices of a storage instance type, if this library knows it. */
export function instanceStoreDeviceCount(instanceType: string): number | undefined {
  const [family, size] = instanceType.split('.', 2);
  return INSTANCE_STORE_DEVICES[family]?.[size];
}

/** The storage families whose instance store this library knows. */
export const STORAGE_INSTANCE_FAMILIES = Object.keys(INSTANCE_STORE_DEVICES);

/**
 * Checks an instance type against its machine image: the AMI's architecture must be the type's
 * (an arm64 AMI does not boot on x86 and the reverse).
 */
export function checkInstanceImage(problems: Problems, field: string, instanceType: string, image: MachineImage): void {
  const arch = instanceArchitecture(instanceType);
  if (!problems.check(arch !== undefined, `${field}.instanceType`, instanceType, 'an EC2 instance type such as i8ge.metal-48xl')) return;
  if (!problems.check(image instanceof MachineImage, `${field}.machineImage`, image,
    'MachineImage.fromAmiId(id, arch), MachineImage.fromSsmParameter(name, arch) or MachineImage.debian12(arch)')) return;
  problems.check(image.architecture === arch, `${field}.machineImage`, `${image.amiId ?? image.ssmParameter} (${image.architecture})`,
    `an ${arch} image: ${instanceType} is ${arch}` + (arch === Architecture.ARM64 ? ' (Graviton)' : '') +
    '; i8ge is arm64, i7ie and i4i are the x86_64 fallbacks');
  if (image.amiId !== undefined) {
    problems.check(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(image.amiId), `${field}.machineImage`, image.amiId, 'an AMI id such as ami-0123456789abcdef0');
  }
  if (image.ssmParameter !== undefined) {
    problems.check(/^\/[A-Za-z0-9_./-]+$/.test(image.ssmParameter), `${field}.machineImage`, image.ssmParameter, 'an SSM parameter name starting with /');
  }
}

// RFC 1918 and the shared address space (RFC 6598): the places an allowed source may be.
const PRIVATE_RANGES: readonly [string, number][] = [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]];
const privateAddresses = new BlockList();
for (const [net, prefix] of PRIVATE_RANGES) privateAddresses.addSubnet(net, prefix, 'ipv4');

/** Whether a CIDR lies wholly inside private address space (so never 0.0.0.0/0 or a public range). */
export function isPrivateCidr(cidr: string): boolean {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1])) return false;
  const prefix = Number(m[2]);
  if (prefix > 32) return false;
  const range = PRIVATE_RANGES.find(([net, p]) => {
    const one = new BlockList();
    one.addSubnet(net, p, 'ipv4');
    return one.check(m[1], 'ipv4');
  });
  return range !== undefined && prefix >= range[1] && privateAddresses.check(m[1], 'ipv4');
}

export function checkPrivateCidrs(problems: Problems, field: string, cidrs: readonly string[]): void {
  cidrs.forEach((c, i) => problems.check(typeof c === 'string' && isPrivateCidr(c), `${field}[${i}]`, c,
    'a private IPv4 CIDR inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10 (never 0.0.0.0/0 or a public range)'));
}

/** `us-east-1a` → `us-east-1`. */
export function regionOfZone(availabilityZone: string): string {
  return availabilityZone.replace(/[a-z]$/, '');
}

/** A host's extra security groups: a list of distinct ids (`pattern` also admits a Terraform reference). */
export function checkSecurityGroupIds(problems: Problems, field: string, ids: readonly string[] | undefined, pattern: RegExp): void {
  if (ids === undefined) return;
  if (!problems.check(Array.isArray(ids), field, ids, 'a list of security group ids')) return;
  ids.forEach((sg, i) => problems.check(typeof sg === 'string' && pattern.test(sg), `${field}[${i}]`, sg, 'a security group id such as sg-0123456789abcdef0'));
  problems.check(new Set(ids).size === ids.length, field, ids, 'distinct security group ids');
  // EC2 allows five security groups per network interface by default; the library's own is one of them.
  problems.check(ids.length <= 4, field, ids, 'at most 4 (EC2 allows 5 security groups per network interface, one is the library\'s)');
}
