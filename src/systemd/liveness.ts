import type { DaemonStatus } from "../daemon/daemon_status.ts";

/** Largest event-loop lag, in seconds, at which the daemon still counts as alive. */
export const MAX_LIVE_LAG_SECONDS = 1;
/** Maximum time, in ms, that handling one netlink batch may take before the reader is stuck. */
export const MAX_BATCH_HANDLING_MS = 30_000;

/** Result of {@linkcode checkLiveness}. */
export type Liveness = { alive: true } | { alive: false; reason: string };

/**
 * Decides whether the daemon is alive enough to pet the systemd watchdog:
 *
 * - the event loop runs timers less than 1 s late, and
 * - once running, the netlink reader loop is running and not stuck: it waits for the kernel,
 *   or has been handling its current batch for less than 30 s (a batch is a few Redis round
 *   trips, which fail fast while Redis is down).
 *
 * While starting, the daemon may wait for Redis for a long time by design, so only the event
 * loop counts then.
 */
export function checkLiveness(status: DaemonStatus, lagSeconds: number, now: number): Liveness {
  if (lagSeconds >= MAX_LIVE_LAG_SECONDS) {
    return { alive: false, reason: `event loop lag ${lagSeconds.toFixed(3)} s` };
  }
  if (status.state !== "running") return { alive: true };
  if (!status.netlinkReaderRunning) return { alive: false, reason: "netlink reader stopped" };
  const busySince = status.netlinkBusySince;
  if (busySince !== undefined && now - busySince >= MAX_BATCH_HANDLING_MS) {
    return {
      alive: false,
      reason: `netlink batch handled for ${Math.round((now - busySince) / 1000)} s`,
    };
  }
  return { alive: true };
}
