/**
 * Times keyspace notifications of a key pattern, the way any other SONiC daemon would see
 * STATE_DB and APPL_DB change.
 *
 * @module
 */

import type { Redis } from "ioredis";

/** Arrival times of keyspace notifications for keys under one prefix. */
export class KeyspaceWatch {
  /** Notifications received so far. */
  count = 0;
  /** `performance.now()` of the last notification, 0 before the first. */
  lastAt = 0;
  #subscriber: Redis;
  #prefix: string;
  #waiters = new Map<string, (at: number) => void>();

  private constructor(subscriber: Redis, prefix: string) {
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    subscriber.on("pmessage", (_pattern: string, channel: string) => {
      const at = performance.now();
      this.count++;
      this.lastAt = at;
      const key = channel.slice(prefix.length);
      const waiter = this.#waiters.get(key);
      if (waiter) {
        this.#waiters.delete(key);
        waiter(at);
      }
    });
  }

  /**
   * Subscribes on a duplicate of `client` to `__keyspace@<db>__:<keyPrefix>*`.
   * @param db Logical database number.
   */
  static async start(client: Redis, db: number, keyPrefix: string): Promise<KeyspaceWatch> {
    const subscriber = client.duplicate();
    const prefix = `__keyspace@${db}__:`;
    const watch = new KeyspaceWatch(subscriber, prefix);
    await subscriber.psubscribe(`${prefix}${keyPrefix}*`);
    return watch;
  }

  /** Resolves with the arrival time of the next notification about `key`. */
  next(key: string): Promise<number> {
    return new Promise((resolve) => this.#waiters.set(key, resolve));
  }

  /** Forgets a waiter that timed out. */
  cancel(key: string): void {
    this.#waiters.delete(key);
  }

  /** Closes the subscriber connection. */
  close(): void {
    this.#subscriber.disconnect();
  }
}
