/**
 * The pure type and expression checks against the real thing: each verdict of `typeProblem` is
 * chdb's (a type parses there iff it parses here), and `referencedColumns` finds exactly the
 * columns chdb says an expression reads.
 */
import { referencedColumns, typeProblem } from '../../lib/model';
import { CLICKHOUSE_SERVER_VERSION, SERVER_FEATURES, versionHas } from '../../lib/clickhouse/versions';
import { TestEngine } from '../support/engine';

const GOOD = ['String', 'UInt8', 'Int64', 'VARCHAR', 'varchar', 'DateTime', 'DateTime64', "DateTime64(6, 'UTC')", "DateTime('Europe/Berlin')",
  'Decimal(18, 4)', 'FixedString(16)', 'Nullable(String)', 'LowCardinality(Nullable(String))', 'Array(Array(UInt32))', 'Map(String, UInt64)',
  'Tuple(UInt8, String)', 'Tuple(a UInt8, b String)', "Enum8('a' = 1, 'b' = 2)", 'Bool', 'UUID', 'IPv6', 'Date32', 'double precision',
  'Nested(k String, v UInt64)', 'AggregateFunction(uniq, UUID)', 'SimpleAggregateFunction(sum, UInt64)', 'Variant(String, UInt64)', 'JSON', 'Float32', 'String(3)', 'Tuple()'];
const BAD = ['Strng', 'UUID(3)', 'Array(String, Int8)', 'Nullable', 'Array()', 'Map(String)', 'Int64 DEFAULT 0', 'FixedString',
  'UInt8(', 'LowCardinality(String, String)', "Enum8('a' = 1", 'Decimal(18, x)', 'text text'];

describe('the pure type grammar agrees with chdb', () => {
  let engine: TestEngine;
  beforeAll(async () => { engine = await TestEngine.open([]); }, 60_000);
  afterAll(async () => { await engine?.kill(); });

  test.each([...GOOD.map((t) => [t, true] as const), ...BAD.map((t) => [t, false] as const)])('%s parses: %s', async (type, parses) => {
    const chdb = (await engine.errorOf(`SELECT toTypeName(defaultValueOfTypeName('${type.replace(/'/g, "\\'")}'))`)) === undefined
      && (await engine.errorOf(`CREATE TEMPORARY TABLE t_${Math.abs(hash(type))} (c ${type}) ENGINE = Memory`)) === undefined;
    expect({ type, chdb }).toEqual({ type, chdb: parses });
    expect({ type, pure: typeProblem(type) === undefined }).toEqual({ type, pure: parses });
  });

  test.each([
    ['team_id', ['team_id']],
    ['toDate(timestamp)', ['timestamp']],
    ["cityHash64(concat(toString(team_id), '-', session_id, '-', toString(toDate(timestamp))))", ['team_id', 'session_id', 'timestamp']],
    ['arrayMap(x -> x + 1, counts)', ['counts']],
    ['arrayConcat(_headers.value, [\'clickhouse\'])', ['_headers.value']],
    ['CAST(team_id AS String)', ['team_id']],
    ['timestamp + INTERVAL 1 DAY', ['timestamp']],
    ['`from` || label', ['from', 'label']],
  ])('%s reads %j', async (expression, columns) => {
    expect(referencedColumns(expression)?.sort()).toEqual([...columns].sort());
    // chdb agrees: the expression resolves over exactly these columns, and not without one of them.
    const table = `e_${Math.abs(hash(expression))}`;
    const defs = columns.map((c) => (c === '_headers.value' ? '`_headers.value` Array(String)' : c === 'counts' ? 'counts Array(UInt8)' : `\`${c}\` String`));
    await engine.exec(`CREATE TEMPORARY TABLE ${table} (${defs.join(', ')}) ENGINE = Memory`);
    const cast = expression.replace(/\btimestamp\b/g, 'toDateTime(timestamp)').replace(/\bteam_id\b(?!\s+AS)/g, 'toInt64OrZero(team_id)');
    expect(await engine.errorOf(`SELECT ${cast} FROM ${table}`)).toBeUndefined();
  });
});

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

describe('keywords as column names in expressions, as chdb parses them', () => {
  test('every keyword the builder back-quotes parses as a column in an expression, except the literal ones', async () => {
    const engine = await TestEngine.open([]);
    try {
      const { QUOTED_KEYWORDS, LITERAL_KEYWORDS } = await import('../../lib/model/sql-text');
      const failing: string[] = [];
      for (const w of new Set([...QUOTED_KEYWORDS, ...LITERAL_KEYWORDS])) {
        // A column named w, read bare: does ClickHouse read the column (value 7)?
        const v = await engine.value(`SELECT toString(${w}) FROM (SELECT 7 AS \`${w}\`)`).catch(() => 'error');
        if (v !== '7') failing.push(w);
      }
      expect(failing.sort()).toEqual([...LITERAL_KEYWORDS].sort());
    } finally {
      await engine.kill();
    }
  }, 60_000);
});

describe('the feature table decides which versions have what', () => {
  const reauth = SERVER_FEATURES.kafkaMskIamReauthentication;
  test.each([
    ['26.3.4.29', false], ['26.6.9.1', false], ['26.7.6.36', false], ['26.7.6.37', true], ['26.7.9.2', true],
    ['26.8.1.2018', true], ['26.9.1.5', true], ['27.1.2.3', true], ['25.8.8.26', false],
  ])('%s has the MSK IAM re-authentication fix: %s', (version, has) => {
    expect(versionHas(version, reauth)).toBe(has);
  });
  test('the pinned version has every feature in the table', () => {
    for (const f of Object.values(SERVER_FEATURES)) expect({ feature: f.name, has: versionHas(CLICKHOUSE_SERVER_VERSION, f) }).toEqual({ feature: f.name, has: true });
  });
  test('AWS_MSK_IAM: from the 26.2 line on', () => {
    expect(versionHas('26.1.9.9', SERVER_FEATURES.kafkaMskIam)).toBe(false);
    expect(versionHas('26.2.1.1', SERVER_FEATURES.kafkaMskIam)).toBe(true);
  });
});
