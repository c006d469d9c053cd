/**
 * The replies a connection waits for, oldest first, with one timer for all of their timeouts.
 *
 * @module
 */
import { RedisReplyError } from "./redis_errors.ts";
import type { RespValue } from "./resp_parser.ts";

/** A command, or a batch of commands, waiting for its replies. */
export interface PendingReply {
  /** Replies this entry takes: 1 for a command, one per command for a batch. */
  count: number;
  /** Whether the entry resolves with an array of its replies, even of one. */
  batch: boolean;
  /** Replies received so far; only kept for a batch. */
  replies: RespValue[];
  /**
   * Called with the reply, or with every reply of a batch as an array, error replies included.
   * An error reply to a lone command goes to `reject` instead.
   */
  resolve: (value: RespValue) => void;
  reject: (error: Error) => void;
  /** `performance.now()` after which the entry times out; Infinity for never. */
  deadline: number;
  /** Set once rejected by the timeout: later replies are taken and dropped. */
  timedOut: boolean;
  /** Command name, for the timeout message. */
  command: string;
}

/**
 * A queue of {@link PendingReply} in send order. Redis replies in that order, so each reply
 * goes to the oldest entry that still needs one. Timeouts cost one timer per connection, not one
 * per command: the timer is set for the oldest live entry and moved on when it fires.
 */
export class PendingReplies {
  #entries: PendingReply[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onTimeout: (entry: PendingReply) => void;

  /** @param onTimeout Called once for each entry whose deadline passes without its replies. */
  constructor(onTimeout: (entry: PendingReply) => void) {
    this.#onTimeout = onTimeout;
  }

  /** Entries waiting, timed-out ones included. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Adds an entry at the back and makes sure its deadline is watched. */
  push(entry: PendingReply): void {
    this.#entries.push(entry);
    if (this.#timer === undefined && entry.deadline !== Infinity) this.#arm(entry.deadline);
  }

  /**
   * Gives `value` to the oldest entry. Returns false when nothing waits for a reply, which
   * means the server sent one more reply than commands.
   */
  deliver(value: RespValue): boolean {
    const entry = this.#entries[this.#head];
    if (entry === undefined) return false;
    if (!entry.batch) {
      this.#shift();
      if (entry.timedOut) return true;
      if (value instanceof RedisReplyError) entry.reject(value);
      else entry.resolve(value);
      return true;
    }
    entry.replies.push(value);
    if (entry.replies.length === entry.count) {
      this.#shift();
      if (!entry.timedOut) entry.resolve(entry.replies);
    }
    return true;
  }

  /** Rejects every entry with `error` and empties the queue, for a lost connection. */
  rejectAll(error: Error): void {
    const entries = this.#entries.slice(this.#head);
    this.#entries = [];
    this.#head = 0;
    this.#disarm();
    for (const entry of entries) if (!entry.timedOut) entry.reject(error);
  }

  #shift(): void {
    this.#entries[this.#head] = undefined as unknown as PendingReply;
    this.#head++;
    if (this.#head === this.#entries.length) {
      this.#entries.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(deadline: number): void {
    const delay = Math.max(0, deadline - performance.now());
    this.#timer = setTimeout(() => this.#expire(), Math.ceil(delay));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (entry.timedOut || entry.deadline === Infinity) continue;
      if (entry.deadline > now) {
        this.#arm(entry.deadline);
        return;
      }
      entry.timedOut = true;
      this.#onTimeout(entry);
    }
  }
}
