/**
 * A stand-in for orchagent's reading of APPL_DB `PORT_TABLE`.
 *
 * The daemon's APPL_DB writes stay staged until a consumer pops them, and its own logic
 * depends on that pop: a port counts as known only once the final `PORT_TABLE:<port>` hash
 * exists. Tests pop by hand with `popOnce()`, or let this stand-in pop on
 * every `PORT_TABLE_CHANNEL@0` message like the real orchagent with `startAuto()`.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { ConsumerStateTable, type PoppedEntry } from "./consumer_state_table.ts";

/** Channel the producer publishes `G` on when a key becomes pending (APPL_DB id 0). */
export const PORT_TABLE_CHANNEL = "PORT_TABLE_CHANNEL@0";

/** Pops APPL_DB `PORT_TABLE` like orchagent and keeps a log of what it consumed. */
export class Orchagent {
  /** Every entry popped so far, in pop order. */
  readonly log: PoppedEntry[] = [];
  #client: Redis;
  #table: ConsumerStateTable;
  #subscriber: Redis | undefined;
  #queue: Promise<void> = Promise.resolve();
  #errors: unknown[] = [];

  /** @param client A client on APPL_DB. The stand-in borrows it and does not close it. */
  constructor(client: Redis) {
    this.#client = client;
    this.#table = new ConsumerStateTable(client, "PORT_TABLE");
  }

  /**
   * Pops one batch and appends it to `log`.
   *
   * @returns The entries of this batch.
   */
  async popOnce(): Promise<PoppedEntry[]> {
    const entries = await this.#table.pop();
    this.log.push(...entries);
    return entries;
  }

  /**
   * Subscribes to `PORT_TABLE_CHANNEL@0` on a second connection, pops once at once, then
   * pops after every message until a batch comes back empty.
   *
   * Pops run one at a time. A failed pop is kept and rethrown by `stop()`.
   */
  async startAuto(): Promise<void> {
    if (this.#subscriber !== undefined) return;
    const subscriber = this.#client.duplicate();
    this.#subscriber = subscriber;
    // A duplicate gets none of the original's listeners. Tests stop Redis on purpose and a
    // failed pop is kept and rethrown, so connection errors need no report of their own.
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string) => {
      if (channel === PORT_TABLE_CHANNEL) this.#schedule();
    });
    await subscriber.subscribe(PORT_TABLE_CHANNEL);
    // After a reconnect, publishes sent while the subscriber was away are lost: pop once.
    subscriber.on("ready", () => this.#schedule());
    this.#schedule();
    await this.#queue;
  }

  /**
   * Unsubscribes, waits for the pop in progress and closes the subscriber connection.
   *
   * @throws {Error} The first error of an automatic pop, if any.
   */
  async stop(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber !== undefined) {
      subscriber.removeAllListeners("message");
      subscriber.disconnect();
    }
    await this.#queue;
    if (this.#errors.length > 0) {
      throw new Error("Pop APPL_DB PORT_TABLE in the orchagent stand-in failed; see cause", {
        cause: this.#errors[0],
      });
    }
  }

  #schedule(): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#subscriber === undefined) return;
      try {
        // Bounded: one pop per batch, at most 64 batches per wake-up.
        for (let round = 0; round < 64; round++) {
          if ((await this.popOnce()).length === 0) break;
        }
      } catch (error) {
        this.#errors.push(error);
      }
    });
  }
}
