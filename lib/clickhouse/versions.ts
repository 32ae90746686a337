/**
 * One ClickHouse server version for the whole region (storage hosts and ingestion pods), and the
 * first version that has each feature the rendered config and SQL use, so that synth refuses a
 * version, or a floating image tag, that lacks one. Sources are the ClickHouse pull requests and
 * their backport PRs ("Merged into: <version>"); docs/clickhouse-config.md lists them with what is
 * verified and what is not.
 */
import { KafkaAuth, Problems, Topology } from '../model';

/**
 * The pinned server version: the 26.8 LTS release that carries both AWS_MSK_IAM in the Kafka engine
 * (PR #96100) and the fix of its hourly re-authentication failure under IRSA (PR #109125, backported
 * as #116681, "Merged into: 26.8.1.2018").
 */
export const CLICKHOUSE_SERVER_VERSION = '26.8.1.2018';

/** The official server image; its tags are the full versions. */
export const CLICKHOUSE_IMAGE_REPOSITORY = 'clickhouse/clickhouse-server';

/** `clickhouse/clickhouse-server:26.8.1.2018`: the ingestion pods' image, the same server as the storage hosts. */
export const CLICKHOUSE_SERVER_IMAGE = `${CLICKHOUSE_IMAGE_REPOSITORY}:${CLICKHOUSE_SERVER_VERSION}`;

/** A server feature the library renders, and where it first appeared. */
export interface ServerFeature {
  /** Short name, as synth's error says it. */
  readonly name: string;
  /**
   * The first version with the feature on each release line it was merged or backported to,
   * oldest line first (`26.7.6.37`, `26.8.1.2018`). A version on a listed line has it from that
   * version on; a line after the last one listed has it (it branched from a master that had it);
   * any other line lacks it. A two-part entry (`26.2`) means the whole line.
   */
  readonly since: readonly string[];
  /** The pull requests, and how sure the version is. */
  readonly source: string;
}

/** Every feature whose version matters, by id. */
export const SERVER_FEATURES = {
  kafkaMskIam: {
    name: "AWS_MSK_IAM in the Kafka engine (kafka_sasl_mechanism = 'AWS_MSK_IAM')",
    since: ['26.2'],
    source: 'ClickHouse PR #96100 (merged February 2026); first release line 26.2 from the merge date, the exact first version not verified',
  },
  kafkaMskIamReauthentication: {
    name: 'MSK IAM re-authentication under IRSA without the hourly failure',
    since: ['26.7.6.37', '26.8.1.2018'],
    source: 'ClickHouse PR #109125, backports #116680 (merged into 26.7.6.37) and #116681 (merged into 26.8.1.2018); no backport to 26.3 found',
  },
  distributedSkipReadOnlyReplicas: {
    name: 'distributed_insert_skip_read_only_replicas',
    since: ['24.4'],
    source: 'ClickHouse PR #59176 (merged March 2024); line from the merge date, not verified',
  },
  kafkaErrorModeStream: {
    name: "kafka_handle_error_mode = 'stream' (dead-letter views over _error and _raw_message)",
    since: ['21.6'],
    source: 'ClickHouse 21.6 changelog (approximate, not verified)',
  },
  startupScripts: {
    name: 'startup_scripts in the server config (ingestion pods create their schema at boot)',
    since: ['24.2'],
    source: 'approximate (24.x), not verified',
  },
} as const satisfies Record<string, ServerFeature>;

export type ServerFeatureId = keyof typeof SERVER_FEATURES;

type Version = readonly number[];

function parse(version: string): Version | undefined {
  if (!/^\d+\.\d+(\.\d+\.\d+)?$/.test(version)) return undefined;
  return version.split('.').map(Number);
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 4; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether a full version (four numbers) has a feature, by the rule of `ServerFeature.since`. */
export function versionHas(version: string, feature: ServerFeature): boolean {
  const v = parse(version);
  if (v === undefined) return false;
  const line = (x: Version): Version => [x[0], x[1]];
  const entries = feature.since.map((s) => parse(s)!);
  const onLine = entries.find((e) => compare(line(e), line(v)) === 0);
  if (onLine !== undefined) return compare(v, onLine) >= 0;
  return compare(line(v), line(entries[entries.length - 1])) > 0;
}

/** The features a topology's rendered config and SQL rely on. */
export function featuresInUse(topology: Pick<Topology, 'kafkaBackends' | 'streams' | 'ingestionTiers'>): ServerFeatureId[] {
  const used: ServerFeatureId[] = [];
  if (topology.streams.some((s) => s.legs.length > 0)) used.push('kafkaErrorModeStream');
  if (topology.ingestionTiers.length > 0) used.push('startupScripts', 'distributedSkipReadOnlyReplicas');
  if (topology.kafkaBackends.some((b) => b.auth === KafkaAuth.SASL_IAM)) used.push('kafkaMskIam', 'kafkaMskIamReauthentication');
  return used;
}

/** The version in an image reference (`repo:26.8.1.2018` → `26.8.1.2018`), or the tag that is not one. */
export function imageVersion(image: string): { readonly version?: string; readonly tag: string } {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : 'latest';
  return /^\d+\.\d+\.\d+\.\d+$/.test(tag) ? { version: tag, tag } : { tag };
}

/**
 * Checks a server version (or an image's tag) against the features in use, adding one problem per
 * missing feature, naming it. A floating tag (`26.3`, `latest`, `head`) is refused: it names no
 * version, so what a pod runs would change under the same spec.
 */
export function checkServerVersion(problems: Problems, field: string, value: string, features: readonly ServerFeatureId[], kind: 'version' | 'image'): string | undefined {
  let version: string | undefined = value;
  if (kind === 'image') {
    const parsed = imageVersion(value);
    if (!problems.check(parsed.version !== undefined, field, value,
      `an image pinned to a full server version, such as ${CLICKHOUSE_SERVER_IMAGE}: tag ${parsed.tag} floats (a pod restart could run another server than the storage hosts)`)) return undefined;
    version = parsed.version;
  } else if (!problems.check(/^\d+\.\d+\.\d+\.\d+$/.test(value), field, value, `a full ClickHouse version such as ${CLICKHOUSE_SERVER_VERSION} (pinned, four numbers)`)) {
    return undefined;
  }
  for (const id of features) {
    const feature: ServerFeature = SERVER_FEATURES[id];
    problems.check(versionHas(version!, feature), field, value,
      `a server version with ${feature.name}, first in ${feature.since.join(' (or later on that line), ')} or later: ${version} lacks it`);
  }
  return version;
}
