/**
 * Sample events for a stream, generated from the columns its Kafka table parses: every declared
 * column filled, with edge values (empty strings, unicode, large and negative integers) and, in
 * every 5th event, one field left out. Events differ in all but a few edge cases per column, so
 * rows never share a whole sorting key and a Replacing or Collapsing table keeps each one.
 */

export interface ColumnType {
  readonly name: string;
  readonly type: string;
}

const BASE_TIME_MS = Date.UTC(2026, 0, 15, 12, 0, 0);

function unwrap(type: string): string {
  const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(type.trim());
  return m ? unwrap(m[1]) : type.trim();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function dateTime(i: number, withFraction: boolean): string {
  const d = new Date(BASE_TIME_MS + i * 61_000);
  const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return withFraction ? `${s}.${pad(i % 1_000_000, 6)}` : s;
}

/** Text with what breaks naive pipelines: multi-byte and astral characters, a quote, a backslash. */
const UNICODE_SAMPLE = 'zürich 東京 🦔 "q" \\';

/**
 * A value of a ClickHouse type for the i-th event, or undefined when the type is not generated
 * (the engine then uses the default). Edge values come in turn: every 6th string is empty and
 * the next one unicode; 64-bit integers alternate with values near the type's limits.
 */
export function sampleValue(column: ColumnType, i: number): unknown {
  const type = unwrap(column.type);
  const int = /^U?Int(\d+)$/.exec(type);
  if (int) {
    const unsigned = type.startsWith('U');
    const bits = Number(int[1]);
    if (bits >= 64) {
      // Large integers, distinct per event: near the top of the type's range on odd events.
      const top = unsigned ? 18446744073709551615n : 9223372036854775807n;
      return String(i % 2 === 1 ? top - BigInt(i) : BigInt(i + 1));
    }
    // Stay inside the type's range: small types wrap, so counts above their range repeat values.
    const max = bits >= 32 ? 1_000_000_000 : unsigned ? 2 ** bits : 2 ** (bits - 1);
    const v = (i + 1) % max;
    return !unsigned && i % 4 === 3 ? -v : v;
  }
  if (/^Float(32|64)$/.test(type) || /^Decimal/.test(type)) return i + 0.5;
  if (/^(String|VARCHAR|FixedString\(\d+\)|TEXT)$/i.test(type)) {
    const fixed = /^FixedString\((\d+)\)$/.exec(type);
    const s = i % 6 === 1 ? '' : i % 6 === 2 ? `${UNICODE_SAMPLE} ${column.name} ${i}` : `${column.name}_${i}`;
    return fixed ? s.slice(-Number(fixed[1])) : s;
  }
  if (type === 'UUID') return `00000000-0000-4000-8000-${pad(i, 12)}`;
  if (type === 'Date' || type === 'Date32') return dateTime(i * 1440, false).slice(0, 10);
  if (/^DateTime64/.test(type)) return dateTime(i, true);
  if (/^DateTime/.test(type)) return dateTime(i, false);
  if (type === 'Bool' || type === 'Boolean') return i % 2 === 0;
  if (/^Array\(/.test(type)) return [];
  if (/^Map\(/.test(type)) return {};
  if (/^Enum8|^Enum16/.test(type)) {
    const first = /'((?:[^'\\]|\\.)*)'/.exec(type);
    return first ? first[1] : undefined;
  }
  return undefined;
}

export interface SampleOptions {
  /** Shifts the values, so a second batch for the same stream never repeats the first. @default 0 */
  readonly offset?: number;
  /** Int8 columns of a Collapsing engine's sign: always 1, so every row counts once. @default none */
  readonly signColumns?: readonly string[];
  /** Columns whose values cycle through `every` values (events then share keys built from them). @default none */
  readonly repeat?: { readonly columns: readonly string[]; readonly every: number };
  /**
   * Leave one field out of every 5th event (a different one each time), as producers omit
   * optional fields: the engine fills the column's default.
   * @default true
   */
  readonly omitFields?: boolean;
}

/**
 * `count` JSON events (one line each) for a Kafka table with these columns.
 */
export function sampleEvents(columns: readonly ColumnType[], count: number, options: SampleOptions = {}): string[] {
  const offset = options.offset ?? 0;
  const signs = new Set(options.signColumns ?? []);
  const repeated = new Set(options.repeat?.columns ?? []);
  const every = Math.max(1, options.repeat?.every ?? 1);
  const events: string[] = [];
  for (let n = 0; n < count; n++) {
    const i = n + offset;
    const event: Record<string, unknown> = {};
    // Never a sign or a repeated key column: those carry the drill's meaning.
    const omittable = columns.filter((c) => !signs.has(c.name) && !repeated.has(c.name));
    const omitted = (options.omitFields ?? true) && i % 5 === 4 && omittable.length > 1 ? omittable[Math.floor(i / 5) % omittable.length].name : undefined;
    for (const c of columns) {
      if (c.name === omitted) continue;
      const v = signs.has(c.name) ? 1 : sampleValue(c, repeated.has(c.name) ? i % every : i);
      if (v !== undefined) event[c.name] = v;
    }
    events.push(JSON.stringify(event));
  }
  return events;
}
