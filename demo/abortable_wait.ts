/**
 * Waits that end early when the demo is interrupted (Ctrl-C, SIGTERM).
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 *
 * @param ms Pause length in milliseconds; `Infinity` waits for the abort only.
 * @param signal Ends the pause early.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    if (Number.isFinite(ms)) {
      timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of {@linkcode pollUntil}. */
export interface PollUntilOptions {
  /** Description of the awaited condition, used in the timeout message. */
  message: string;
  /** Upper bound of the wait in milliseconds. */
  timeoutMs: number;
  /**
   * Pause between probes in milliseconds.
   * @default {50}
   */
  intervalMs?: number;
  /** Ends the wait early with `signal.reason`. */
  signal: AbortSignal;
}

/**
 * Calls `probe` until it returns `true`, at most until `timeoutMs` passed. An error thrown by
 * `probe` ends the wait at once, so probes can report a crashed process.
 *
 * @param probe Checks the awaited condition.
 * @param options Bounds and abort signal.
 * @returns `true` when the condition held, `false` on timeout.
 */
export async function pollUntil(
  probe: () => boolean | Promise<boolean>,
  options: PollUntilOptions,
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  while (true) {
    options.signal.throwIfAborted();
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), options.signal);
  }
}

/**
 * Like {@linkcode pollUntil}, but a timeout is an error.
 *
 * @throws {Error} When the condition did not hold within `timeoutMs`.
 */
export async function pollOrThrow(
  probe: () => boolean | Promise<boolean>,
  options: PollUntilOptions,
): Promise<void> {
  if (!await pollUntil(probe, options)) {
    throw new Error(
      `Wait for ${options.message} failed: not seen within ${options.timeoutMs} ms; ` +
        "read the portsyncd log lines above",
    );
  }
}
