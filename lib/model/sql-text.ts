/**
 * Pure checks of the SQL text a stream declares (types and key expressions), so that synth can
 * refuse what ClickHouse would refuse on the servers without needing ClickHouse. No maintained
 * JavaScript parser covers ClickHouse's dialect (node-sql-parser and friends reject its engines,
 * lambdas and type names), so these are two small grammars. `__tests__/model/sql-text.test.ts`
 * checks their verdicts against chdb's parser on a corpus of good and bad input.
 */

/**
 * Keywords that end or change a clause where a column or table name stands (`SELECT from FROM t`,
 * `ORDER BY order`): such names are back-quoted although they have the bare-word shape.
 */
export const QUOTED_KEYWORDS: ReadonlySet<string> = new Set([
  'all', 'alter', 'and', 'any', 'array', 'as', 'asc', 'between', 'by', 'case', 'cast', 'create', 'cross', 'default', 'delete', 'desc',
  'distinct', 'drop', 'else', 'end', 'except', 'exists', 'false', 'final', 'format', 'from', 'full', 'global', 'group', 'having', 'if',
  'ilike', 'in', 'inner', 'insert', 'intersect', 'interval', 'into', 'is', 'join', 'key', 'left', 'like', 'limit', 'not', 'null', 'offset',
  'on', 'or', 'order', 'outer', 'prewhere', 'primary', 'right', 'sample', 'select', 'settings', 'table', 'then', 'to', 'true', 'ttl',
  'union', 'using', 'when', 'where', 'window', 'with',
]);

/** Type families whose names are case-sensitive (`system.data_type_families`, ClickHouse 26.7). */
const CASE_SENSITIVE_TYPES = new Set(('AggregateFunction Array BFloat16 Dynamic Enum16 Enum8 FixedString Float32 Float64 Geometry IPv4 IPv6 ' +
  'Int128 Int16 Int256 Int32 Int64 Int8 IntervalDay IntervalHour IntervalMicrosecond IntervalMillisecond IntervalMinute IntervalMonth ' +
  'IntervalNanosecond IntervalQuarter IntervalSecond IntervalWeek IntervalYear LineString LowCardinality Map MultiLineString MultiPolygon ' +
  'Nested Nothing Nullable Point Polygon QBit Ring SimpleAggregateFunction String Tuple UInt128 UInt16 UInt256 UInt32 UInt64 UInt8 UUID Variant').split(' '));

/** Type families ClickHouse matches case-insensitively, SQL aliases included (same source). */
const CASE_INSENSITIVE_TYPES = new Set([
  'BIGINT', 'BIGINT SIGNED', 'BIGINT UNSIGNED', 'BINARY', 'BINARY LARGE OBJECT', 'BINARY VARYING', 'BIT', 'BLOB', 'BYTE', 'BYTEA', 'BOOL',
  'CHAR', 'CHAR LARGE OBJECT', 'CHAR VARYING', 'CHARACTER', 'CHARACTER LARGE OBJECT', 'CHARACTER VARYING', 'CLOB', 'DEC', 'DOUBLE',
  'DOUBLE PRECISION', 'DATE', 'DATE32', 'DATETIME', 'DATETIME32', 'DATETIME64', 'DECIMAL', 'DECIMAL128', 'DECIMAL256', 'DECIMAL32',
  'DECIMAL64', 'ENUM', 'FIXED', 'FLOAT', 'INET4', 'INET6', 'INT', 'INT SIGNED', 'INT UNSIGNED', 'INT1', 'INT1 SIGNED', 'INT1 UNSIGNED',
  'INTEGER', 'INTEGER SIGNED', 'INTEGER UNSIGNED', 'JSON', 'LONGBLOB', 'LONGTEXT', 'MEDIUMBLOB', 'MEDIUMINT', 'MEDIUMINT SIGNED',
  'MEDIUMINT UNSIGNED', 'MEDIUMTEXT', 'NATIONAL CHAR', 'NATIONAL CHAR VARYING', 'NATIONAL CHARACTER', 'NATIONAL CHARACTER LARGE OBJECT',
  'NATIONAL CHARACTER VARYING', 'NCHAR', 'NCHAR LARGE OBJECT', 'NCHAR VARYING', 'NUMERIC', 'NVARCHAR', 'REAL', 'SET', 'SIGNED', 'SINGLE',
  'SMALLINT', 'SMALLINT SIGNED', 'SMALLINT UNSIGNED', 'TEXT', 'TIMESTAMP', 'TINYBLOB', 'TINYINT', 'TINYINT SIGNED', 'TINYINT UNSIGNED',
  'TINYTEXT', 'TIME', 'TIME64', 'UNSIGNED', 'VARBINARY', 'VARCHAR', 'VARCHAR2', 'YEAR', 'BOOLEAN',
]);

/** Families that take no arguments at all (`String(3)` is an error). */
// (String takes a length and ignores it, as SQL's VARCHAR(255); so it is not here.)
const NO_ARGUMENTS = new Set(['UUID', 'IPv4', 'IPv6', 'Float32', 'Float64', 'BFloat16', 'Nothing', 'Point', 'Ring', 'Polygon',
  'LineString', 'MultiLineString', 'MultiPolygon', 'DATE', 'DATE32', 'BOOL', 'BOOLEAN',
  ...[8, 16, 32, 64, 128, 256].flatMap((n) => [`Int${n}`, `UInt${n}`])]);
/** Families whose arguments are types. */
const TYPE_ARGUMENTS: Readonly<Record<string, [number, number]>> = {
  Nullable: [1, 1], LowCardinality: [1, 1], Array: [1, 1], Map: [2, 2], Variant: [1, 1000],
};

type Token = { kind: 'word' | 'number' | 'string' | 'quoted' | 'punct'; text: string };

/** Splits SQL text into tokens; undefined when a literal or quoted name never closes. */
function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === "'" || ch === '`' || ch === '"') {
      let j = i + 1;
      let value = '';
      for (; j < text.length && text[j] !== ch; j++) {
        if (text[j] === '\\') j++;
        value += text[j] ?? '';
      }
      if (j >= text.length) return undefined;
      tokens.push({ kind: ch === "'" ? 'string' : 'quoted', text: value });
      i = j + 1;
      continue;
    }
    const number = /^(0x[0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (number) { tokens.push({ kind: 'number', text: number[0] }); i += number[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) { tokens.push({ kind: 'word', text: word[0] }); i += word[0].length; continue; }
    const two = text.slice(i, i + 2);
    if (['->', '::', '<=', '>=', '!=', '<>', '||', '=='].includes(two)) { tokens.push({ kind: 'punct', text: two }); i += 2; continue; }
    tokens.push({ kind: 'punct', text: ch });
    i++;
  }
  return tokens;
}

/** Why a ClickHouse type does not parse, or undefined when it does. */
export function typeProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.trim() === '') return 'a type name';
  const tokens = tokenize(text);
  if (tokens === undefined) return 'closed quotes';
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const fail = (why: string): never => { throw new TypeSyntaxError(why); };
  const expect = (p: string): void => {
    if (peek()?.kind !== 'punct' || peek()?.text !== p) fail(`'${p}' after ${tokens.slice(0, pos).map((t) => t.text).join(' ') || 'the start'}`);
    pos++;
  };
  // A family name: one case-sensitive word, or the longest case-insensitive (multi-word) name.
  const familyName = (): string => {
    const first = peek();
    if (first?.kind !== 'word') return fail(`a type name, not ${first === undefined ? 'nothing' : `'${first.text}'`}`);
    let best: { name: string; length: number } | undefined;
    if (CASE_SENSITIVE_TYPES.has(first.text)) best = { name: first.text, length: 1 };
    for (let n = 1; n <= 4 && pos + n <= tokens.length; n++) {
      const words = tokens.slice(pos, pos + n);
      if (words.some((w) => w.kind !== 'word')) break;
      const upper = words.map((w) => w.text.toUpperCase()).join(' ');
      if (CASE_INSENSITIVE_TYPES.has(upper) && (best === undefined || n > best.length)) best = { name: upper, length: n };
    }
    if (best === undefined) return fail(`a known type, not '${first.text}'`);
    pos += best.length;
    return best.name;
  };
  const literal = (): void => {
    const t = peek();
    if (t?.kind === 'punct' && t.text === '-') pos++;
    const v = peek();
    if (v?.kind !== 'number' && v?.kind !== 'string') fail(`a number or a quoted string, not '${v?.text ?? 'nothing'}'`);
    pos++;
  };
  const type = (): void => {
    const name = familyName();
    if (peek()?.kind !== 'punct' || peek()?.text !== '(') {
      if (name in TYPE_ARGUMENTS || ['FixedString', 'Enum8', 'Enum16', 'Tuple', 'Nested', 'AggregateFunction', 'SimpleAggregateFunction', 'QBit'].includes(name)) {
        fail(`arguments for ${name}`);
      }
      return;
    }
    if (NO_ARGUMENTS.has(name)) fail(`no arguments for ${name}`);
    pos++;
    if (name === 'Tuple' && peek()?.text === ')') { pos++; return; }
    let count = 0;
    for (;;) {
      count++;
      if (name in TYPE_ARGUMENTS) type();
      else if (name === 'Tuple' || name === 'Nested' || name === 'JSON') {
        // `name Type` (a named element) or a bare type.
        const next = tokens[pos + 1];
        if ((peek()?.kind === 'word' || peek()?.kind === 'quoted') && next?.kind === 'word' && name !== 'JSON') pos++;
        if (name === 'JSON' && peek()?.kind === 'word' && !/^[A-Z]/.test(peek()!.text) && next?.kind === 'punct' && next.text === '=') { pos += 2; literal(); } else type();
      } else if (name === 'AggregateFunction' || name === 'SimpleAggregateFunction') {
        if (count === 1) {
          if (peek()?.kind !== 'word') fail('an aggregate function name');
          pos++;
          if (peek()?.text === '(') { pos++; while (peek() !== undefined && peek()!.text !== ')') pos++; expect(')'); }
        } else type();
      } else if (name === 'Enum8' || name === 'Enum16' || name === 'ENUM') {
        if (peek()?.kind !== 'string') fail(`a quoted name in ${name}`);
        pos++;
        if (peek()?.text === '=') { pos++; literal(); }
      } else literal();
      if (peek()?.kind === 'punct' && peek()?.text === ',') { pos++; continue; }
      break;
    }
    expect(')');
    const arity = TYPE_ARGUMENTS[name];
    if (arity !== undefined && (count < arity[0] || count > arity[1])) {
      fail(`${arity[0] === arity[1] ? arity[0] : `${arity[0]} or more`} type argument${arity[1] === 1 ? '' : 's'} for ${name}`);
    }
    if (name === 'FixedString' && count !== 1) fail('one length for FixedString');
  };
  try {
    type();
    if (pos < tokens.length) fail(`nothing after the type, not '${tokens[pos].text}'`);
    return undefined;
  } catch (e) {
    if (e instanceof TypeSyntaxError) return e.message;
    throw e;
  }
}

class TypeSyntaxError extends Error {}

/** Words that are syntax inside an expression, never column names. */
const EXPRESSION_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'LIKE', 'ILIKE', 'BETWEEN', 'CASE', 'WHEN', 'THEN', 'ELSE',
  'END', 'INTERVAL', 'TRUE', 'FALSE', 'DESC', 'ASC', 'NULLS', 'COLLATE', 'GLOBAL', 'DISTINCT', 'FROM', 'BOTH', 'LEADING', 'TRAILING']);

/**
 * The column names an expression reads: every bare or quoted name that is not a function call, a
 * keyword, a type after `AS`/`::`, or a lambda parameter; `a.b` counts as `a.b` (a nested column).
 * Undefined when a quote never closes.
 */
export function referencedColumns(expression: string): string[] | undefined {
  const tokens = tokenize(expression);
  if (tokens === undefined) return undefined;
  const lambdaParams = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.kind !== 'punct' || t.text !== '->') return;
    const before = tokens[i - 1];
    if (before?.kind === 'word' || before?.kind === 'quoted') lambdaParams.add(before.text);
    else if (before?.text === ')') {
      for (let j = i - 2; j >= 0 && tokens[j].text !== '('; j--) if (tokens[j].kind === 'word') lambdaParams.add(tokens[j].text);
    }
  });
  const names: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    const prev = tokens[i - 1];
    if (prev?.kind === 'punct' && prev.text === '::') continue;
    if (prev?.kind === 'word' && prev.text.toUpperCase() === 'AS') continue;
    // `INTERVAL 1 DAY`: the unit after an interval's count.
    if (tokens[i - 2]?.kind === 'word' && tokens[i - 2].text.toUpperCase() === 'INTERVAL' && (prev?.kind === 'number' || prev?.kind === 'string')) continue;
    if (t.kind === 'word' && (EXPRESSION_KEYWORDS.has(t.text.toUpperCase()) || t.text.toUpperCase() === 'AS')) continue;
    const next = tokens[i + 1];
    if (next?.kind === 'punct' && next.text === '(') continue;
    if (next?.kind === 'punct' && next.text === '->') continue;
    let name = t.text;
    while (tokens[i + 1]?.text === '.' && (tokens[i + 2]?.kind === 'word' || tokens[i + 2]?.kind === 'quoted')) {
      name += '.' + tokens[i + 2].text;
      i += 2;
    }
    if (!lambdaParams.has(name)) names.push(name);
  }
  return [...new Set(names)];
}

/**
 * Words that ClickHouse reads as a literal or an operator even where a column of that name exists
 * (`null`, `true`, `false`, `not`): written bare in an expression they silently mean the literal.
 * Every other keyword parses as a column name there (checked against chdb in sql-text.test.ts).
 */
export const LITERAL_KEYWORDS: ReadonlySet<string> = new Set(['null', 'true', 'false', 'not']);

/** Bare words of an expression that name one of `columns` but read as a literal or operator. */
export function bareKeywordColumns(expression: string, columns: readonly string[]): string[] {
  const tokens = tokenize(expression) ?? [];
  return [...new Set(tokens.filter((t) => t.kind === 'word' && LITERAL_KEYWORDS.has(t.text.toLowerCase()) && columns.includes(t.text)).map((t) => t.text))];
}
