/**
 * Polls STATE_DB `PORT_TABLE` and reports each change.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { type PortRow, readPortTable, sameRows } from "./port_table.ts";

/** Poll period in milliseconds: fast enough to show one change per second promptly. */
export const WATCH_INTERVAL_MS = 200;

/**
 * Reads STATE_DB `PORT_TABLE` every {@linkcode WATCH_INTERVAL_MS} and calls `onChange` with
 * the new and the previous rows whenever they differ, including the first read.
 */
export class PortTableWatcher {
  #stateDb: Redis;
  #onChange: (rows: PortRow[], previous: PortRow[] | undefined) => void;
  #rows: PortRow[] | undefined;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #error: unknown;

  /**
   * @param stateDb A client on STATE_DB, borrowed and not closed.
   * @param onChange Called after each change, before {@linkcode rows} moves on.
   */
  constructor(
    stateDb: Redis,
    onChange: (rows: PortRow[], previous: PortRow[] | undefined) => void,
  ) {
    this.#stateDb = stateDb;
    this.#onChange = onChange;
  }

  /** Rows of the last read, empty before the first one. */
  get rows(): readonly PortRow[] {
    return this.#rows ?? [];
  }

  /** The error that stopped polling, if any: a failed STATE_DB read. */
  get error(): unknown {
    return this.#error;
  }

  /** Starts polling; the first read happens at once. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops polling and waits for a read in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    // Ends when stop() is called or a read fails.
    while (!this.#stopped) {
      try {
        const rows = await readPortTable(this.#stateDb);
        if (this.#stopped) return;
        if (this.#rows === undefined || !sameRows(rows, this.#rows)) {
          this.#onChange(rows, this.#rows);
          this.#rows = rows;
        }
      } catch (error) {
        if (!this.#stopped) this.#error = error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, WATCH_INTERVAL_MS);
      });
    }
  }
}
