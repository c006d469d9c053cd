/**
 * Interval of the probe timer, in milliseconds. One wake-up per second keeps an idle daemon
 * quiet, and a blocked loop still shows at once through the overdue time.
 */
const PROBE_INTERVAL_MS = 1000;

/**
 * Probes in a row without a {@link EventLoopLag.touch} after which the probe timer stops, so
 * an idle daemon has no timer here.
 */
export const IDLE_PROBES = 10;

/**
 * Measures how late the event loop runs a timer: a probe is scheduled every second and the
 * delay beyond that is the lag. A lag near zero means callbacks (netlink batches, Redis
 * replies) run when they are due. The timer does not keep the process alive.
 *
 * The probe runs while there is work: after {@link IDLE_PROBES} probes without a
 * {@linkcode EventLoopLag.touch} it stops, and the lag stays at its last reading until the
 * next touch starts the probe again. Idle, the loop runs only short timers (alert evaluation,
 * scrapes), so the last reading still describes it.
 */
export class EventLoopLag {
  #timer: ReturnType<typeof setInterval> | undefined;
  #started = false;
  #touched = false;
  #quietProbes = 0;
  #expectedAt = 0;
  #lastProbeAt = 0;
  #lagMs = 0;
  #now: () => number;
  #intervalMs: number;

  /**
   * @param now Monotonic clock in ms; replaced in tests.
   * @param intervalMs Time between probes; shorter in tests.
   */
  constructor(now: () => number = () => performance.now(), intervalMs = PROBE_INTERVAL_MS) {
    this.#now = now;
    this.#intervalMs = intervalMs;
  }

  /** Whether the probe timer runs. */
  get probing(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts probing; safe to call twice. */
  start(): void {
    this.#started = true;
    this.#quietProbes = 0;
    this.#arm();
  }

  /** Records work on the loop (a netlink batch) and starts the probe again if it stopped. */
  touch(): void {
    this.#touched = true;
    if (this.#started && this.#timer === undefined) {
      this.#quietProbes = 0;
      this.#arm();
    }
  }

  /** Stops probing. */
  stop(): void {
    this.#started = false;
    this.#disarm();
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#expectedAt = this.#now() + this.#intervalMs;
    this.#lastProbeAt = this.#now();
    const timer = setInterval(() => this.#probe(), this.#intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Current lag in seconds: the larger of the last probe's delay and the time the next probe
   * is overdue, so a loop blocked right now shows up before the probe can run.
   */
  get lagSeconds(): number {
    if (this.#timer === undefined) return this.#lagMs / 1000;
    const overdue = Math.max(0, this.#now() - this.#lastProbeAt - this.#intervalMs);
    return Math.max(this.#lagMs, overdue) / 1000;
  }

  #probe(): void {
    const now = this.#now();
    this.#lagMs = Math.max(0, now - this.#expectedAt);
    this.#lastProbeAt = now;
    this.#expectedAt = now + this.#intervalMs;
    this.#quietProbes = this.#touched ? 0 : this.#quietProbes + 1;
    this.#touched = false;
    if (this.#quietProbes >= IDLE_PROBES) this.#disarm();
  }
}
