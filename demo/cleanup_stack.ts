/**
 * Undo actions for what the demo created, run newest first and only once.
 *
 * @module
 */

/** A named undo action registered with {@linkcode CleanupStack.push}. */
interface CleanupAction {
  name: string;
  run: () => Promise<unknown>;
}

/** Result of one action of {@linkcode CleanupStack.run}. */
export interface CleanupResult {
  /** Name given to `push`, e.g. `delete namespace psd-demo-1a2b3c4d`. */
  name: string;
  /** The error the action threw or its timeout, if it failed. */
  error?: unknown;
}

/**
 * Collects undo actions while resources are created and runs them last-in first-out.
 *
 * Every action runs even when an earlier one fails, and each has a time bound, so a hung
 * action cannot keep the demo from deleting its namespace.
 */
export class CleanupStack {
  #actions: CleanupAction[] = [];
  #running: Promise<CleanupResult[]> | undefined;
  #timeoutMs: number;

  /** @param timeoutMs Bound of each action in milliseconds; default 10000. */
  constructor(timeoutMs = 10_000) {
    this.#timeoutMs = timeoutMs;
  }

  /** Number of actions not run yet. */
  get size(): number {
    return this.#actions.length;
  }

  /**
   * Registers an undo action to run before the ones pushed earlier.
   *
   * @param name What the action does, for the report.
   * @param run The action.
   */
  push(name: string, run: () => Promise<unknown>): void {
    this.#actions.push({ name, run });
  }

  /**
   * Runs every action, newest first, one at a time. Later calls return the first call's
   * results, also while it is running.
   *
   * @param onResult Called after each action, for progress output.
   * @returns One result per action, in run order.
   */
  run(onResult?: (result: CleanupResult) => void): Promise<CleanupResult[]> {
    this.#running ??= this.#runAll(onResult);
    return this.#running;
  }

  async #runAll(onResult?: (result: CleanupResult) => void): Promise<CleanupResult[]> {
    const results: CleanupResult[] = [];
    for (let action = this.#actions.pop(); action; action = this.#actions.pop()) {
      const result: CleanupResult = { name: action.name };
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          action.run(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no result within ${this.#timeoutMs} ms`)),
              this.#timeoutMs,
            );
          }),
        ]);
      } catch (error) {
        result.error = error;
      } finally {
        clearTimeout(timer);
      }
      results.push(result);
      onResult?.(result);
    }
    return results;
  }
}
