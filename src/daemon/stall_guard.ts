import { getLogger } from "@logtape/logtape";
import type { RedisClient } from "../redis/redis_client.ts";
import { CommandTimeoutError } from "../redis/redis_errors.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";

/** Delay between two PING probes of a stalled connection, in ms. */
export const STALL_PROBE_INTERVAL_MS = 200;

/** Options of {@link StallGuard}. */
export interface StallGuardOptions {
  /** Connection to watch. Its `commandTimeoutMs` bounds each probe. */
  client: Pick<RedisClient, "ping">;
  /** Database name for the log, such as `STATE_DB`. */
  dbName: string;
  /** Called once when a stalled connection replies to a probe. */
  onRecovered: () => void;
  /** Delay between probes in ms. @default {STALL_PROBE_INTERVAL_MS} */
  probeIntervalMs?: number;
}

const log = getLogger([ROOT_CATEGORY, "redis"]);

/** Returns whether `error` is the rejection of a command that got no reply in time. */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof CommandTimeoutError;
}

/**
 * Detects a Redis connection that stopped replying, such as one to a server stopped with
 * SIGSTOP: the socket stays open, so the client sees no disconnect and no reconnect follows.
 *
 * The first command that times out marks the connection stalled. The caller then skips its
 * writes (their changes stay pending and coalesce), so the netlink loop does not wait one
 * command timeout per batch. A PING is sent every {@link STALL_PROBE_INTERVAL_MS} until one
 * gets a reply. Redis runs the commands of one connection in order, so that reply also means
 * that every command sent before it, including timed-out ones, has run. Then
 * `onRecovered` writes what is pending, after those late commands.
 */
export class StallGuard {
  #options: StallGuardOptions;
  #stalledSince: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: StallGuardOptions) {
    this.#options = options;
  }

  /** Whether the connection is taken as not replying. */
  get stalled(): boolean {
    return this.#stalledSince !== undefined;
  }

  /** Runs `work` on the connection and marks it stalled when the work timed out. */
  async watch<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (isCommandTimeout(error)) this.#stall();
      throw error;
    }
  }

  /**
   * Ends a stall without calling `onRecovered`, for a reconnect whose own handler writes what
   * is pending and resyncs. A new connection has no late commands queued.
   */
  clear(): void {
    if (this.#stalledSince === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stalledSince = undefined;
  }

  /** Stops probing. */
  close(): void {
    this.#closed = true;
    this.clear();
  }

  #stall(): void {
    if (this.#closed || this.#stalledSince !== undefined) return;
    this.#stalledSince = performance.now();
    log.warning("Redis command timed out, holding writes until Redis replies to PING", {
      db: this.#options.dbName,
    });
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    this.#timer = setTimeout(
      () => void this.#probe(),
      this.#options.probeIntervalMs ?? STALL_PROBE_INTERVAL_MS,
    );
  }

  async #probe(): Promise<void> {
    this.#timer = undefined;
    const since = this.#stalledSince;
    if (since === undefined || this.#closed) return;
    try {
      await this.#options.client.ping();
    } catch {
      if (this.#stalledSince === since && !this.#closed) this.#scheduleProbe();
      return;
    }
    if (this.#stalledSince !== since || this.#closed) return;
    this.#stalledSince = undefined;
    log.info("Redis replies again, writing pending changes and resyncing", {
      db: this.#options.dbName,
      stalled_ms: Math.round(performance.now() - since),
    });
    this.#options.onRecovered();
  }
}
