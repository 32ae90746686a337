import { readShape, renderRegionLock, splitColumnDefinition, UnreadableStatementError } from '../../lib/lock';
import { parseRegionLock } from '../../lib/lock/region-lock';
import { evolveRegion } from '../../lib/migrations';
import { buildRegionTopology } from '../../lib/constructs/region-stack';
import { EVOLVING_REGION } from '../../examples/schema-evolution/region';

describe('reading the shape of a rendered statement', () => {
  test('columns (quoted names too), engine, keys, TTL and settings, one clause per line', () => {
    const shape = readShape([
      'CREATE TABLE IF NOT EXISTS posthog.t',
      '(',
      '    a        Int64,',
      "    `odd name` String DEFAULT 'x, y' CODEC(ZSTD(1)),",
      "    ts       DateTime64(6, 'UTC')",
      ')',
      "ENGINE = ReplicatedMergeTree('/p', '{replica}')",
      'PARTITION BY toYYYYMM(ts)',
      'ORDER BY (a, ts)',
      'TTL toDateTime(ts) + toIntervalDay(30)',
      'SETTINGS',
      "    storage_policy = 'tiered',",
      '    merge_with_ttl_timeout = 3600',
    ].join('\n'));
    expect(shape).toEqual({
      columns: [
        { name: 'a', definition: 'Int64' },
        { name: 'odd name', definition: "String DEFAULT 'x, y' CODEC(ZSTD(1))" },
        { name: 'ts', definition: "DateTime64(6, 'UTC')" },
      ],
      engine: "ReplicatedMergeTree('/p', '{replica}')",
      partitionBy: 'toYYYYMM(ts)',
      orderBy: '(a, ts)',
      ttl: 'toDateTime(ts) + toIntervalDay(30)',
      settings: { storage_policy: "'tiered'", merge_with_ttl_timeout: '3600' },
    });
    expect(splitColumnDefinition("Nullable(String) DEFAULT 'CODEC' CODEC(ZSTD(1))")).toEqual({ type: 'Nullable(String)', modifiers: "DEFAULT 'CODEC' CODEC(ZSTD(1))" });
  });

  test('a statement in another layout is a clear bug guard, not a silent mismatch', () => {
    expect(() => readShape('CREATE TABLE t (a Int8) ENGINE = Memory')).toThrow(UnreadableStatementError);
    expect(() => readShape('CREATE TABLE t\n(\n    a Int8\n)\nENGINE = Memory\nWHATEVER 1')).toThrow(/unknown clause "WHATEVER 1"/);
  });

  test('the lock renders one line per column and round-trips; a damaged lock is one clear error', () => {
    const lock = evolveRegion({ topology: buildRegionTopology(EVOLVING_REGION), stack: 'evo', stateKey: 'k' }).lock;
    const text = renderRegionLock(lock);
    expect(text).toContain('          { "name": "team_id", "definition": "Int64" },\n');
    expect(parseRegionLock(text, 'evo.lock.json')).toEqual(lock);
    expect(renderRegionLock(parseRegionLock(text, 'evo.lock.json'))).toBe(text);
    expect(() => parseRegionLock('{"version": 2, "migrations": [{"number": 1}]}', 'evo.lock.json'))
      .toThrow(/evo.lock.json: version: got 2; expected 1[\s\S]*evo.lock.json: migrations\[0\]/);
    expect(() => parseRegionLock('{', 'evo.lock.json')).toThrow(/evo.lock.json: got "\{"; expected JSON/);
  });
});
