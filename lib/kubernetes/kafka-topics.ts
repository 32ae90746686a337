import { scramCredentialEnv } from '../clickhouse/named-collections';
import { KafkaAuth } from '../model/spec';
import type { KafkaBackendModel } from '../model/topology';

/**
 * The Kafka topics of a backend, created by a Kubernetes Job the stack runs (no Terraform Kafka
 * provider is mirrored or prebuilt for cdktf): Apache Kafka's own `kafka-topics.sh` and
 * `kafka-configs.sh`, idempotent, converging each topic to the partition count and retention the
 * model declares (partitions only grow: a topic with more than declared fails the Job). Pure.
 */

/** Apache Kafka's image (its CLI tools under /opt/kafka/bin), pinned. */
export const KAFKA_TOOLS_IMAGE = 'apache/kafka:3.8.1';
/** A pinned curl image that fetches the MSK IAM login module for SASL/IAM backends. */
export const CURL_IMAGE = 'curlimages/curl:8.11.1';
/** AWS's SASL/IAM login module for Kafka clients (MSK), pinned by release. */
export const MSK_IAM_AUTH_JAR = 'https://github.com/aws/aws-msk-iam-auth/releases/download/v2.2.0/aws-msk-iam-auth-2.2.0-all.jar';
/** Where the Job puts the login module (on the Kafka tools' CLASSPATH). */
export const MSK_IAM_AUTH_PATH = '/opt/msk-iam/aws-msk-iam-auth.jar';
/** Kafka's default retention, used when a topic declares none. */
export const DEFAULT_RETENTION_HOURS = 168;

/** SCRAM's login module, whose JAAS line the Job writes at run time from its Secret's variables. */
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

/**
 * The Kafka client properties of the CLI tools for a backend's auth mode. For SASL/SCRAM these are
 * the fixed lines only: the script appends the `sasl.jaas.config` line built from the environment.
 */
export function kafkaToolsClientProperties(auth: KafkaAuth): string {
  switch (auth) {
    case KafkaAuth.TLS:
      return 'security.protocol=SSL\n';
    case KafkaAuth.SASL_SCRAM:
      return 'security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n';
    case KafkaAuth.SASL_IAM:
      return [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=AWS_MSK_IAM',
        'sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;',
        'sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler',
        '',
      ].join('\n');
    default:
      return 'security.protocol=PLAINTEXT\n';
  }
}

/** Single-quoted for the shell. */
function q(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The variables a backend's topics Job reads from a Kubernetes Secret: the SCRAM credentials (the
 * names the ClickHouse nodes use), none for other auth modes.
 */
export function topicsJobSecretEnv(backend: Pick<KafkaBackendModel, 'name' | 'auth'>): { readonly username: string; readonly password: string } | undefined {
  return backend.auth === KafkaAuth.SASL_SCRAM ? scramCredentialEnv(backend) : undefined;
}

/**
 * The script lines that append SCRAM's JAAS line to "$cfg" from the credential variables, at run
 * time (no credential is ever part of the script). Each value is escaped twice: for JAAS's quoted
 * string (`\\`, `\"`), then for the properties file, which reads `\\` as one backslash.
 */
function scramJaasLines(env: { readonly username: string; readonly password: string }): string[] {
  return [
    String.raw`jaas_quote() { printf '%s' "$1" | sed -e 's/[\\"]/\\&/g' -e 's/\\/\\\\/g'; }`,
    `for v in ${env.username} ${env.password}; do`,
    '  [ -n "${!v:-}" ] || { echo "SCRAM credentials missing: $v is not set (the Job reads it from its Secret)" >&2; exit 1; }',
    'done',
    `scram_user="$(jaas_quote "$${env.username}")"`,
    `scram_password="$(jaas_quote "$${env.password}")"`,
    'cat >> "$cfg" <<EOF',
    `sasl.jaas.config=${SCRAM_LOGIN_MODULE} required username="\${scram_user}" password="\${scram_password}";`,
    'EOF',
  ];
}

/**
 * The Job's script: each topic created if missing with its partitions and `retention.ms`, grown to
 * the declared partitions, its retention set; the broker list comes from `$BOOTSTRAP` and, for
 * SASL/SCRAM, the credentials from the variables `topicsJobSecretEnv` names.
 */
export function renderTopicsScript(backend: Pick<KafkaBackendModel, 'name' | 'auth' | 'topics'>): string {
  const ensure = [...backend.topics]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((t) => `ensure ${q(t.name)} ${t.partitions} ${(t.retentionHours ?? DEFAULT_RETENTION_HOURS) * 3600 * 1000}`);
  const scram = topicsJobSecretEnv(backend);
  return [
    '#!/bin/bash',
    `# Topics of Kafka backend ${backend.name}: created or converged to what the region declares.`,
    'set -euo pipefail',
    // The SCRAM password lands in the properties file: readable by the Job's user only.
    ...(scram ? ['umask 077'] : []),
    'cfg=/tmp/client.properties',
    `printf '%s' ${q(kafkaToolsClientProperties(backend.auth))} > "$cfg"`,
    ...(scram ? scramJaasLines(scram) : []),
    'bin=/opt/kafka/bin',
    'kt() { "$bin/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$cfg" "$@"; }',
    'ensure() {',
    '  local topic="$1" partitions="$2" retention_ms="$3" current',
    '  kt --create --if-not-exists --topic "$topic" --partitions "$partitions" --config "retention.ms=$retention_ms"',
    '  current="$(kt --describe --topic "$topic" | sed -n \'s/.*PartitionCount: *\\([0-9]*\\).*/\\1/p\' | head -n 1)"',
    '  if [ "$current" -lt "$partitions" ]; then',
    '    kt --alter --topic "$topic" --partitions "$partitions"',
    '  elif [ "$current" -gt "$partitions" ]; then',
    '    echo "topic $topic has $current partitions, more than the $partitions declared: partitions never shrink, declare $current" >&2',
    '    exit 1',
    '  fi',
    '  "$bin/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$cfg" --alter --entity-type topics --entity-name "$topic" \\',
    '    --add-config "retention.ms=$retention_ms"',
    '  echo "topic $topic: $partitions partitions, retention.ms=$retention_ms"',
    '}',
    ...ensure,
    '',
  ].join('\n');
}

/** The script that fetches the SASL/IAM login module (init container), for backends that sign with IAM. */
export function renderFetchIamAuthScript(): string {
  return `set -eu; curl -fsSL --proto '=https' --tlsv1.2 --retry 5 -o ${q(MSK_IAM_AUTH_PATH)} ${q(MSK_IAM_AUTH_JAR)}`;
}
