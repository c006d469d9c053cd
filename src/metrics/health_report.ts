import type { DaemonStatus } from "../daemon/daemon_status.ts";
import { checkLiveness } from "../systemd/liveness.ts";
import type { RouteResponse } from "./http_router.ts";

/** Overall health: `ok` serves with HTTP 200, the others with 503. */
export type HealthStatus = "ok" | "starting" | "degraded" | "stopping";

/** The JSON document of `GET /health`. */
export interface HealthReport {
  status: HealthStatus;
  /** Lifecycle state of the daemon. */
  state: string;
  /** Connection status per database; `ready` when usable. */
  redis: Record<string, string>;
  netlink: {
    /** `running`, `stopped`, or `stuck` (see the systemd liveness rule). */
    reader: "running" | "stopped" | "stuck";
    resyncing: boolean;
  };
  /** Seconds since the last netlink batch, null before the first. */
  seconds_since_last_event: number | null;
  ports: { in_sync: number; pending: number; awaiting_appl: number };
  /** Whether this process started warm; the warm-restart module may add its own fields. */
  warm_restart: { warm: boolean };
  port_init_done: boolean;
  initial_sync_done: boolean;
  event_loop_lag_seconds: number;
  /** Reasons for a status other than `ok`. */
  problems: string[];
}

/**
 * Builds the health report. The status is `stopping` during shutdown, `starting` until the
 * start-up dump is handled, `degraded` while a Redis connection is down or the daemon is not
 * alive by {@linkcode checkLiveness}, and `ok` otherwise.
 */
export function buildHealthReport(
  status: DaemonStatus,
  lagSeconds: number,
  now: number = performance.now(),
): HealthReport {
  const redis = status.redisStatus();
  const problems: string[] = [];
  for (const [db, state] of Object.entries(redis)) {
    if (state !== "ready") problems.push(`${db} connection is ${state}`);
  }
  const liveness = checkLiveness(status, lagSeconds, now);
  if (!liveness.alive) problems.push(liveness.reason);
  let reader: HealthReport["netlink"]["reader"] = status.netlinkReaderRunning
    ? "running"
    : "stopped";
  if (reader === "running" && !liveness.alive && liveness.reason.startsWith("netlink batch")) {
    reader = "stuck";
  }
  let overall: HealthStatus = problems.length > 0 ? "degraded" : "ok";
  if (status.state === "stopping" || status.state === "stopped") overall = "stopping";
  else if (status.state === "starting" || !status.initialSyncDone) overall = "starting";
  const last = status.lastNetlinkReceiveAt;
  return {
    status: overall,
    state: status.state,
    redis,
    netlink: { reader, resyncing: status.netlinkResyncing },
    seconds_since_last_event: last > 0 ? round((now - last) / 1000) : null,
    ports: {
      in_sync: status.syncedPortCount,
      pending: status.pendingPortCount,
      awaiting_appl: status.awaitingPortCount,
    },
    warm_restart: { warm: status.warm },
    port_init_done: status.portInitDone,
    initial_sync_done: status.initialSyncDone,
    event_loop_lag_seconds: round(lagSeconds),
    problems,
  };
}

/** Serves a report as JSON: HTTP 200 when `ok`, 503 otherwise, so probes can use the code. */
export function healthResponse(report: HealthReport): RouteResponse {
  return {
    status: report.status === "ok" ? 200 : 503,
    contentType: "application/json",
    body: JSON.stringify(report) + "\n",
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
