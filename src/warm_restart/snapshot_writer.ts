import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { StateOperation } from "../sync/port_state_store.ts";
import type { PortStatus } from "../sync/port_status.ts";
import type { SnapshotPort } from "./port_snapshot.ts";
import type { SnapshotFile } from "./snapshot_file.ts";
import type { WarmRestartStats } from "./warm_restart_stats.ts";

/** Shortest time between two logged snapshot write failures. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/** Options of {@link SnapshotWriter}. */
export interface SnapshotWriterOptions {
  file: SnapshotFile;
  /** Minimum time between two writes while running, in milliseconds. */
  intervalMs: number;
  /** Confirmed STATE_DB state per port, such as `PortStateStore.writtenPorts`. */
  writtenPorts: () => Map<string, PortStatus>;
  stats: WarmRestartStats;
  /** Wall clock in milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

const log = getLogger([ROOT_CATEGORY, "warm_restart"]);

/**
 * Keeps the snapshot file in step with STATE_DB: records when each port was written, and
 * saves the file one interval after the first change not yet saved, and once more at stop.
 * Nothing is scheduled while nothing changes, so an idle daemon has no timer here. A failed
 * write is retried one interval later and never reaches the caller. It is logged at most once
 * a minute, with the count of failures not logged.
 */
export class SnapshotWriter {
  #options: SnapshotWriterOptions;
  #now: () => number;
  #writtenAt = new Map<string, number>();
  #dirty = false;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> | undefined;
  #lastFailureLogAt = Number.NEGATIVE_INFINITY;
  #unloggedFailures = 0;

  constructor(options: SnapshotWriterOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a change waits for the next write. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Takes the write times of ports from a loaded snapshot, for ports not written since. */
  seed(ports: Iterable<SnapshotPort>): void {
    for (const port of ports) this.#writtenAt.set(port.name, port.writtenAt);
  }

  /** Records a confirmed STATE_DB write; the next interval saves it. */
  recordWritten(operations: readonly StateOperation[]): void {
    const now = this.#now();
    for (const operation of operations) {
      if (operation.op === "set") this.#writtenAt.set(operation.name, now);
      else this.#writtenAt.delete(operation.name);
    }
    if (operations.length > 0) this.markDirty();
  }

  /** Asks for a write within one interval, such as after a changed ifindex. */
  markDirty(): void {
    this.#dirty = true;
    this.#schedule();
  }

  /** Starts saving changes. A change recorded before the start is saved one interval later. */
  start(): void {
    this.#running = true;
    this.#schedule();
  }

  /** Stops saving changes and saves the file one last time. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    await this.#write();
  }

  /** Arms the one-shot timer unless it is armed, a write runs (its end arms it) or nothing waits. */
  #schedule(): void {
    if (!this.#running || !this.#dirty || this.#timer !== undefined || this.#writing) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#dirty) void this.#write();
    }, this.#options.intervalMs);
  }

  #write(): Promise<void> {
    this.#dirty = false;
    const now = this.#now();
    const ports = new Map<string, SnapshotPort>();
    for (const [name, status] of this.#options.writtenPorts()) {
      ports.set(name, { name, ...status, writtenAt: this.#writtenAt.get(name) ?? now });
    }
    const { file, stats } = this.#options;
    this.#writing = file.write({ savedAt: now, ports }).then(
      () => {
        stats.snapshotWrites++;
      },
      (error) => {
        this.#dirty = true;
        stats.snapshotWriteFailures++;
        this.#logFailure(error);
      },
    ).finally(() => {
      this.#writing = undefined;
      this.#schedule();
    });
    return this.#writing;
  }

  #logFailure(error: unknown): void {
    const now = this.#now();
    if (now - this.#lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) {
      this.#unloggedFailures++;
      return;
    }
    log.error("Failed to save the port snapshot, port sync goes on", {
      file: this.#options.file.path,
      error,
      failures_not_logged: this.#unloggedFailures > 0 ? this.#unloggedFailures : undefined,
    });
    this.#lastFailureLogAt = now;
    this.#unloggedFailures = 0;
  }
}
