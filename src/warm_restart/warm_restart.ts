import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { LinkEvent } from "../sync/link_event.ts";
import { isPortName } from "../sync/link_filter.ts";
import type { PortStateStore } from "../sync/port_state_store.ts";
import { sameFields } from "../sync/port_status.ts";
import type { SyncObserver } from "../sync/port_sync.ts";
import type { PortSnapshot } from "./port_snapshot.ts";
import type { SnapshotFile } from "./snapshot_file.ts";
import { SnapshotWriter } from "./snapshot_writer.ts";
import { parseOwnedFields } from "./state_db_ports.ts";
import { type WarmRestartPhase, WarmRestartStateMachine } from "./warm_restart_state_machine.ts";
import type { WarmRestartStats } from "./warm_restart_stats.ts";

/** The part of `PortSync` that reconciliation uses. */
export interface ReconcileTarget {
  holdWrites: boolean;
  flush(): Promise<boolean>;
}

/** Options of {@link WarmRestart}. */
export interface WarmRestartOptions {
  /** Whether `checkWarmStart` reported a warm start. */
  warm: boolean;
  store: PortStateStore;
  snapshotFile: SnapshotFile;
  /** Minimum time between two snapshot writes while running, in milliseconds. */
  snapshotIntervalMs: number;
  /** Maximum wait for the start-up dump before reconciling anyway, in milliseconds. */
  initialSyncTimeoutMs: number;
  /** Writes `WARM_RESTART_TABLE|portsyncd` field `state`, retrying until it succeeds. */
  writePhase: (phase: WarmRestartPhase) => Promise<void>;
  /** Reads STATE_DB `PORT_TABLE|<name>` hashes; names without one are left out. */
  readStatePorts: (names: string[]) => Promise<Map<string, Record<string, string>>>;
  stats: WarmRestartStats;
  /** Monotonic milliseconds since process start; replaced in tests. */
  uptimeMs?: () => number;
  /** Wall clock in milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

/** End of the initial sync: the names in the start-up dump, or undefined after the timeout. */
export type InitialSyncEnd = { seenNames: ReadonlySet<string> } | undefined;

/** One-line result of a reconciliation. */
export interface ReconcileSummary {
  unchanged: number;
  updated: string[];
  removed: string[];
  /** Milliseconds from process start to the end of reconciliation. */
  durationMs: number;
}

const log = getLogger([ROOT_CATEGORY, "warm_restart"]);

/**
 * Warm restart of the daemon, from the state machine in Redis to the snapshot on disk.
 *
 * In a warm start the daemon keeps back STATE_DB writes during the initial sync (the start-up
 * dump and whatever events arrive with it), with the store primed from STATE_DB. When the
 * dump completes, or the timeout passes, it compares the kernel's view with STATE_DB and the
 * snapshot, writes only the ports whose owned fields differ, deletes the entries of ports
 * whose netdev is gone, and lets the held events go out in the same write. A cold start only
 * keeps the snapshot file up to date for the next warm start.
 */
export class WarmRestart {
  #options: WarmRestartOptions;
  #machine: WarmRestartStateMachine;
  #writer: SnapshotWriter;
  #snapshot: PortSnapshot | undefined;
  #expected = new Set<string>();
  #checkedNames: string[] = [];
  #stateDbNames = new Set<string>();
  #kernel = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;
  #uptimeMs: () => number;

  constructor(options: WarmRestartOptions) {
    this.#options = options;
    this.#uptimeMs = options.uptimeMs ?? (() => performance.now());
    this.#machine = new WarmRestartStateMachine(options.writePhase);
    this.#writer = new SnapshotWriter({
      file: options.snapshotFile,
      intervalMs: options.snapshotIntervalMs,
      writtenPorts: () => options.store.writtenPorts(),
      stats: options.stats,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Whether the initial sync has ended (and, when warm, reconciliation has run). */
  get initialSyncDone(): boolean {
    return this.#done;
  }

  /** Warm-restart phases entered by this process, in order; empty after a cold start. */
  get phases(): readonly WarmRestartPhase[] {
    return this.#machine.history;
  }

  /** Observer that records STATE_DB writes for the snapshot; chain it with other observers. */
  readonly syncObserver: SyncObserver = {
    stateWritten: (operations) => this.#writer.recordWritten(operations),
  };

  /**
   * Counts the start and, when warm, enters `initialized`, loads the snapshot and enters
   * `restored` if it is usable. An unusable snapshot gives one warning naming the file and
   * the reason, and the restart goes on without it.
   */
  async begin(): Promise<void> {
    const { warm, stats, snapshotFile } = this.#options;
    if (!warm) {
      stats.coldStarts++;
      return;
    }
    stats.warmStarts++;
    await this.#machine.enter("initialized");
    const loaded = await snapshotFile.load();
    if (!loaded.ok) {
      stats.snapshotLoadFailures++;
      log.warning("Port snapshot unusable, reconciling against STATE_DB only", {
        file: snapshotFile.path,
        reason: loaded.reason,
        kept_as: loaded.keptAs,
      });
      return;
    }
    this.#snapshot = loaded.snapshot;
    this.#writer.seed(loaded.snapshot.ports.values());
    log.info("Loaded port snapshot", {
      file: snapshotFile.path,
      ports: loaded.snapshot.ports.size,
      saved_at: new Date(loaded.snapshot.savedAt).toISOString(),
    });
    await this.#machine.enter("restored");
  }

  /**
   * Primes the store with STATE_DB before any link event is handled (warm only): the
   * entries of the configured ports and of the ports in the snapshot, so dump replies that
   * match STATE_DB write nothing. Call before the first batch.
   *
   * @param configured CONFIG_DB port names, the ports the initial sync waits for.
   */
  async prime(configured: Iterable<string>): Promise<void> {
    this.#expected = new Set(configured);
    if (!this.#options.warm) return;
    const names = new Set(this.#expected);
    for (const name of this.#snapshot?.ports.keys() ?? []) names.add(name);
    this.#checkedNames = [...names];
    const entries = await this.#options.readStatePorts(this.#checkedNames);
    for (const name of this.#checkedNames) {
      const fields = entries.get(name);
      if (fields === undefined) {
        this.#options.store.assumeWritten(name, null);
        continue;
      }
      this.#stateDbNames.add(name);
      const saved = this.#snapshot?.ports.get(name);
      const status = parseOwnedFields(fields, saved?.ifindex ?? 0);
      if (status === undefined) continue;
      this.#options.store.assumeWritten(name, status);
      if (saved && !sameFields(saved, status)) {
        log.info("STATE_DB entry differs from the snapshot, the kernel decides", {
          port: name,
          ifindex: saved.ifindex,
        });
      }
    }
  }

  /**
   * Starts the initial-sync timer; `onTimeout` should queue {@link finishInitialSync} with
   * no dump result.
   */
  startInitialSync(onTimeout: () => void): void {
    if (this.#done || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      onTimeout();
    }, this.#options.initialSyncTimeoutMs);
  }

  /** Notes the kernel's view from a batch of events, before the batch is applied. */
  observe(events: readonly LinkEvent[]): void {
    if (this.#done) return;
    for (const event of events) {
      if (event.op === "new") this.#kernel.set(event.name, event.ifindex);
      else if (this.#kernel.get(event.name) === event.ifindex) this.#kernel.delete(event.name);
    }
  }

  /**
   * Ends the initial sync: on the start-up dump's NLMSG_DONE (`end` carries its names) or on
   * the timeout (`end` undefined, with a warning naming the configured ports not seen). When
   * warm, reconciles and writes `reconciled`. Later calls do nothing.
   */
  async finishInitialSync(
    sync: ReconcileTarget,
    end: InitialSyncEnd,
  ): Promise<ReconcileSummary | undefined> {
    if (this.#done) return undefined;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (end === undefined) {
      this.#options.stats.initialSyncTimeouts++;
      const missing = [...this.#expected].filter((name) => !this.#kernel.has(name));
      log.warning("Initial sync timed out before the link dump completed", {
        timeout_ms: this.#options.initialSyncTimeoutMs,
        ports_not_seen: missing.join(",") || undefined,
        count: missing.length,
      });
    }
    let summary: ReconcileSummary | undefined;
    if (this.#options.warm) summary = await this.#reconcile(sync, end);
    this.#writer.start();
    return summary;
  }

  /** Stops the timers and saves the snapshot one last time. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writer.stop();
  }

  async #reconcile(sync: ReconcileTarget, end: InitialSyncEnd): Promise<ReconcileSummary> {
    const { store, stats } = this.#options;
    // Hashes without the daemon's fields are not in the store, so the vanished-port path
    // misses them. Delete those whose netdev the complete dump did not show.
    if (end !== undefined) {
      for (const name of this.#stateDbNames) {
        if (!end.seenNames.has(name) && store.latest(name) === undefined && isPortName(name)) {
          store.delete(name);
        }
      }
    }
    store.discardUnchanged();
    const pending = new Set(store.pendingNames());
    const updated: string[] = [];
    const removed: string[] = [];
    for (const name of [...pending].sort()) {
      (store.latest(name) === null ? removed : updated).push(name);
    }
    let unchanged = 0;
    for (const [name, status] of store.writtenPorts()) {
      if (pending.has(name)) continue;
      unchanged++;
      const ifindex = this.#kernel.get(name);
      if (ifindex !== undefined && ifindex !== status.ifindex) {
        store.assumeWritten(name, { ...status, ifindex });
        this.#writer.markDirty();
      }
    }
    sync.holdWrites = false;
    if (!(await sync.flush())) {
      log.warning("Failed to write reconciled ports now, they stay pending until Redis is back", {
        ports: [...pending].join(","),
      });
    }
    await this.#machine.enter("reconciled");
    const durationMs = Math.round(this.#uptimeMs());
    stats.reconciliations++;
    stats.reconciledUnchanged += unchanged;
    stats.reconciledUpdated += updated.length;
    stats.reconciledRemoved += removed.length;
    stats.restartSeconds = durationMs / 1000;
    log.info("Warm restart reconciled", {
      unchanged,
      updated: updated.length,
      removed: removed.length,
      duration_ms: durationMs,
      updated_ports: updated.join(",") || undefined,
      removed_ports: removed.join(",") || undefined,
    });
    return { unchanged, updated, removed, durationMs };
  }
}
