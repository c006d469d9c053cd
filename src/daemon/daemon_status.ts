import type { DaemonState } from "./daemon.ts";

/**
 * Status the daemon reports about itself for `/health`, metrics and the systemd watchdog.
 * {@link Daemon} implements it; tests may pass a plain object.
 */
export interface DaemonStatus {
  readonly state: DaemonState;
  /** Whether this process started warm. */
  readonly warm: boolean;
  /** Whether the start-up link dump has been handled. */
  readonly initialSyncDone: boolean;
  /** Whether APPL_DB `PortInitDone` has been written. */
  readonly portInitDone: boolean;
  /** Whether the netlink reader loop runs (started and not ended). */
  readonly netlinkReaderRunning: boolean;
  /**
   * Monotonic time (`performance.now()`, ms) since which the reader waits for a batch to be
   * handled, or undefined while it waits for the kernel. A long wait means the loop is stuck.
   */
  readonly netlinkBusySince: number | undefined;
  /** Whether a resync dump is running or queued. */
  readonly netlinkResyncing: boolean;
  /** Monotonic time in ms of the last received netlink batch, 0 before the first. */
  readonly lastNetlinkReceiveAt: number;
  /** Ports whose STATE_DB entry matches the kernel. */
  readonly syncedPortCount: number;
  /** Ports with changes not yet confirmed by STATE_DB. */
  readonly pendingPortCount: number;
  /** Netdevs that wait for their APPL_DB entry. */
  readonly awaitingPortCount: number;
  /** Connection status (`ready`, `connecting`, `reconnecting`, ...) per database name. */
  redisStatus(): Record<string, string>;
}
