/**
 * The shape of a topology description, checked with zod before any domain rule runs: `null`
 * entries, wrong types and cycles become field-level problems instead of a TypeError or a stack
 * overflow deep in `buildTopology`. Only the shape lives here (objects, lists, classes); values
 * (ranges, names, references) stay with the domain rules beside `buildTopology`, which say what
 * would be accepted in the region's own terms.
 */
import { z } from 'zod';
import { NodeRole } from './node-role';
import { DataEngine } from './stream';
import { Problems } from './validation';

/** How a shape problem's `expected` starts, so callers can tell shape from domain problems. */
export const SHAPE_PREFIX = 'well-formed: ';

// A NodeRole, or a copy of one (`{ value: 'small' }`, as structuredClone leaves it).
const role = z.custom<string | NodeRole>((v) => typeof v === 'string' || v instanceof NodeRole
  || (v !== null && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string'), { message: 'a role name or a NodeRole, e.g. NodeRole.SMALL' });
const column = z.object({ name: z.unknown(), type: z.unknown() });
const leg = z.object({
  backend: z.unknown(), topic: z.unknown(), consumerGroup: z.unknown(), suffix: z.unknown(),
  roles: z.array(role), consumersPerNode: z.unknown(), format: z.unknown(),
  offsets: z.object({ startAt: z.unknown(), timestampMs: z.unknown() }).optional(),
  kafkaSettings: z.record(z.string(), z.unknown()).optional(),
});
const stream = z.object({
  name: z.unknown(),
  columns: z.array(column),
  sourceColumns: z.array(column).optional(),
  orderBy: z.array(z.unknown()).optional(),
  partitionBy: z.unknown(),
  engine: z.custom<DataEngine>((v) => v instanceof DataEngine, { message: 'a DataEngine, e.g. DataEngine.replicatedMergeTree()' }).optional(),
  sharded: z.boolean().optional(),
  shardingKey: z.unknown(),
  transforms: z.record(z.string(), z.unknown()).optional(),
  legs: z.array(leg),
  shuffle: z.object({ backend: z.unknown(), topic: z.unknown(), keyExpression: z.unknown(), format: z.unknown() }).optional(),
  retention: z.object({ hotDays: z.unknown(), warmDays: z.unknown(), deleteAfterDays: z.unknown(), deadLetterDays: z.unknown() }).optional(),
});

/** The shape of `TopologySpec`: every container is what its type says; scalars are the domain rules' business. */
export const TOPOLOGY_SPEC_SHAPE = z.object({
  name: z.unknown(),
  availabilityZones: z.array(z.unknown()),
  database: z.unknown(),
  dnsZone: z.unknown(),
  clusterNames: z.object({ sharded: z.unknown(), singleShard: z.unknown(), migrations: z.unknown() }).optional(),
  storage: z.object({ shards: z.unknown(), replicas: z.unknown(), hostPrefix: z.unknown(), tcpPort: z.unknown() }).optional(),
  zookeeper: z.object({ nodes: z.unknown(), hostPrefix: z.unknown(), clientPort: z.unknown() }).optional(),
  ingestionTiers: z.array(z.object({
    role, nodes: z.unknown(), cores: z.unknown(), consumersPerNode: z.unknown(), clusterName: z.unknown(), consumers: z.unknown(),
  })).optional(),
  kafkaBackends: z.array(z.object({
    name: z.unknown(), kind: z.unknown(), auth: z.unknown(), brokerListEnv: z.unknown(),
    topics: z.array(z.object({ name: z.unknown(), partitions: z.unknown() })),
  })).optional(),
  streams: z.array(stream).optional(),
  consumers: z.unknown(),
});

/** `streams[0].legs[1].roles` from a path of keys and indexes. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(description)' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const ARTICLE: Readonly<Record<string, string>> = {
  object: 'an object', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Objects and lists that contain themselves: `streams[0].self` → the path where the loop closes. */
export function findCycles(root: unknown, problems: Problems): void {
  const onPath = new Set<object>();
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (value === null || typeof value !== 'object') return;
    if (!(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) return;
    if (onPath.has(value)) {
      problems.add(fieldPath(path), '(a reference to an enclosing object)', `${SHAPE_PREFIX}a tree: this object contains itself (a cycle)`);
      return;
    }
    if (path.length > 64) return;
    onPath.add(value);
    for (const [k, v] of Object.entries(value)) walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
    onPath.delete(value);
  };
  walk(root, []);
}

/**
 * Checks a description's shape; returns the description itself (every field kept: a field the
 * shape does not list yet is checked by the domain rules that read it) or undefined after adding
 * every shape problem.
 */
export function checkSpecShape<T>(spec: unknown, problems: Problems): T | undefined {
  const before = problems.all.length;
  findCycles(spec, problems);
  if (problems.all.length > before) return undefined;
  const result = TOPOLOGY_SPEC_SHAPE.safeParse(spec);
  if (result.success) return spec as T;
  for (const issue of result.error.issues) {
    const value = valueAt(spec, issue.path);
    const wanted = issue.code === 'invalid_type' && ARTICLE[String(issue.expected)] !== undefined
      ? `${ARTICLE[String(issue.expected)]}, not ${describe(value)}`
      : issue.message;
    problems.add(fieldPath(issue.path), value, SHAPE_PREFIX + wanted);
  }
  return undefined;
}
