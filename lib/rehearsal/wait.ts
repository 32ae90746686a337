const POLL_MS = 250;

export interface WaitOptions {
  /**
   * A check that throws counts as "not yet" (a query against a replica the drill took down);
   * otherwise the error ends the wait and reaches the caller.
   * @default false
   */
  readonly retryErrors?: boolean;
  /**
   * Ends the wait early (false) once this holds: nothing the check waits for can come any more
   * (a stand-in broker that failed).
   * @default never
   */
  readonly giveUpWhen?: () => boolean;
}

/** Polls `check` every 250 ms until it holds (true), or `timeoutMs` passed or `giveUpWhen` holds (false). */
export async function waitUntil(timeoutMs: number, check: () => Promise<boolean>, options: WaitOptions = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await (options.retryErrors ? check().catch(() => false) : check())) return true;
    if (Date.now() > deadline || options.giveUpWhen?.() === true) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
