/**
 * Where each stream leg's consumer group starts, and how to move it: the `auto_offset_reset`
 * ClickHouse applies to a new group, and the commands that reset a group to a point in time after
 * a restore (`kafka-consumer-groups.sh --reset-offsets --to-datetime`, which MSK and WarpStream
 * both serve: WarpStream implements ListOffsets, OffsetCommit and DescribeGroups). Pure.
 */
import { scramCredentialEnv } from '../clickhouse/named-collections';
import { clickhouseXml, XmlTree } from '../clickhouse/xml';
import { KafkaAuth, KafkaBackendKind } from '../model/spec';
import type { StreamLeg } from '../model/streams';
import type { KafkaBackendModel, Topology } from '../model/topology';
import { Problems } from '../model/validation';
import type { RenderedFile } from '../render/file';

export const OFFSET_POLICY_FILE = 'config.d/kafka_offsets.xml';

/** One leg's consumer group, as an operator needs it after a restore. */
export interface ConsumerGroupTarget {
  readonly region: string;
  readonly stream: string;
  /** `''` for the first leg, `_ws` for a WarpStream leg, ... */
  readonly legSuffix: string;
  readonly backend: KafkaBackendModel;
  readonly topic: string;
  readonly group: string;
  /** Ingestion roles whose nodes consume it (stop them before a reset). */
  readonly roles: readonly string[];
  readonly offsets: StreamLeg['offsets'];
}

/** Every leg's consumer group in the region, in stream and leg order. */
export function consumerGroupTargets(topology: Topology): ConsumerGroupTarget[] {
  return topology.streams.flatMap((s) => s.legs.map((l) => ({
    region: topology.name, stream: s.name, legSuffix: l.suffix, backend: l.backend, topic: l.topic.name,
    group: l.consumerGroup, roles: l.roles.map((r) => r.value), offsets: l.offsets,
  })));
}

/**
 * librdkafka's `auto.offset.reset` for a start policy. A timestamp start cannot be expressed in
 * ClickHouse: the group must be reset to the time before it first consumes (see
 * `offsetResetCommands`); until then it falls back to `earliest`, which replays rather than skips.
 */
export function autoOffsetReset(offsets: StreamLeg['offsets']): 'earliest' | 'latest' {
  return offsets.startAt === 'latest' ? 'latest' : 'earliest';
}

/**
 * `config.d/kafka_offsets.xml` for an ingestion role: `auto_offset_reset` inside each named
 * collection the role consumes through (`<named_collections><msk_cluster><kafka>…`, merged with
 * the collection's other settings). ClickHouse reads librdkafka settings per collection, not per
 * consumer group, so all legs a role consumes through one backend must agree; a disagreement is
 * reported. A role that consumes nothing gets no file.
 */
export function renderOffsetPolicyConfig(topology: Topology, role: string): RenderedFile | undefined {
  const byBackend = new Map<string, Map<string, string[]>>();
  for (const s of topology.streams) {
    for (const l of s.legs) {
      if (!l.roles.some((r) => r.value === role)) continue;
      const policies = byBackend.get(l.backend.name) ?? new Map<string, string[]>();
      const reset = autoOffsetReset(l.offsets);
      policies.set(reset, [...(policies.get(reset) ?? []), `${s.name}${l.suffix}`]);
      byBackend.set(l.backend.name, policies);
    }
  }
  if (byBackend.size === 0) return undefined;
  const problems = new Problems();
  const collections: Record<string, XmlTree> = {};
  for (const [backend, policies] of [...byBackend].sort(([a], [b]) => (a < b ? -1 : 1))) {
    problems.check(policies.size === 1, `streams (offsets on ${role} via ${backend})`,
      Object.fromEntries(policies), 'one start policy (earliest or latest) for all legs a role consumes through one backend: ' +
      'ClickHouse sets auto_offset_reset per named collection');
    collections[backend] = { kafka: { auto_offset_reset: [...policies.keys()][0] } };
  }
  problems.throwIfAny('offset policy');
  return { path: OFFSET_POLICY_FILE, content: clickhouseXml({ named_collections: collections }) };
}

/** Problems of the offset policies of a topology (for validation before synth). */
export function checkOffsetPolicies(problems: Problems, topology: Topology): void {
  for (const tier of topology.ingestionTiers) {
    try {
      renderOffsetPolicyConfig(topology, tier.role.value);
    } catch (e) {
      for (const p of (e as { problems?: Problems['all'] }).problems ?? []) problems.add(p.field, p.value, p.expected);
    }
  }
}

/** `2026-11-22T02:00:00.000Z`: the `--to-datetime` form, always in UTC so the operator's time zone cannot shift it. */
export function kafkaDatetime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * The `--command-config` properties for a backend's auth mode. SCRAM credentials are read from
 * the same environment variables the ClickHouse nodes use, at run time: never written here.
 * MSK IAM needs the aws-msk-iam-auth jar on the tool's CLASSPATH.
 */
export function kafkaClientProperties(backend: KafkaBackendModel): string[] {
  switch (backend.auth) {
    case KafkaAuth.PLAINTEXT:
      return [];
    case KafkaAuth.TLS:
      return ['security.protocol=SSL'];
    case KafkaAuth.SASL_IAM:
      return [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=AWS_MSK_IAM',
        'sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;',
        'sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler',
      ];
    case KafkaAuth.SASL_SCRAM: {
      const env = scramCredentialEnv(backend);
      return [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="\${${env.username}}" password="\${${env.password}}";`,
      ];
    }
  }
}

/** The commands that reset one leg's group. */
export interface OffsetResetCommand {
  readonly target: ConsumerGroupTarget;
  /** Properties file for `--command-config`, or none for PLAINTEXT. */
  readonly commandConfigFile?: string;
  /** `--describe --state`: the group must show no active members before a reset. */
  readonly describe: string;
  /** The reset, printed but not applied. */
  readonly dryRun: string;
  /** The reset, applied. */
  readonly execute: string;
  /**
   * For a leg declared to start at a timestamp: the reset to run once, before its group first
   * consumes (ClickHouse can only start a new group at earliest or latest).
   */
  readonly initialStart?: string;
}

export interface OffsetResetOptions {
  /**
   * The time to reset to: a `--to-datetime` value or a shell expression expanding to one.
   * @default '"$RESET_TIME"' (the generated script's argument)
   */
  readonly toDatetime?: string;
  /**
   * The Kafka CLI.
   * @default 'kafka-consumer-groups.sh'
   */
  readonly tool?: string;
}

/** Name of a backend's properties file in the generated script's working folder. */
export function commandConfigFileName(backend: Pick<KafkaBackendModel, 'name'>): string {
  return `${backend.name}.properties`;
}

/** For every leg of the region: describe, dry-run and execute commands that reset its group to a time. */
export function offsetResetCommands(topology: Topology, options: OffsetResetOptions = {}): OffsetResetCommand[] {
  const tool = options.tool ?? 'kafka-consumer-groups.sh';
  const at = options.toDatetime ?? '"$RESET_TIME"';
  return consumerGroupTargets(topology).map((target) => {
    const config = kafkaClientProperties(target.backend).length > 0 ? commandConfigFileName(target.backend) : undefined;
    const base = `${tool} --bootstrap-server "$${target.backend.brokerListEnv}"${config ? ` --command-config ${config}` : ''} --group ${target.group}`;
    const reset = `${base} --topic ${target.topic} --reset-offsets --to-datetime ${at}`;
    const initialStart = target.offsets.startAt === 'timestamp'
      ? `${base} --topic ${target.topic} --reset-offsets --to-datetime ${kafkaDatetime(target.offsets.timestampMs ?? 0)} --execute`
      : undefined;
    return {
      target, commandConfigFile: config, describe: `${base} --describe --state`, dryRun: `${reset} --dry-run`, execute: `${reset} --execute`,
      ...(initialStart ? { initialStart } : {}),
    };
  });
}

/**
 * A bash script, `reset-offsets.sh <YYYY-MM-DDTHH:mm:SS.sssZ>`, that resets every leg of the
 * region: it writes each backend's client properties (credentials from the environment), checks
 * that each group has no active member, shows the plan, then applies it. Run it where the
 * brokers are reachable with the same `KAFKA_HOSTS_*` variables the ClickHouse nodes use.
 */
export function renderOffsetResetScript(topology: Topology): string {
  const commands = offsetResetCommands(topology);
  const backends = [...new Map(commands.map((c) => [c.target.backend.name, c.target.backend])).values()];
  const lines = [
    '#!/bin/bash',
    `# Resets the consumer groups of region ${topology.name} to a time (rendered by cdktf-clickhouse-ingest).`,
    '# Stop the consumers first (consumers off, or the ingestion tiers scaled to zero): a group with',
    '# active members cannot be reset.',
    'set -euo pipefail',
    'RESET_TIME="${1:?usage: reset-offsets.sh YYYY-MM-DDTHH:mm:SS.sssZ (the backup start time, UTC)}"',
    ': "${KAFKA_CONSUMER_GROUPS:=kafka-consumer-groups.sh}"',
    ...backends.map((b) => `: "\${${b.brokerListEnv}:?set ${b.brokerListEnv} to the bootstrap brokers of ${b.name} (${b.kind})}"`),
    'umask 077',
  ];
  for (const b of backends) {
    const props = kafkaClientProperties(b);
    if (props.length === 0) continue;
    if (b.auth === KafkaAuth.SASL_SCRAM) {
      const env = scramCredentialEnv(b);
      lines.push(`: "\${${env.username}:?}" "\${${env.password}:?}"`);
    }
    // Unquoted heredoc on purpose: credentials are expanded from the environment here, at run time.
    lines.push(`cat > ${commandConfigFileName(b)} <<EOF`, ...props, 'EOF');
  }
  for (const c of commands) {
    const kind = { [KafkaBackendKind.WARPSTREAM]: 'WarpStream', [KafkaBackendKind.MSK]: 'MSK', [KafkaBackendKind.EXTERNAL]: 'Kafka' }[c.target.backend.kind];
    lines.push('', `# ${c.target.stream}${c.target.legSuffix}: group ${c.target.group} on ${c.target.topic} (${kind} ${c.target.backend.name}), consumed by ${c.target.roles.join(', ')}`);
    for (const cmd of [c.describe, c.dryRun, c.execute]) lines.push(cmd.replace(/^kafka-consumer-groups\.sh/, '"$KAFKA_CONSUMER_GROUPS"'));
  }
  lines.push('');
  return lines.join('\n');
}

/** A region stack's consumers as seen from the whole app. */
export interface ConsumingRegion {
  /** The stack's id, e.g. `us`. */
  readonly stack: string;
  readonly topology: Topology;
  /**
   * What identifies each backend's physical cluster across stacks, by backend name: e.g. its
   * bootstrap brokers (a literal, or the same unresolved token when one stack reads another's).
   * Backends missing here are the stack's own.
   */
  readonly backendIdentity: Readonly<Record<string, string>>;
}

/**
 * Disaster recovery's first rule across stacks: one cluster consumes a topic with a group at a
 * time, also when two stacks of one app share a backend (e.g. a region restored beside the one it
 * replaces). Tiers deployed with their consumers off do not count.
 */
export function checkOneConsumerPerGroupAcrossStacks(problems: Problems, regions: readonly ConsumingRegion[]): void {
  const consumers = new Map<string, Set<string>>();
  for (const r of regions) {
    for (const s of r.topology.streams) {
      for (const l of s.legs) {
        const identity = r.backendIdentity[l.backend.name] ?? `${r.stack}/${l.backend.name}`;
        for (const role of l.roles) {
          const tier = r.topology.ingestionTiers.find((t) => t.role.value === role.value);
          if (tier?.consuming === false) continue;
          const key = `${identity}|${l.topic.name}|${l.consumerGroup}`;
          consumers.set(key, (consumers.get(key) ?? new Set<string>()).add(`${r.stack}/${tier?.clusterName ?? role.value}`));
        }
      }
    }
  }
  for (const [key, clusters] of consumers) {
    const stacks = new Set([...clusters].map((c) => c.split('/')[0]));
    if (stacks.size < 2) continue;
    const [, topic, group] = key.split('|');
    problems.add('stacks (consumer groups)', { topic, group, clusters: [...clusters].sort() },
      'one consuming cluster per topic and group across the stacks sharing a backend: deploy the other with consumers: \'off\'');
  }
}
