/**
 * Landed rows against produced events, field by field. Both sides are rendered by ClickHouse
 * in the same way: the produced JSON lines are parsed with the Kafka table's column types (as
 * the Kafka engine parses them) and cast to the data table's types; the landed rows are read
 * from the data table. A wrong column mapping, a dropped column, a truncation or a lost
 * character therefore shows as a field that differs.
 */
import { EngineProcess } from './engine-process';
import { ColumnType } from './sample-events';

/** One field that differs between a produced event and the row it landed as. */
export interface FieldMismatch {
  readonly column: string;
  readonly produced: unknown;
  readonly landed: unknown;
}

export interface Comparison {
  /** Columns compared: the Kafka table's columns the data table also has. */
  readonly columns: readonly string[];
  /** Produced events with an identical landed row. */
  readonly matched: number;
  /** Fields that differ, over all events paired with their closest landed row. */
  readonly mismatches: number;
  /** The first few differences, for the report. */
  readonly examples: readonly string[];
  /** Produced events with no landed row left to pair with. */
  readonly missing: number;
  /** Landed rows no produced event accounts for. */
  readonly unexpected: number;
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The produced lines as the data table would hold them: parsed with the Kafka columns' types, cast to the data table's. */
export async function normalizeProduced(engine: EngineProcess, lines: readonly string[], kafkaColumns: readonly ColumnType[], dataColumns: readonly ColumnType[]): Promise<string[]> {
  if (lines.length === 0) return [];
  const dataType = new Map(dataColumns.map((c) => [c.name, c.type]));
  const common = kafkaColumns.filter((c) => dataType.has(c.name));
  const structure = kafkaColumns.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
  const select = common.map((c) => `CAST(\`${c.name}\` AS ${dataType.get(c.name)}) AS \`${c.name}\``).join(', ');
  const out = await engine.query(
    `SELECT ${select} FROM format(JSONEachRow, ${sqlString(structure)}, ${sqlString(lines.join('\n'))}) SETTINGS output_format_json_quote_64bit_integers = 1`,
    'JSONEachRow');
  return out.split('\n').filter((l) => l.trim() !== '');
}

/**
 * Pairs produced events with landed rows (both as JSON lines with the same columns): identical
 * lines first, then each remaining event with the remaining row that shares most fields, whose
 * differing fields count as mismatches.
 */
export function compareRows(columns: readonly string[], produced: readonly string[], landed: readonly string[]): Comparison {
  const left = new Map<string, number>();
  for (const l of landed) left.set(l, (left.get(l) ?? 0) + 1);
  const unmatched: Record<string, unknown>[] = [];
  let matched = 0;
  for (const p of produced) {
    const n = left.get(p) ?? 0;
    if (n > 0) {
      left.set(p, n - 1);
      matched++;
    } else unmatched.push(JSON.parse(p) as Record<string, unknown>);
  }
  const rest: Record<string, unknown>[] = [];
  for (const [l, n] of left) for (let i = 0; i < n; i++) rest.push(JSON.parse(l) as Record<string, unknown>);
  let mismatches = 0;
  let missing = 0;
  const examples: string[] = [];
  for (const p of unmatched) {
    let best = -1;
    let bestSame = -1;
    for (const [i, r] of rest.entries()) {
      const same = columns.filter((c) => JSON.stringify(p[c]) === JSON.stringify(r[c])).length;
      if (same > bestSame) {
        best = i;
        bestSame = same;
      }
    }
    // A row sharing no field is not this event's row: the event is missing.
    if (best < 0 || bestSame === 0) {
      missing++;
      continue;
    }
    const r = rest.splice(best, 1)[0];
    for (const c of columns) {
      if (JSON.stringify(p[c]) === JSON.stringify(r[c])) continue;
      mismatches++;
      if (examples.length < 5) examples.push(`${c}: produced ${JSON.stringify(p[c])}, landed ${JSON.stringify(r[c])}`);
    }
  }
  return { columns, matched, mismatches, examples, missing, unexpected: rest.length };
}
