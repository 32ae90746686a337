import { parseAllDocuments } from 'yaml';
import { ingestionInstallationName, Topology } from '../model';
import { RenderedFile } from '../render/file';
import { findUninterpretedTemplates } from '../render/terraform-literal';
import { findSecretsInJson, findSecretsInText } from './secrets';
import {
  blocks, get, isObject, isTrue, refersTo, ResourceView, resourcesOf, TerraformJson,
} from './terraform-json';

/**
 * The policy pack's rules: pure functions of a synthesized stack (its Terraform JSON), the region's
 * topology and the rendered artifacts. The cdktf side (`PolicyPack`) only gathers that input and
 * turns violations into error annotations.
 */

/** Everything a rule may look at. */
export interface PolicyInput {
  /** The stack's Terraform JSON, as `cdk.tf.json` will hold it. */
  readonly terraform: TerraformJson;
  /**
   * The region's topology (consumer groups, which installations are stateless, data ports).
   * @default - rules that need it fall back to the Terraform JSON and artifacts alone
   */
  readonly topology?: Topology;
  /**
   * Rendered artifacts (ClickHouse XML, SQL, Helm values ...), paths relative to the artifacts folder.
   * @default none
   */
  readonly artifacts?: readonly RenderedFile[];
  /**
   * Ports that carry data or coordination traffic and must never be open to the internet.
   * @default DEFAULT_DATA_PORTS plus the topology's ClickHouse and ZooKeeper ports
   */
  readonly dataPorts?: readonly number[];
  /**
   * Resource types that hold state and must carry `lifecycle.prevent_destroy`.
   * @default DEFAULT_STATEFUL_RESOURCE_TYPES
   */
  readonly statefulResourceTypes?: readonly string[];
}

export interface PolicyViolation {
  readonly ruleId: PolicyRuleId;
  /** Terraform address of the offending resource; none for stack-wide findings. */
  readonly address?: string;
  /** Construct path of the offending resource, when known (where the annotation goes). */
  readonly constructPath?: string;
  readonly message: string;
}

export interface PolicyRule {
  readonly id: PolicyRuleId;
  /** One line: what the rule demands. */
  readonly description: string;
  check(context: PolicyContext): PolicyViolation[];
}

/** The input with every default decided and the resources indexed once. */
export interface PolicyContext {
  readonly terraform: TerraformJson;
  readonly resources: readonly ResourceView[];
  readonly topology?: Topology;
  readonly artifacts: readonly RenderedFile[];
  readonly dataPorts: ReadonlySet<number>;
  readonly statefulResourceTypes: ReadonlySet<string>;
  ofType(type: string): ResourceView[];
  /** ClickHouseInstallations in Helm values and manifests, parsed once. */
  installations(): readonly Installation[];
  /** The YAML documents of a string (Helm values), parsed once per text for every rule that reads them. */
  parseYaml(text: string): readonly unknown[];
}

export const POLICY_RULE_IDS = [
  'no-public-data-ingress',
  'ebs-encrypted',
  'bucket-encrypted',
  'bucket-public-access-blocked',
  'bucket-tls-only',
  'imdsv2-required',
  'stateful-prevent-destroy',
  'stateless-tier-reclaim-delete',
  'stateless-tier-foreground-insert',
  'storage-tier-never-delete',
  'single-consumer-per-group',
  'msk-in-transit-tls',
  'no-literal-secrets',
  'terraform-literal-text',
  'instance-flags-consistent',
  'images-pinned',
] as const;
export type PolicyRuleId = (typeof POLICY_RULE_IDS)[number];

/**
 * ClickHouse (HTTP, HTTPS, native, native TLS, interserver, Keeper), ZooKeeper (client, TLS client,
 * quorum, election) and Kafka (MSK plaintext, TLS, SASL/SCRAM, SASL/IAM; WarpStream agents).
 */
export const DEFAULT_DATA_PORTS: readonly number[] = [
  8123, 8443, 9000, 9440, 9009, 9010, 9181, 9234, 2181, 2281, 2888, 3888, 9092, 9094, 9096, 9098,
];

/** Data instances and ZooKeeper (EC2), their volumes, buckets, and what identifies them: the DNS zone and the secrets. */
export const DEFAULT_STATEFUL_RESOURCE_TYPES: readonly string[] = [
  'aws_instance', 'aws_ebs_volume', 'aws_s3_bucket', 'aws_route53_zone', 'aws_secretsmanager_secret',
];

function violation(ruleId: PolicyRuleId, r: ResourceView | undefined, message: string): PolicyViolation {
  return { ruleId, address: r?.address, constructPath: r?.constructPath, message };
}

// ---------------------------------------------------------------------------------------------
// Network

const OPEN_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/0$|^[0-9a-f:]*::?[0-9a-f:]*\/0$/i;

function portsOpened(protocol: unknown, from: unknown, to: unknown, dataPorts: ReadonlySet<number>): number[] {
  const p = String(protocol ?? '').toLowerCase();
  if (p === '-1' || p === 'all') return [...dataPorts];
  if (p !== 'tcp' && p !== '6') return [];
  const lo = Number(from);
  const hi = Number(to ?? from);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  return [...dataPorts].filter((port) => port >= lo && port <= hi);
}

const noPublicDataIngress: PolicyRule = {
  id: 'no-public-data-ingress',
  description: 'no ingress from 0.0.0.0/0 or ::/0 to a data port',
  check(ctx) {
    const found: PolicyViolation[] = [];
    const report = (r: ResourceView, cidrs: unknown[], ports: number[]): void => {
      const open = cidrs.filter((c) => typeof c === 'string' && OPEN_CIDR.test(c));
      if (open.length > 0 && ports.length > 0) {
        found.push(violation(this.id, r, `ingress from ${open.join(', ')} to data port${ports.length > 1 ? 's' : ''} ` +
          `${ports.sort((a, b) => a - b).join(', ')}; expected sources inside the VPC (CIDRs or security groups)`));
      }
    };
    for (const r of ctx.ofType('aws_security_group')) {
      for (const rule of blocks(r.config.ingress)) {
        report(r, [...asArray(rule.cidr_blocks), ...asArray(rule.ipv6_cidr_blocks)],
          portsOpened(rule.protocol, rule.from_port, rule.to_port, ctx.dataPorts));
      }
    }
    for (const r of ctx.ofType('aws_security_group_rule')) {
      if (r.config.type !== 'ingress') continue;
      report(r, [...asArray(r.config.cidr_blocks), ...asArray(r.config.ipv6_cidr_blocks)],
        portsOpened(r.config.protocol, r.config.from_port, r.config.to_port, ctx.dataPorts));
    }
    for (const r of ctx.ofType('aws_vpc_security_group_ingress_rule')) {
      report(r, [r.config.cidr_ipv4, r.config.cidr_ipv6],
        portsOpened(r.config.ip_protocol, r.config.from_port, r.config.to_port, ctx.dataPorts));
    }
    return found;
  },
};

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

// ---------------------------------------------------------------------------------------------
// Encryption and instances

const ebsEncrypted: PolicyRule = {
  id: 'ebs-encrypted',
  description: 'every EBS volume is encrypted (volumes, instance root and EBS block devices, launch templates)',
  check(ctx) {
    const found: PolicyViolation[] = [];
    const byDefault = ctx.ofType('aws_ebs_encryption_by_default').some((r) => r.config.enabled === undefined || isTrue(r.config.enabled));
    for (const r of ctx.ofType('aws_ebs_volume')) {
      if (!isTrue(r.config.encrypted)) found.push(violation(this.id, r, `encrypted is ${JSON.stringify(r.config.encrypted ?? null)}; expected true`));
    }
    for (const r of ctx.ofType('aws_instance')) {
      const root = blocks(r.config.root_block_device)[0];
      if (!(root ? isTrue(root.encrypted) : byDefault)) {
        found.push(violation(this.id, r, 'root_block_device.encrypted is not true; expected an encrypted root volume'));
      }
      blocks(r.config.ebs_block_device).forEach((d, i) => {
        if (!isTrue(d.encrypted)) found.push(violation(this.id, r, `ebs_block_device[${i}].encrypted is not true; expected true`));
      });
    }
    for (const r of ctx.ofType('aws_launch_template')) {
      blocks(r.config.block_device_mappings).forEach((m, i) => {
        const ebs = blocks(m.ebs)[0];
        if (ebs && !isTrue(ebs.encrypted)) {
          found.push(violation(this.id, r, `block_device_mappings[${i}].ebs.encrypted is not true; expected true`));
        }
      });
    }
    return found;
  },
};

const imdsv2Required: PolicyRule = {
  id: 'imdsv2-required',
  description: 'IMDSv2 on every instance and launch template (metadata_options.http_tokens = required)',
  check(ctx) {
    return [...ctx.ofType('aws_instance'), ...ctx.ofType('aws_launch_template')]
      .filter((r) => get(r.config, 'metadata_options', 'http_tokens') !== 'required')
      .map((r) => violation(this.id, r, `metadata_options.http_tokens is ${JSON.stringify(get(r.config, 'metadata_options', 'http_tokens') ?? null)}; ` +
        'expected "required" (IMDSv2)'));
  },
};

const statefulPreventDestroy: PolicyRule = {
  id: 'stateful-prevent-destroy',
  description: 'stateful and identity resources (data and ZooKeeper instances, their volumes, buckets, the DNS zone, secrets) carry lifecycle.prevent_destroy',
  check(ctx) {
    return ctx.resources
      .filter((r) => !r.isDataSource && ctx.statefulResourceTypes.has(r.type) && !isTrue(get(r.config, 'lifecycle', 'prevent_destroy')))
      .map((r) => violation(this.id, r, `${r.type} holds state but lifecycle.prevent_destroy is not true; expected prevent_destroy = true`));
  },
};

const mskInTransitTls: PolicyRule = {
  id: 'msk-in-transit-tls',
  description: 'MSK encrypts in transit: client_broker TLS and in_cluster true',
  check(ctx) {
    const found: PolicyViolation[] = [];
    for (const r of ctx.ofType('aws_msk_cluster')) {
      const transit = get(r.config, 'encryption_info', 'encryption_in_transit');
      const clientBroker = get(transit, 'client_broker');
      // Absent means the AWS default: TLS between clients and brokers, and inside the cluster.
      if (clientBroker !== undefined && clientBroker !== 'TLS') {
        found.push(violation(this.id, r, `encryption_info.encryption_in_transit.client_broker is ${JSON.stringify(clientBroker)}; expected "TLS"`));
      }
      const inCluster = get(transit, 'in_cluster');
      if (inCluster !== undefined && !isTrue(inCluster)) {
        found.push(violation(this.id, r, `encryption_info.encryption_in_transit.in_cluster is ${JSON.stringify(inCluster)}; expected true`));
      }
    }
    return found;
  },
};

// ---------------------------------------------------------------------------------------------
// Buckets

/** The resources of `type` that configure bucket `b` (by reference or by literal bucket name). */
function attachedTo(ctx: PolicyContext, type: string, b: ResourceView): ResourceView[] {
  return ctx.ofType(type).filter((r) => refersTo(r.config.bucket, b.address)
    || (typeof b.config.bucket === 'string' && r.config.bucket === b.config.bucket));
}

const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

const bucketEncrypted: PolicyRule = {
  id: 'bucket-encrypted',
  description: 'every bucket has a server-side encryption configuration',
  check(ctx) {
    return ctx.ofType('aws_s3_bucket').filter((b) => {
      const configs = [
        ...attachedTo(ctx, 'aws_s3_bucket_server_side_encryption_configuration', b).map((r) => r.config),
        ...blocks(b.config.server_side_encryption_configuration),
      ];
      return !configs.some((c) => blocks(c.rule).some((rule) =>
        SSE_ALGORITHMS.includes(String(get(rule, 'apply_server_side_encryption_by_default', 'sse_algorithm')))));
    }).map((b) => violation(this.id, b, 'no aws_s3_bucket_server_side_encryption_configuration for this bucket; ' +
      `expected one whose rule sets sse_algorithm to ${SSE_ALGORITHMS.join(' or ')}`));
  },
};

const PUBLIC_ACCESS_FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];

const bucketPublicAccessBlocked: PolicyRule = {
  id: 'bucket-public-access-blocked',
  description: 'every bucket has a public access block with all four flags on',
  check(ctx) {
    const found: PolicyViolation[] = [];
    for (const b of ctx.ofType('aws_s3_bucket')) {
      const blocksOfBucket = attachedTo(ctx, 'aws_s3_bucket_public_access_block', b);
      if (blocksOfBucket.length === 0) {
        found.push(violation(this.id, b, `no aws_s3_bucket_public_access_block for this bucket; expected one with ${PUBLIC_ACCESS_FLAGS.join(', ')} = true`));
        continue;
      }
      for (const pab of blocksOfBucket) {
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => !isTrue(pab.config[f]));
        if (off.length > 0) found.push(violation(this.id, pab, `${off.join(', ')} not true; expected all four public access flags = true`));
      }
    }
    return found;
  },
};

/** Whether an IAM policy (JSON text or an aws_iam_policy_document) denies requests without TLS. */
function deniesInsecureTransport(ctx: PolicyContext, policy: unknown): boolean {
  if (typeof policy !== 'string') return false;
  const docRef = /^\$\{data\.aws_iam_policy_document\.([^.}]+)\.json\}$/.exec(policy);
  if (docRef) {
    const doc = ctx.resources.find((r) => r.isDataSource && r.type === 'aws_iam_policy_document' && r.name === docRef[1]);
    return blocks(doc?.config.statement).some((s) => s.effect === 'Deny' && blocks(s.condition).some((c) =>
      c.test === 'Bool' && c.variable === 'aws:SecureTransport' && asArray(c.values).map(String).includes('false')));
  }
  try {
    const parsed = JSON.parse(policy) as { Statement?: unknown };
    return asArray(parsed.Statement).some((s) => isObject(s) && s.Effect === 'Deny' &&
      asArray(get(s, 'Condition', 'Bool', 'aws:SecureTransport')).map(String).includes('false'));
  } catch {
    return false;
  }
}

const bucketTlsOnly: PolicyRule = {
  id: 'bucket-tls-only',
  description: 'every bucket policy denies requests without TLS (aws:SecureTransport = false)',
  check(ctx) {
    return ctx.ofType('aws_s3_bucket')
      .filter((b) => !attachedTo(ctx, 'aws_s3_bucket_policy', b).some((p) => deniesInsecureTransport(ctx, p.config.policy)))
      .map((b) => violation(this.id, b, 'no bucket policy denying non-TLS requests; expected an aws_s3_bucket_policy with a Deny statement ' +
        'on condition Bool aws:SecureTransport = false (as JSON text or an aws_iam_policy_document)'));
  },
};

// ---------------------------------------------------------------------------------------------
// ClickHouseInstallations delivered through Helm values (or kubernetes_manifest)

export interface Installation {
  readonly resource: ResourceView;
  readonly name: string;
  readonly chi: Record<string, unknown>;
}

/** Every ClickHouseInstallation inside helm_release values and kubernetes_manifest resources. */
export function installationsOf(resources: readonly ResourceView[], parseYaml: (text: string) => readonly unknown[] = parseYamlDocuments): Installation[] {
  const found: Installation[] = [];
  const visit = (value: unknown, r: ResourceView, depth: number): void => {
    if (depth > 12) return;
    if (typeof value === 'string') {
      if (value.includes('ClickHouseInstallation')) {
        for (const doc of parseYaml(value)) visit(doc, r, depth + 1);
      }
    } else if (Array.isArray(value)) {
      value.forEach((v) => visit(v, r, depth + 1));
    } else if (isObject(value)) {
      if (value.kind === 'ClickHouseInstallation') {
        found.push({ resource: r, name: String(get(value, 'metadata', 'name') ?? ''), chi: value });
        return;
      }
      Object.values(value).forEach((v) => visit(v, r, depth + 1));
    }
  };
  for (const r of resources) {
    if (r.type === 'helm_release') visit(r.config.values, r, 0);
    if (r.type === 'kubernetes_manifest') visit(r.config.manifest, r, 0);
  }
  return found;
}

function parseYamlDocuments(text: string): unknown[] {
  try {
    return parseAllDocuments(text).flatMap((d) => ('errors' in d && d.errors.length === 0 ? [d.toJS()] : []));
  } catch {
    return [];
  }
}

/** Stateless installations are the topology's ingestion tiers (or, without a topology, named `ingestion-*`). */
function isStateless(ctx: PolicyContext, inst: Installation): boolean {
  if (ctx.topology) return ctx.topology.ingestionTiers.some((t) => ingestionInstallationName(t) === inst.name);
  return inst.name.startsWith('ingestion-');
}

interface ClaimPolicy {
  readonly template: string;
  readonly effective: string;
  /** `reclaimPolicy` written under `spec:`, where the operator ignores it. */
  readonly misplaced: boolean;
}

/** Each volumeClaimTemplate's effective reclaim policy: its own, else the CHI default, else the operator's Delete. */
function claimPolicies(chi: Record<string, unknown>): ClaimPolicy[] {
  const fallback = get(chi, 'spec', 'defaults', 'storageManagement', 'reclaimPolicy');
  return blocks(get(chi, 'spec', 'templates', 'volumeClaimTemplates')).map((t) => ({
    template: String(t.name ?? '?'),
    effective: String(t.reclaimPolicy ?? fallback ?? 'Delete'),
    misplaced: get(t, 'spec', 'reclaimPolicy') !== undefined,
  }));
}

const statelessReclaimDelete: PolicyRule = {
  id: 'stateless-tier-reclaim-delete',
  description: 'stateless ingestion installations use reclaimPolicy Delete at each volumeClaimTemplate root',
  check(ctx) {
    const found: PolicyViolation[] = [];
    for (const inst of ctx.installations().filter((i) => isStateless(ctx, i))) {
      for (const p of claimPolicies(inst.chi)) {
        if (p.misplaced) {
          found.push(violation(this.id, inst.resource, `${inst.name}: volumeClaimTemplate ${p.template} has reclaimPolicy under spec, ` +
            'where the operator ignores it; expected reclaimPolicy: Delete beside spec'));
        } else if (p.effective !== 'Delete') {
          found.push(violation(this.id, inst.resource, `${inst.name}: volumeClaimTemplate ${p.template} has reclaimPolicy ${p.effective}; ` +
            'expected Delete (a stateless node keeps nothing)'));
        }
      }
    }
    return found;
  },
};

const FOREGROUND_KEY = /(^|[/.])(distributed_foreground_insert|insert_distributed_sync)$/;
const FOREGROUND_XML = /<(distributed_foreground_insert|insert_distributed_sync)>\s*(\d+)\s*</g;

/** 'on', 'off', or undefined when the installation never sets it. */
function foregroundInsert(value: unknown, key = ''): 'on' | 'off' | undefined {
  let result: 'on' | 'off' | undefined;
  const merge = (r: 'on' | 'off' | undefined): void => {
    if (r === 'off' || (r === 'on' && result === undefined)) result = r;
  };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    if (FOREGROUND_KEY.test(key)) merge(String(value) === '1' || value === true ? 'on' : 'off');
    if (typeof value === 'string') for (const m of value.matchAll(FOREGROUND_XML)) merge(m[2] === '1' ? 'on' : 'off');
  } else if (Array.isArray(value)) {
    value.forEach((v) => merge(foregroundInsert(v, key)));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) merge(foregroundInsert(v, key ? `${key}.${k}` : k));
  }
  return result;
}

const statelessForegroundInsert: PolicyRule = {
  id: 'stateless-tier-foreground-insert',
  description: 'stateless ingestion installations set distributed_foreground_insert=1 (no insert queue on a disk Delete throws away)',
  check(ctx) {
    const found: PolicyViolation[] = [];
    for (const inst of ctx.installations().filter((i) => isStateless(ctx, i))) {
      const fromArtifacts = ctx.artifacts
        .filter((f) => f.path.split('/').some((seg) => seg === inst.name || seg === inst.name.replace(/^ingestion-/, '')))
        .map((f) => foregroundInsert(f.content));
      const state = [foregroundInsert(get(inst.chi, 'spec')), ...fromArtifacts].reduce<'on' | 'off' | undefined>(
        (acc, s) => (s === 'off' || acc === 'off' ? 'off' : s ?? acc), undefined);
      if (state !== 'on') {
        found.push(violation(this.id, inst.resource, `${inst.name}: distributed_foreground_insert is ${state === 'off' ? '0' : 'not set'}; ` +
          'expected 1 in the default profile'));
      }
    }
    return found;
  },
};

const storageNeverDelete: PolicyRule = {
  id: 'storage-tier-never-delete',
  description: 'storage never goes with its host: installations that store data never resolve to reclaimPolicy Delete, ' +
    'and EC2 data volumes attached inline are not deleted on termination',
  check(ctx) {
    const found: PolicyViolation[] = [];
    // On EC2 the storage tier's Delete is an inline EBS data volume that dies with its instance
    // (separate aws_ebs_volume resources outlive it; the root volume holds no data).
    for (const r of ctx.ofType('aws_instance')) {
      blocks(r.config.ebs_block_device).forEach((d, i) => {
        if (d.delete_on_termination === undefined || isTrue(d.delete_on_termination)) {
          found.push(violation(this.id, r, `ebs_block_device[${i}] (${String(d.device_name ?? '?')}) is deleted on termination; ` +
            'expected delete_on_termination = false, or a separate aws_ebs_volume with prevent_destroy'));
        }
      });
    }
    for (const inst of ctx.installations().filter((i) => !isStateless(ctx, i))) {
      for (const p of claimPolicies(inst.chi)) {
        if (p.effective === 'Delete' || p.misplaced) {
          found.push(violation(this.id, inst.resource, `${inst.name}: volumeClaimTemplate ${p.template} has reclaimPolicy ${p.effective}` +
            `${p.misplaced ? ' (reclaimPolicy under spec is ignored)' : ''}; expected Retain at the template root for a storage tier`));
        }
      }
    }
    return found;
  },
};

// ---------------------------------------------------------------------------------------------
// Consumers and secrets

/** `backend/topic/group` → the clusters consuming it, from the model and from rendered Kafka tables. */
function consumersByGroup(ctx: PolicyContext): Map<string, Set<string>> {
  const byKey = new Map<string, Set<string>>();
  const add = (key: string, cluster: string): void => {
    byKey.set(key, (byKey.get(key) ?? new Set<string>()).add(cluster));
  };
  for (const s of ctx.topology?.streams ?? []) {
    for (const l of s.legs) {
      for (const role of l.roles) {
        const tier = ctx.topology!.ingestionTiers.find((t) => t.role.value === role.value);
        add(`${l.backend.name}/${l.topic.name}/${l.consumerGroup}`, tier?.clusterName ?? role.value);
      }
    }
  }
  // Rendered SQL: sql/<role>/NNNN_<name>.sql, Kafka tables created through a named collection.
  for (const f of ctx.artifacts) {
    const role = /(?:^|\/)sql\/([^/]+)\//.exec(f.path)?.[1];
    if (!role || !f.path.endsWith('.sql')) continue;
    for (const statement of f.content.split(/;\s*(?:\n|$)/)) {
      const engine = /ENGINE\s*=\s*Kafka\s*\(\s*([A-Za-z_][\w]*)/i.exec(statement);
      const topic = /kafka_topic_list\s*=\s*'([^']*)'/i.exec(statement);
      const group = /kafka_group_name\s*=\s*'([^']*)'/i.exec(statement);
      if (engine && topic && group) {
        const tier = ctx.topology?.ingestionTiers.find((t) => t.role.value === role);
        add(`${engine[1]}/${topic[1]}/${group[1]}`, tier?.clusterName ?? role);
      }
    }
  }
  return byKey;
}

const singleConsumerPerGroup: PolicyRule = {
  id: 'single-consumer-per-group',
  description: 'in a region, only one cluster consumes a given topic with a given consumer group',
  check(ctx) {
    return [...consumersByGroup(ctx)].filter(([, clusters]) => clusters.size > 1).map(([key, clusters]) =>
      violation(this.id, undefined, `${key} is consumed by clusters ${[...clusters].sort().join(', ')}; ` +
        'expected one cluster per topic and group (disaster recovery: only one cluster consumes at a time)'));
  },
};

const noLiteralSecrets: PolicyRule = {
  id: 'no-literal-secrets',
  description: 'no literal secrets in cdk.tf.json or the artifacts (use from_env, Kubernetes Secrets or AWS secret stores)',
  check(ctx) {
    const found: PolicyViolation[] = [];
    for (const r of ctx.resources) {
      for (const f of findSecretsInJson(r.config, r.address)) {
        found.push(violation(this.id, r, `${f.location}: ${f.kind} (${f.hint}); expected a reference (from_env, a Kubernetes Secret, an AWS secret store)`));
      }
    }
    const rest = Object.fromEntries(Object.entries(ctx.terraform).filter(([k]) => k !== 'resource' && k !== 'data'));
    for (const f of findSecretsInJson(rest)) {
      found.push(violation(this.id, undefined, `cdk.tf.json ${f.location}: ${f.kind} (${f.hint}); expected a reference`));
    }
    for (const file of ctx.artifacts) {
      for (const f of findSecretsInText(file.content, file.path)) {
        found.push(violation(this.id, undefined, `artifact ${f.location}: ${f.kind} (${f.hint}); expected from_env or a secret reference`));
      }
    }
    return found;
  },
};

const terraformLiteralText: PolicyRule = {
  id: 'terraform-literal-text',
  description: 'every ${…} or %{…} Terraform would interpret in cdk.tf.json is a reference cdktf produced; literal text is escaped ($${, %%{)',
  check(ctx) {
    const byAddress = new Map(ctx.resources.map((r) => [r.address, r]));
    return findUninterpretedTemplates(ctx.terraform).map((f) => {
      const [kind, type, name] = f.location.split(/[.[]/);
      const address = kind === 'resource' ? `${type}.${name}` : kind === 'data' ? `data.${type}.${name}` : undefined;
      return violation(this.id, address !== undefined ? byAddress.get(address) : undefined,
        `${f.location} holds ${JSON.stringify(f.sequence)}, which Terraform would interpret; ` +
        'expected literal text escaped ($${ and %%{) or a cdktf reference');
    });
  },
};

const instanceFlagsConsistent: PolicyRule = {
  id: 'instance-flags-consistent',
  description: 'no volume attachment stops an instance before detaching while that instance has disable_api_stop',
  check(ctx) {
    const stopProtected = new Set(ctx.ofType('aws_instance').filter((r) => isTrue(r.config.disable_api_stop)).map((r) => r.address));
    return ctx.ofType('aws_volume_attachment')
      .filter((r) => isTrue(r.config.stop_instance_before_detaching) && [...stopProtected].some((a) => refersTo(r.config.instance_id, a)))
      .map((r) => violation(this.id, r, 'stop_instance_before_detaching is true but the instance has disable_api_stop: the detach could never ' +
        'complete; expected skip_destroy (the host unmounts) or no stop protection'));
  },
};

/** A container image reference with a version tag or digest (not `:latest`, not untagged). */
export function isPinnedImage(image: string): boolean {
  if (image.includes('${')) return true; // a reference: pinned where it is defined
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const m = /^(?:[^/]+\/)*[^/:]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(image);
  return m !== null && m[1] !== 'latest';
}

const imagesPinned: PolicyRule = {
  id: 'images-pinned',
  description: 'every container image in Kubernetes resources and Helm values carries a version tag or digest (no :latest, no untagged image)',
  check(ctx) {
    const found: PolicyViolation[] = [];
    const visit = (value: unknown, r: ResourceView, path: string, depth: number): void => {
      if (depth > 40) return;
      if (typeof value === 'string') {
        if (r.type === 'helm_release' && path.startsWith('values') && value.includes('image')) {
          for (const doc of ctx.parseYaml(value)) visit(doc, r, `${path} (YAML)`, depth + 1);
        }
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, r, `${path}[${i}]`, depth + 1));
      } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'image' && typeof v === 'string' && !isPinnedImage(v)) {
            found.push(violation(this.id, r, `${path}.image is ${JSON.stringify(v)}; expected an image with a version tag or a digest`));
          }
          visit(v, r, path === '' ? k : `${path}.${k}`, depth + 1);
        }
      }
    };
    for (const r of ctx.resources) if (r.type.startsWith('kubernetes_') || r.type === 'helm_release') visit(r.config, r, '', 0);
    return found;
  },
};

/** Every rule of the pack, in report order. */
export const POLICY_RULES: readonly PolicyRule[] = [
  noPublicDataIngress, ebsEncrypted, bucketEncrypted, bucketPublicAccessBlocked, bucketTlsOnly, imdsv2Required,
  statefulPreventDestroy, statelessReclaimDelete, statelessForegroundInsert, storageNeverDelete,
  singleConsumerPerGroup, mskInTransitTls, noLiteralSecrets, terraformLiteralText, instanceFlagsConsistent, imagesPinned,
];

/** Decides the defaults of an input and indexes its resources. */
export function policyContext(input: PolicyInput): PolicyContext {
  const resources = resourcesOf(input.terraform);
  const byType = new Map<string, ResourceView[]>();
  for (const r of resources) {
    if (r.isDataSource) continue;
    const list = byType.get(r.type);
    if (list) list.push(r);
    else byType.set(r.type, [r]);
  }
  let installations: Installation[] | undefined;
  // Rules only read the parsed documents, so they can share them (a tier's values are tens of kB).
  const parsed = new Map<string, readonly unknown[]>();
  const parseYaml = (text: string): readonly unknown[] => {
    let docs = parsed.get(text);
    if (docs === undefined) parsed.set(text, (docs = parseYamlDocuments(text)));
    return docs;
  };
  const topologyPorts = input.topology
    ? [...input.topology.hosts.map((h) => h.tcpPort), ...input.topology.zookeeper.map((z) => z.clientPort)]
    : [];
  return {
    terraform: input.terraform,
    resources,
    topology: input.topology,
    artifacts: input.artifacts ?? [],
    dataPorts: new Set(input.dataPorts ?? [...DEFAULT_DATA_PORTS, ...topologyPorts]),
    statefulResourceTypes: new Set(input.statefulResourceTypes ?? DEFAULT_STATEFUL_RESOURCE_TYPES),
    ofType: (type) => byType.get(type) ?? [],
    installations: () => (installations ??= installationsOf(resources, parseYaml)),
    parseYaml,
  };
}

/** Runs every rule (or the given ones) over a synthesized stack; returns what each found, in rule order. */
export function evaluatePolicies(input: PolicyInput, rules: readonly PolicyRule[] = POLICY_RULES): PolicyViolation[] {
  const ctx = policyContext(input);
  return rules.flatMap((rule) => rule.check(ctx));
}
