/**
 * Warm-restart counters kept by the daemon for the metrics exporter. One object lives for the
 * whole process; the daemon only adds to it.
 */
export interface WarmRestartStats {
  /** Starts that took the warm path (0 or 1 per process). */
  warmStarts: number;
  /** Starts that took the cold path, including warm requests that fell back. */
  coldStarts: number;
  /** Warm starts whose snapshot was missing or unusable. */
  snapshotLoadFailures: number;
  /** Reconciliations finished. */
  reconciliations: number;
  /** Ports whose STATE_DB entry was already right at reconciliation, summed over runs. */
  reconciledUnchanged: number;
  /** Ports written at reconciliation. */
  reconciledUpdated: number;
  /** Ports whose STATE_DB entry was deleted at reconciliation. */
  reconciledRemoved: number;
  /** Initial syncs that ended on the timeout instead of the dump's NLMSG_DONE. */
  initialSyncTimeouts: number;
  /** Seconds from process start to the end of the last reconciliation; 0 before it. */
  restartSeconds: number;
  /** Snapshot files written. */
  snapshotWrites: number;
  /** Snapshot writes that failed. */
  snapshotWriteFailures: number;
}

/** Returns a stats object with every counter at zero. */
export function createWarmRestartStats(): WarmRestartStats {
  return {
    warmStarts: 0,
    coldStarts: 0,
    snapshotLoadFailures: 0,
    reconciliations: 0,
    reconciledUnchanged: 0,
    reconciledUpdated: 0,
    reconciledRemoved: 0,
    initialSyncTimeouts: 0,
    restartSeconds: 0,
    snapshotWrites: 0,
    snapshotWriteFailures: 0,
  };
}
