// What every drill takes and returns, apart from drills.ts so that a drill in a file of its own
// (dead-letter-drill.ts) and the registry that lists it (drills.ts) do not import each other.

/** One drill's outcome. */
export interface DrillReport {
  readonly name: string;
  readonly ok: boolean;
  /** Why the drill did not run (the region has nothing it applies to). */
  readonly skipped?: string;
  /** What happened, step by step. */
  readonly details: readonly string[];
  readonly seconds: number;
}

export interface DrillOptions {
  /**
   * Events per step.
   * @default 10 (pod replacement produces two batches)
   */
  readonly events?: number;
  /**
   * How long each wait may take.
   * @default 90 s
   */
  readonly timeoutMs?: number;
  /** Progress lines. @default none */
  readonly onProgress?: (line: string) => void;
  /** The stream to drill. @default the first stream the drill applies to */
  readonly stream?: string;
}
