import { Testing } from 'cdktf';
import { parseAllDocuments } from 'yaml';
import { KafkaBackendKind, NodeRole } from '../../lib/model';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { US_REGION } from '../../stacks/us';
import { smallRegion } from './specs';
import { testApp } from '../support/temp';

/**
 * Construct IDs are public API: growing a region (a shard, a tier, a stream, a backend leg) must
 * only add Terraform resources and SQL objects. An existing resource whose address or attributes
 * change would be updated or replaced by `terraform apply`, which for a data node means data loss.
 */

interface Synthesized {
  /** Terraform address → attributes (without cdktf's `//` metadata). */
  readonly resources: Map<string, unknown>;
  /** Provider and terraform blocks. */
  readonly settings: unknown;
  /** `sql/<role>/NNNN_<name>.sql` → statement. */
  readonly sql: Map<string, string>;
  /** The whole cdk.tf.json text. */
  readonly text: string;
}

function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, withoutMetadata(v)]));
  }
  return value;
}

function parse(text: string, sqlFiles: readonly { path: string; content: string }[]): Synthesized {
  const json = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>> | undefined>;
  const resources = new Map<string, unknown>();
  for (const [prefix, blocks] of [['', json.resource], ['data.', json.data]] as const) {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      for (const [name, config] of Object.entries(byName)) resources.set(`${prefix}${type}.${name}`, withoutMetadata(config));
    }
  }
  const sql = new Map(sqlFiles.filter((f) => f.path.startsWith('sql/')).map((f) => [f.path.slice('sql/'.length), f.content]));
  return { resources, sql, text, settings: withoutMetadata({ provider: json.provider, terraform: json.terraform }) };
}

/** In memory: the aspects (policy pack) and validations run, the JSON and SQL are what a synth would write. */
function synth(spec: RegionStackProps, id = 'region'): Synthesized {
  const stack = new RegionStack(testApp(), id, spec);
  return parse(Testing.synth(stack, true), stack.renderArtifacts());
}

/**
 * Config files whose content lists the region's members or schema, and therefore grows with it.
 * ClickHouse reloads them in place (remote_servers without a restart; startup scripts, named
 * collections and the collections' offset settings are additive), so a change to them is an
 * in-place update, never a replacement.
 */
const GROWING_CONFIG_FILES = /(^|\/)(remote_servers_no_restart|startup_scripts|named_collections|kafka_offsets)\.xml$/;

/** Attributes of a config file resource that may change when its content grows. */
const IN_PLACE: Readonly<Record<string, readonly string[]>> = {
  aws_s3_object: ['content', 'etag', 'source_hash'],
  // depends_on is ordering only: a tier that reads another backend also waits for its topics Job.
  helm_release: ['values', 'depends_on'],
  // The topics Job holds no state: a grown topic list replaces it and it converges again (creates only).
  kubernetes_job_v1: ['spec'],
  // A new shard's backup chain rule, in place.
  aws_s3_bucket_lifecycle_configuration: ['rule'],
};

/**
 * The access Job holds no state either: it carries the hash of its script, so a grown region
 * replaces its ConfigMap and Job (it runs again on the new nodes and tables, idempotently), and
 * the reconcile CronJob mounts the new ConfigMap in place. Allowed only if the script keeps every
 * statement and node it had, and the Job every dependency.
 */
const ACCESS_CHANGES: Readonly<Record<string, readonly string[]>> = {
  kubernetes_config_map_v1: ['data', 'metadata'],
  kubernetes_job_v1: ['metadata', 'spec', 'depends_on'],
  kubernetes_cron_job_v1: ['spec'],
};

function isAccessResource(address: string, config: Record<string, unknown>): boolean {
  const name = String((config.metadata as { name?: string } | undefined)?.name ?? '');
  return ACCESS_CHANGES[address.split('.')[0]] !== undefined && (name.startsWith('clickhouse-access-') || address.includes('clickhouse-access_'));
}

/** Why an access resource's change is not allowed: a statement, a node or a dependency lost. */
function disallowedAccessChange(address: string, was: Record<string, unknown>, now: Record<string, unknown>, keys: string[]): string | undefined {
  const type = address.split('.')[0];
  if (keys.some((k) => !ACCESS_CHANGES[type].includes(k))) return `changed ${keys.join(', ')}`;
  // Each statement the script sends, and each node it reaches.
  const applied = (c: Record<string, unknown>): string[] =>
    (JSON.stringify(c).match(/(?:CREATE ROLE|GRANT|CREATE USER|ALTER USER)[^\\]*|if up '[^']+'/g) ?? []);
  if (type === 'kubernetes_config_map_v1' && applied(was).length === 0) return 'no access statement found in the script (the check would be vacuous)';
  const lost = applied(was).filter((line) => !applied(now).includes(line));
  if (lost.length > 0) return `access script no longer applies ${lost.slice(0, 3).join(', ')}`;
  const deps = (c: Record<string, unknown>): string[] => (c.depends_on as string[] | undefined) ?? [];
  const lostDeps = deps(was).filter((d) => !deps(now).includes(d));
  return lostDeps.length > 0 ? `depends_on lost ${lostDeps.join(', ')}` : undefined;
}

/**
 * Helm values with the growing config files taken out of every installation's `files`, and the
 * containers' `env` lists taken out (a tier that starts reading another backend gets its broker
 * list variable: an addition that rolls the stateless pods, checked separately).
 */
function valuesWithoutGrowingParts(values: unknown): { rest: unknown; files: Record<string, string>; env: Map<string, string[]> } {
  const files: Record<string, string> = {};
  const env = new Map<string, string[]>();
  const strip = (v: unknown, at: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => strip(x, `${at}/${i}`));
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => {
      if (GROWING_CONFIG_FILES.test(k) && typeof x === 'string') {
        files[k] = x;
        return [];
      }
      if (k === 'env' && Array.isArray(x) && /\/containers\/\d+$/.test(at)) {
        env.set(at, x.map((e) => JSON.stringify(e)));
        return [];
      }
      return [[k, strip(x, `${at}/${k}`)]];
    }));
  };
  const docs = (Array.isArray(values) ? values : []).map((text) => parseAllDocuments(String(text)).map((d) => d.toJS()));
  return { rest: strip(docs, ''), files, env };
}

/** JSON paths where two values differ (for readable failures). */
function differingPaths(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return [at || '(root)'];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => differingPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k}`));
}

/** Why an existing resource's change is not allowed, or undefined when it is a growing config file's in-place update. */
function disallowedChange(address: string, was: Record<string, unknown>, now: Record<string, unknown>, keys: string[], grown: Set<string>): string | undefined {
  const type = address.split('.')[0];
  if (isAccessResource(address, was)) return disallowedAccessChange(address, was, now, keys);
  const allowed = IN_PLACE[type];
  if (!allowed || keys.some((k) => !allowed.includes(k))) return `changed ${keys.join(', ')}`;
  if (type === 'kubernetes_job_v1') {
    const ensured = (c: Record<string, unknown>): string[] => JSON.stringify(c).match(/ensure '[^']+' \d+ \d+/g) ?? [];
    const lost = ensured(was).filter((line) => !ensured(now).includes(line));
    if (lost.length > 0) return `topics Job no longer ensures ${lost.join(', ')}`;
    return undefined;
  }
  if (type === 'aws_s3_bucket_lifecycle_configuration') {
    const rules = (c: Record<string, unknown>): string[] => ((c.rule as unknown[]) ?? []).map((r) => JSON.stringify(r));
    const lost = rules(was).filter((r) => !rules(now).includes(r));
    return lost.length > 0 ? `changed or removed lifecycle rules: ${lost.join(', ')}` : undefined;
  }
  if (type === 'helm_release' && keys.includes('depends_on')) {
    const deps = (c: Record<string, unknown>): string[] => (c.depends_on as string[] | undefined) ?? [];
    const lost = deps(was).filter((d) => !deps(now).includes(d));
    if (lost.length > 0) return `depends_on lost ${lost.join(', ')}`;
    if (keys.length === 1) return undefined;
  }
  if (type === 'aws_s3_object') {
    if (!GROWING_CONFIG_FILES.test(String(was.key))) return `changed ${keys.join(', ')} of ${String(was.key)}`;
    grown.add(String(was.key).split('/').pop()!);
    return undefined;
  }
  const before = valuesWithoutGrowingParts(was.values);
  const after = valuesWithoutGrowingParts(now.values);
  for (const [container, vars] of before.env) {
    const grownVars = after.env.get(container) ?? [];
    const lost = vars.filter((v) => !grownVars.includes(v));
    if (lost.length > 0) return `changed or removed environment variables of ${container}: ${lost.join(', ')}`;
    grownVars.filter((v) => !vars.includes(v)).forEach((v) => grown.add(`env ${(JSON.parse(v) as { name: string }).name}`));
  }
  const paths = differingPaths(before.rest, after.rest);
  if (paths.length > 0) return `changed values beyond the growing config files: ${paths.slice(0, 5).join(', ')}`;
  for (const file of new Set([...Object.keys(before.files), ...Object.keys(after.files)])) {
    if (before.files[file] !== after.files[file]) grown.add(file.split('/').pop()!);
  }
  return undefined;
}

/**
 * Every resource and SQL object of `before` is in `after` with the same address; nothing changes
 * except growing config files, in place. Returns what was added and which config files grew.
 */
function expectOnlyAdditions(before: Synthesized, after: Synthesized): { resources: string[]; sql: string[]; grown: string[] } {
  const changed: string[] = [];
  const grown = new Set<string>();
  for (const [address, config] of before.resources) {
    if (!after.resources.has(address)) changed.push(`${address}: removed or renamed`);
    else if (JSON.stringify(after.resources.get(address)) !== JSON.stringify(config)) {
      const was = config as Record<string, unknown>;
      const now = after.resources.get(address) as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k]));
      const why = disallowedChange(address, was, now, keys, grown);
      if (why) changed.push(`${address}: ${why}`);
    }
  }
  for (const [file, statement] of before.sql) {
    if (!after.sql.has(file)) changed.push(`sql/${file}: removed or renumbered`);
    else if (after.sql.get(file) !== statement) changed.push(`sql/${file}: statement changed`);
  }
  expect(changed).toEqual([]);
  expect(after.settings).toEqual(before.settings);
  return {
    resources: [...after.resources.keys()].filter((a) => !before.resources.has(a)),
    sql: [...after.sql.keys()].filter((f) => !before.sql.has(f)),
    grown: [...grown].sort(),
  };
}

describe('plan stability: growing a region only adds', () => {
  const base = synth(smallRegion());

  test('the base region has resources and SQL to compare', () => {
    expect(base.resources.size).toBeGreaterThan(0);
    expect(base.sql.size).toBeGreaterThan(0);
  });

  const region = smallRegion();
  const tiers = region.ingestionTiers ?? [];
  const backends = region.kafkaBackends ?? [];
  const streams = region.streams ?? [];
  const [msk, warpstream] = backends;

  test('adding a shard', () => {
    const added = expectOnlyAdditions(base, synth({ ...region, storage: { ...region.storage, shards: 3 } }));
    // Nothing about the schema depends on the shard count; only the cluster membership grows.
    expect(added.sql).toEqual([]);
    expect(added.grown).toEqual(['remote_servers_no_restart.xml']);
    expect(added.resources.filter((a) => a.startsWith('aws_instance.'))).toHaveLength(3);
  });

  test('adding an ingestion tier (and a stream it consumes)', () => {
    const added = expectOnlyAdditions(base, synth({
      ...region,
      ingestionTiers: [...tiers, { role: 'ai_events', nodes: 2, cores: 2 }],
      kafkaBackends: [{ ...msk, topics: [...msk.topics, { name: 'ai_events', partitions: 8 }] }, warpstream],
      streams: [...streams, {
        name: 'ai_events', columns: [{ name: 'team_id', type: 'Int64' }, { name: 'payload', type: 'String' }], orderBy: ['team_id'],
        legs: [{ backend: msk.name, topic: 'ai_events', roles: ['ai_events'] }],
      }],
    }));
    expect(added.sql.some((f) => f.startsWith('ai_events/'))).toBe(true);
    expect(added.grown).toEqual(['remote_servers_no_restart.xml', 'startup_scripts.xml']);
    expect(added.resources.some((a) => a.startsWith('helm_release.'))).toBe(true);
  });

  test('adding a stream on an existing tier', () => {
    const added = expectOnlyAdditions(base, synth({
      ...region,
      kafkaBackends: [{ ...msk, topics: [...msk.topics, { name: 'clickhouse_heatmaps', partitions: 16 }] }, warpstream],
      streams: [...streams, {
        name: 'heatmaps', columns: [{ name: 'team_id', type: 'Int64' }, { name: 'x', type: 'Int16' }], orderBy: ['team_id'],
        legs: [{ backend: msk.name, topic: 'clickhouse_heatmaps', roles: [NodeRole.SMALL] }],
      }],
    }));
    expect(added.sql.filter((f) => f.includes('heatmaps')).length).toBeGreaterThanOrEqual(3);
    expect(added.grown).toEqual(['startup_scripts.xml']);
  });

  test('adding a backend leg (the groups stream also from WarpStream)', () => {
    const [groups, ...rest] = streams;
    const added = expectOnlyAdditions(base, synth({
      ...region,
      kafkaBackends: [msk, { ...warpstream, topics: [...warpstream.topics, { name: 'clickhouse_groups', partitions: 16 }] }],
      streams: [{ ...groups, legs: [...groups.legs, { backend: warpstream.name, topic: 'clickhouse_groups', roles: [NodeRole.SMALL] }] }, ...rest],
    }));
    // The leg's writable, dead-letter writable (each with the writer's grant), Kafka table, view and dead-letter view.
    expect(added.sql.filter((f) => f.includes('groups_ws'))).toHaveLength(7);
    // The small tier now also reads WarpStream: its pods get the broker list variable (a rolling
    // restart of stateless pods, nothing replaced), and its boot schema gains the leg's tables.
    expect(added.grown).toEqual(['env KAFKA_HOSTS_WARPSTREAM_INGESTION', 'kafka_offsets.xml', 'named_collections.xml', 'startup_scripts.xml']);
  });

  test('adding a Kafka backend', () => {
    expectOnlyAdditions(base, synth({
      ...region,
      kafkaBackends: [...backends, { name: 'msk_new', kind: KafkaBackendKind.MSK, topics: [{ name: 'clickhouse_groups', partitions: 16 }] }],
    }));
  });
});

describe('plan stability: the us stack is the same on every synth', () => {
  // Byte identity of the files on disk is the region tests' job; this one changes the clock and the random numbers.
  test('addresses, the whole Terraform JSON and the SQL are identical across synths, whatever the clock and random numbers say', () => {
    const first = synth(US_REGION, 'us');
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.123456789);
    jest.useFakeTimers({ now: new Date('2031-02-03T04:05:06Z'), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const second = synth(US_REGION, 'us');
      expect([...second.resources.keys()]).toEqual([...first.resources.keys()]);
      expect(second.text).toBe(first.text);
      expect(second.sql).toEqual(first.sql);
    } finally {
      jest.useRealTimers();
      random.mockRestore();
    }
  });
});
