import type { DaemonState } from "./daemon.ts";

/**
 * Callbacks of {@link Daemon} for metrics and systemd; every method is optional. They run on
 * the daemon's path, so they must return quickly and never throw.
 */
export interface DaemonObserver {
  /** The lifecycle state changed. */
  stateChanged?(state: DaemonState): void;
  /** The start mode is known: warm (a warm restart of swss or portsyncd) or cold. */
  startMode?(warm: boolean): void;
  /** The start-up link dump is handled and PortInitDone is written: the daemon is ready. */
  ready?(): void;
  /** A Redis connection is about to try to reconnect. */
  redisReconnect?(db: string): void;
  /** Entries were written to APPL_DB (cold-start ports, PortConfigDone, PortInitDone). */
  applWritten?(entries: number): void;
  /** An APPL_DB write failed and will be retried. */
  applWriteFailed?(entries: number): void;
  /** A warm restart finished reconciling, `seconds` after the process started. */
  reconciled?(
    seconds: number,
    ports: { unchanged: number; updated: number; removed: number },
  ): void;
}

/** Returns one observer that passes every callback to each of `observers` in order. */
export function combineDaemonObservers(...observers: DaemonObserver[]): DaemonObserver {
  return {
    stateChanged: (state) => observers.forEach((o) => o.stateChanged?.(state)),
    startMode: (warm) => observers.forEach((o) => o.startMode?.(warm)),
    ready: () => observers.forEach((o) => o.ready?.()),
    redisReconnect: (db) => observers.forEach((o) => o.redisReconnect?.(db)),
    applWritten: (entries) => observers.forEach((o) => o.applWritten?.(entries)),
    applWriteFailed: (entries) => observers.forEach((o) => o.applWriteFailed?.(entries)),
    reconciled: (seconds, ports) => observers.forEach((o) => o.reconciled?.(seconds, ports)),
  };
}
