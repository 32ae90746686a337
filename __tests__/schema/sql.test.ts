import * as fc from 'fast-check';
import {
  call, createDatabase, createMaterializedView, createTable, fragment, identifier, qualified, stringLiteral, UnsafeSqlError,
} from '../../lib/schema/sql';
import { inspectRole } from './support/inspect-role';

describe('SQL builder', () => {
  test('identifiers: bare when they are bare words, back-quoted otherwise', () => {
    expect(identifier('writable_groups')).toBe('writable_groups');
    expect(identifier('my table')).toBe('`my table`');
    expect(identifier('a`b\\c')).toBe('`a\\`b\\\\c`');
    expect(qualified('posthog', 'groups')).toBe('posthog.groups');
    expect(() => identifier('')).toThrow(UnsafeSqlError);
    expect(() => identifier('a\0b')).toThrow(UnsafeSqlError);
  });

  test('string literals escape quotes and backslashes', () => {
    expect(stringLiteral("it's")).toBe("'it\\'s'");
    expect(stringLiteral('a\\b')).toBe("'a\\\\b'");
  });

  test('user expressions that could end the statement or open a comment are refused', () => {
    for (const bad of ['x; DROP TABLE t', 'x -- c', 'x /* c */', "concat('a", 'f(x', 'a\nb', '']) {
      expect(() => fragment(bad)).toThrow(UnsafeSqlError);
    }
    expect(fragment("concat(toString(team_id), ':', event)")).toBe("concat(toString(team_id), ':', event)");
  });

  test('engine calls with positional and named arguments', () => {
    expect(call('Kafka', [identifier('msk_cluster')], [['kafka_topic_list', stringLiteral('t')], ['kafka_num_consumers', 4]]))
      .toBe("Kafka(msk_cluster, kafka_topic_list = 't', kafka_num_consumers = 4)");
    expect(() => call('f', [Number.NaN])).toThrow(UnsafeSqlError);
  });

  test('every statement is idempotent and never ON CLUSTER', () => {
    const statements = [
      createDatabase('posthog'),
      createTable({
        database: 'posthog', name: 't', columns: [{ name: 'a', type: fragment('String') }], engine: call('MergeTree'),
        orderBy: [fragment('a')], settings: [['index_granularity', 8192]],
      }),
      createMaterializedView({ database: 'posthog', name: 'v', to: 't', from: 's', select: [{ expression: identifier('a') }] }),
    ];
    for (const s of statements) {
      expect(s).toMatch(/^CREATE (TABLE|DATABASE|MATERIALIZED VIEW) IF NOT EXISTS /);
      expect(s).not.toMatch(/ON CLUSTER/i);
    }
    expect(() => createTable({ database: 'd', name: 't', columns: [], engine: call('Memory') })).toThrow(UnsafeSqlError);
  });

  test('quoting round-trips through a real ClickHouse for arbitrary strings and names', async () => {
    const strings = fc.sample(fc.string({ unit: 'binary', minLength: 0, maxLength: 24 }).filter((s) => !s.includes('\0')), { numRuns: 150, seed: 42 });
    const names = fc.sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }).filter((s) => !s.includes('\0') && s.trim() !== ''),
      { numRuns: 60, seed: 7 });
    // Some names a user could plausibly try to inject through.
    const hostile = ['a` ENGINE = Memory; DROP DATABASE x; --', "x'y", 'back\\slash', 'sp ace', 'groups'];
    const tableNames = [...new Set([...names, ...hostile])];
    const snapshot = await inspectRole({
      files: [], env: {}, database: 'quoting',
      queries: [createDatabase('quoting'), ...tableNames.map((n) => `CREATE TABLE ${qualified('quoting', n)} (x UInt8) ENGINE = Memory`)],
      probes: strings.map((s) => `SELECT ${stringLiteral(s)} AS v`),
    });
    expect(snapshot.error).toBeUndefined();
    expect(snapshot.probeResults.map((rows) => rows[0].v)).toEqual(strings);
    expect(snapshot.tables.map((t) => t.name).sort()).toEqual([...tableNames].sort());
  });
});
