/**
 * Interval of the probe timer, in milliseconds. One wake-up per second keeps an idle daemon
 * quiet, and a blocked loop still shows at once through the overdue time.
 */
const PROBE_INTERVAL_MS = 1000;

/**
 * Measures how late the event loop runs a timer: a probe is scheduled every second and the
 * delay beyond that is the lag. A lag near zero means callbacks (netlink batches, Redis
 * replies) run when they are due. The timer does not keep the process alive.
 */
export class EventLoopLag {
  #timer: ReturnType<typeof setInterval> | undefined;
  #expectedAt = 0;
  #lastProbeAt = 0;
  #lagMs = 0;
  #now: () => number;

  /** @param now Monotonic clock in ms; replaced in tests. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Starts probing; safe to call twice. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#expectedAt = this.#now() + PROBE_INTERVAL_MS;
    this.#lastProbeAt = this.#now();
    const timer = setInterval(() => this.#probe(), PROBE_INTERVAL_MS);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Stops probing. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Current lag in seconds: the larger of the last probe's delay and the time the next probe
   * is overdue, so a loop blocked right now shows up before the probe can run.
   */
  get lagSeconds(): number {
    if (this.#timer === undefined) return this.#lagMs / 1000;
    const overdue = Math.max(0, this.#now() - this.#lastProbeAt - PROBE_INTERVAL_MS);
    return Math.max(this.#lagMs, overdue) / 1000;
  }

  #probe(): void {
    const now = this.#now();
    this.#lagMs = Math.max(0, now - this.#expectedAt);
    this.#lastProbeAt = now;
    this.#expectedAt = now + PROBE_INTERVAL_MS;
  }
}
