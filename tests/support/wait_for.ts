/**
 * Bounded polling for integration tests.
 *
 * The daemon under test works asynchronously (netlink events, Redis round trips), so tests
 * wait for an observable result instead of sleeping. Every wait has a time bound and fails
 * with a message that names what was awaited and the last value the probe returned.
 *
 * @module
 */

/** Options of {@linkcode waitFor}. */
export interface WaitForOptions {
  /** Description of what is awaited, used at the start of the timeout message. */
  message: string;
  /**
   * Upper bound of the whole wait, in milliseconds.
   * @default {5000}
   */
  timeoutMs?: number;
  /**
   * Pause between two probes, in milliseconds.
   * @default {25}
   */
  intervalMs?: number;
}

/** Raised by {@linkcode waitFor} when the probe never returned a usable value in time. */
export class WaitForTimeoutError extends Error {
  /** The last value returned by the probe, or `undefined` when it only threw. */
  readonly lastValue: unknown;

  /**
   * Builds the error from what was awaited and what was last seen.
   *
   * @param message The full error text.
   * @param lastValue The probe's last result.
   * @param cause The probe's last thrown error, if any.
   */
  constructor(message: string, lastValue: unknown, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "WaitForTimeoutError";
    this.lastValue = lastValue;
  }
}

/**
 * Polls `probe` until it returns a value other than `undefined` or `false`, and returns it.
 *
 * A probe that throws counts as "not yet". Its last error becomes the timeout's `cause`.
 * The probe runs at least once, even with `timeoutMs: 0`.
 *
 * @param probe Reads the state under test and returns the awaited value or `undefined`/`false`.
 * @param options What is awaited and the time bounds.
 * @returns The first usable value.
 * @throws {WaitForTimeoutError} When `timeoutMs` passed without a usable value.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  options: WaitForOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastValue: unknown = undefined;
  let lastError: unknown = undefined;
  let attempts = 0;
  while (true) {
    attempts++;
    try {
      const value = await probe();
      lastError = undefined;
      lastValue = value;
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const seen = lastError === undefined
    ? `last value ${describe(lastValue)}`
    : `last probe failed with ${describe(lastError)}`;
  throw new WaitForTimeoutError(
    `Waiting for ${options.message} timed out after ${timeoutMs} ms and ${attempts} probes ` +
      `(${seen}); check the process log or raise timeoutMs`,
    lastValue,
    lastError,
  );
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === undefined) return "undefined";
  try {
    const text = JSON.stringify(value);
    return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text;
  } catch {
    return String(value);
  }
}
