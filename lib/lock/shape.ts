/**
 * The shape of a rendered table or view, read back from the statement the schema renderers
 * produce (`lib/schema/sql.ts` writes one column per line and one clause per line). Reading the
 * rendered statement, not the stream description, keeps the lock generic: whatever the schema
 * renders (codecs, defaults, TTL, settings, new columns or tables) is what the lock records and
 * what a later synth compares. Pure.
 */

/** One column: its name and the rest of its definition (`Int64`, `String DEFAULT '' CODEC(ZSTD(1))`). */
export interface ColumnShape {
  readonly name: string;
  readonly definition: string;
}

/** A table's or view's shape. Absent clauses are left out, so the lock stays small. */
export interface ObjectShape {
  readonly columns?: readonly ColumnShape[];
  /** `ReplicatedMergeTree('/clickhouse/tables/...', '{replica}')`, `Distributed(...)`, `Kafka(...)`. */
  readonly engine?: string;
  readonly partitionBy?: string;
  readonly primaryKey?: string;
  readonly orderBy?: string;
  readonly sampleBy?: string;
  readonly ttl?: string;
  readonly settings?: Readonly<Record<string, string>>;
  /** A materialized view's `TO ... AS SELECT ... FROM ...`, on one line. */
  readonly query?: string;
  readonly comment?: string;
}

/** Thrown when a statement does not have the layout the schema renderers write (a bug guard). */
export class UnreadableStatementError extends Error {
  constructor(statement: string, why: string) {
    super(`Cannot read the shape of a rendered statement (${why}): ${statement.split('\n')[0]}`);
    this.name = 'UnreadableStatementError';
  }
}

const CLAUSES: readonly [RegExp, keyof ObjectShape][] = [
  [/^ENGINE = /, 'engine'],
  [/^PARTITION BY /, 'partitionBy'],
  [/^PRIMARY KEY /, 'primaryKey'],
  [/^ORDER BY /, 'orderBy'],
  [/^SAMPLE BY /, 'sampleBy'],
  [/^TTL\b ?/, 'ttl'],
  [/^SETTINGS\b ?/, 'settings'],
  [/^COMMENT /, 'comment'],
];

/** Splits `a = 1, b = 'x, y'` at top-level commas. */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + separator.length;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

function unquoteIdentifier(text: string): { name: string; rest: string } {
  if (text.startsWith('`')) {
    let i = 1;
    let name = '';
    for (; i < text.length && text[i] !== '`'; i++) {
      if (text[i] === '\\') i++;
      name += text[i];
    }
    return { name, rest: text.slice(i + 1).trim() };
  }
  const m = /^(\S+)\s*(.*)$/.exec(text);
  if (m === null) return { name: text, rest: '' };
  return { name: m[1], rest: m[2] };
}

/** Reads a `CREATE TABLE`, `CREATE MATERIALIZED VIEW`, `CREATE ROLE` or `GRANT` written by the schema's SQL builder. */
export function readShape(statement: string): ObjectShape {
  const lines = statement.replace(/;\s*$/, '').split('\n');
  const head = lines[0];
  if (/^CREATE DATABASE/.test(head)) return {};
  if (/^CREATE MATERIALIZED VIEW/.test(head)) {
    return { query: lines.slice(1).map((l) => l.trim()).join(' ') };
  }
  // Access roles and grants: recorded as their statement (idempotent; re-run whenever it changes).
  if (/^(CREATE ROLE|GRANT)\s/.test(head)) return { query: lines.map((l) => l.trim()).join(' ') };
  if (!/^CREATE TABLE/.test(head)) throw new UnreadableStatementError(statement, 'not a CREATE TABLE, VIEW or DATABASE');
  if (lines[1] !== '(') throw new UnreadableStatementError(statement, 'no column list on its own lines');
  const close = lines.indexOf(')', 2);
  if (close < 0) throw new UnreadableStatementError(statement, 'the column list does not end');
  const columns = lines.slice(2, close).map((line) => {
    const { name, rest } = unquoteIdentifier(line.trim().replace(/,$/, ''));
    return { name, definition: rest.replace(/\s+/g, ' ') };
  });
  const clauses: Record<string, string> = {};
  let current: string | undefined;
  for (const raw of lines.slice(close + 1)) {
    const clause = CLAUSES.find(([re]) => re.test(raw));
    if (clause !== undefined) {
      current = clause[1];
      clauses[current] = raw.replace(clause[0], '').trim();
    } else if (current !== undefined && /^\s/.test(raw)) {
      clauses[current] = `${clauses[current]} ${raw.trim()}`.trim();
    } else {
      throw new UnreadableStatementError(statement, `unknown clause ${JSON.stringify(raw)}`);
    }
  }
  const shape: Record<string, unknown> = { columns };
  for (const [k, v] of Object.entries(clauses)) {
    if (k === 'settings') {
      const settings: Record<string, string> = {};
      for (const part of splitTopLevel(v)) {
        const eq = part.indexOf('=');
        if (eq < 0) throw new UnreadableStatementError(statement, `a setting without a value: ${part}`);
        settings[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
      }
      shape.settings = settings;
    } else {
      shape[k] = v;
    }
  }
  return shape as ObjectShape;
}

const COLUMN_MODIFIER = /^(DEFAULT|MATERIALIZED|ALIAS|EPHEMERAL|CODEC|TTL|COMMENT|STATISTICS|SETTINGS)\b/;

/** A column definition's type and its modifiers (default, codec, TTL, comment), split at the first top-level modifier. */
export function splitColumnDefinition(definition: string): { type: string; modifiers: string } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < definition.length; i++) {
    const ch = definition[i];
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && ch === ' ' && COLUMN_MODIFIER.test(definition.slice(i + 1))) {
      return { type: definition.slice(0, i).trim(), modifiers: definition.slice(i + 1).trim() };
    }
  }
  return { type: definition.trim(), modifiers: '' };
}

/** Whether an expression mentions a column (as a whole word). */
export function mentions(expression: string | undefined, column: string): boolean {
  if (expression === undefined) return false;
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}([^A-Za-z0-9_]|$)`).test(expression);
}
