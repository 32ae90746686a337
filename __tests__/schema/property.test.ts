/**
 * Property: for arbitrary valid stream declarations (names, column types, sorting keys, engines,
 * sharding, transforms, one or two legs), every statement the DATA and ingestion roles run is
 * accepted by a real ClickHouse, in order, and each view's columns are exactly its target's.
 * All samples run in one chdb process, each in its own database.
 */
import * as fc from 'fast-check';
import {
  buildTopology, DataEngine, KafkaBackendKind, NodeRole, StreamLegSpec, StreamSpec, Topology, TopologySpec,
} from '../../lib/model';
import { statementsForRole } from '../../lib/schema';
import { inspectRole } from './support/inspect-role';
import { roleConfig } from './support/role-config';
import { DUAL_LEG_GROUPS, EVENTS, RICH_TOPOLOGY } from './support/topologies';

const ORDERABLE = ['String', 'UInt8', 'Int64', 'Date', "DateTime64(6, 'UTC')", 'UUID', 'LowCardinality(String)'];
const OTHER = ['Float64', 'Array(String)', 'Nullable(String)', 'Map(String, String)', 'Decimal(18, 4)', 'Bool'];

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);

const streamArb: fc.Arbitrary<StreamSpec> = fc.record({
  name,
  columns: fc.uniqueArray(fc.tuple(name, fc.constantFrom(...ORDERABLE, ...OTHER)), { minLength: 1, maxLength: 6, selector: ([n]) => n }),
  firstType: fc.constantFrom(...ORDERABLE),
  orderCount: fc.integer({ min: 1, max: 3 }),
  engine: fc.constantFrom('merge', 'replacing_ts', 'replacing_offset'),
  sharded: fc.boolean(),
  transformFirst: fc.boolean(),
  legs: fc.constantFrom<readonly string[]>(['msk'], ['ws'], ['msk', 'ws']),
}).map((r) => {
  // The first column is orderable so that there is always a sorting key.
  const columns = r.columns.map(([n, t], i) => ({ name: n, type: i === 0 ? r.firstType : t }));
  const orderable = columns.filter((c) => ORDERABLE.includes(c.type));
  const engine = r.engine === 'merge' ? DataEngine.replicatedMergeTree()
    : DataEngine.replicatedReplacingMergeTree(r.engine === 'replacing_ts' ? '_timestamp' : '_offset');
  const legs: StreamLegSpec[] = r.legs.map((l) => ({
    backend: l === 'msk' ? 'msk_cluster' : 'warpstream_ingestion', topic: r.name, roles: [NodeRole.SMALL],
  }));
  return {
    name: r.name,
    columns,
    orderBy: orderable.slice(0, r.orderCount).map((c) => c.name),
    engine,
    sharded: r.sharded,
    shardingKey: r.sharded ? `cityHash64(${columns[0].name})` : undefined,
    transforms: r.transformFirst ? { [columns[0].name]: `identity(${columns[0].name})` } : undefined,
    legs,
  };
});

function region(index: number, stream: StreamSpec): Topology {
  const topics = [{ name: stream.name, partitions: 8 }];
  const spec: TopologySpec = {
    name: 'prop',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    database: `prop_${index}`,
    storage: { shards: 2, replicas: 3 },
    ingestionTiers: [{ role: NodeRole.SMALL, nodes: 2, cores: 2 }],
    kafkaBackends: [
      { name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics },
      { name: 'warpstream_ingestion', kind: KafkaBackendKind.WARPSTREAM, topics },
    ],
    streams: [stream],
  };
  return buildTopology(spec);
}

test('arbitrary valid streams render statements ClickHouse accepts, with view columns equal to their targets', async () => {
  const regions = fc.sample(streamArb, { numRuns: 25, seed: 20261122 }).map((s, i) => region(i, s));
  // A small tier that consumes from both backends and writes to both clusters: the
  // remote_servers and named collections any sample needs (lib/clickhouse renders only what a tier uses).
  const configRegion = buildTopology({
    ...RICH_TOPOLOGY,
    streams: [DUAL_LEG_GROUPS, { ...EVENTS, legs: [{ ...EVENTS.legs[0], roles: [NodeRole.SMALL] }] }],
  });
  const { files, env, cleanup } = roleConfig(configRegion, NodeRole.SMALL);
  const queries = regions.flatMap((t) => [
    ...statementsForRole(t, NodeRole.DATA, { replicated: false }).map((s) => s.sql),
    ...statementsForRole(t, NodeRole.SMALL).map((s) => s.sql),
  ]);
  let snapshot;
  try {
    // Killed rather than closed: closing waits for dozens of Kafka consumers to give up on their brokers.
    snapshot = await inspectRole({ files, env, database: regions.map((t) => t.database), queries });
  } finally {
    cleanup();
  }
  if (snapshot.error !== undefined) throw new Error(`${snapshot.error.message}\nin:\n${snapshot.error.query}`);

  for (const t of regions) {
    const stream = t.streams[0];
    const tables = snapshot.tables.filter((x) => x.database === t.database);
    const table = (n: string) => tables.find((x) => x.name === n)!;
    const expected = [stream.dataTable, stream.deadLetterTable, ...(stream.readTable !== undefined ? [stream.readTable] : []),
      ...stream.legs.flatMap((l) => [l.writableTable, l.kafkaTable, l.materializedView, l.deadLetterWritableTable, l.deadLetterView])];
    expect(tables.map((x) => x.name).sort()).toEqual(expected.sort());
    expect(table(stream.dataTable).sorting_key.split(', ')).toEqual(stream.orderBy);
    for (const leg of stream.legs) {
      expect(table(leg.materializedView).selectColumns).toEqual(table(leg.writableTable).columns);
      expect(table(leg.deadLetterView).selectColumns).toEqual(table(leg.deadLetterWritableTable).columns);
      expect(table(leg.writableTable).columns).toEqual(table(stream.dataTable).columns);
    }
  }
});
