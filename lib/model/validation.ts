/** One thing wrong with a description: where, what was given, and what is expected. */
export interface Problem {
  /** Path of the field in the spec, e.g. `storage.shards` or `ingestionTiers[1].role`. */
  readonly field: string;
  /** The value given, as the user wrote it. */
  readonly value: unknown;
  /** What would be accepted. */
  readonly expected: string;
}

/** Thrown once, before anything is written, with every problem found in a description. */
export class TopologyValidationError extends Error {
  public readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], subject = 'region description') {
    super(
      `Invalid ${subject}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((p) => `  - ${p.field}: got ${describeValue(p.value)}; expected ${p.expected}`).join('\n'),
    );
    this.name = 'TopologyValidationError';
    this.problems = problems;
  }
}

/** Collects problems so that validation can report all of them at once. */
export class Problems {
  private readonly list: Problem[] = [];

  public add(field: string, value: unknown, expected: string): void {
    this.list.push({ field, value, expected });
  }

  /** Adds a problem unless `ok`; returns `ok` so callers can guard dependent checks. */
  public check(ok: boolean, field: string, value: unknown, expected: string): boolean {
    if (!ok) this.add(field, value, expected);
    return ok;
  }

  /** A whole number within [min, max]. */
  public count(field: string, value: unknown, min: number, max: number): boolean {
    return this.check(
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      field,
      value,
      `a whole number from ${min} to ${max}`,
    );
  }

  public merge(other: Problems): void {
    this.list.push(...other.list);
  }

  public get all(): readonly Problem[] {
    return this.list;
  }

  public get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws one error listing every problem, if any. */
  public throwIfAny(subject?: string): void {
    if (this.list.length > 0) throw new TopologyValidationError(this.list, subject);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? json.slice(0, 117) + '...' : json;
  } catch {
    return String(value);
  }
}

/**
 * Parses a committed JSON file (a lock) with one clear error, naming the file, when it is not
 * JSON. What the value must look like is the caller's to check.
 */
export function parseJsonFile(text: string, source: string, subject: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const problems = new Problems();
    problems.add(source, text.slice(0, 80), `JSON (${(e as Error).message})`);
    problems.throwIfAny(subject);
    throw e; // unreachable: throwIfAny threw
  }
}
