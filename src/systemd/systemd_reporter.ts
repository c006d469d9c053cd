import { getLogger } from "@logtape/logtape";
import type { DaemonState } from "../daemon/daemon.ts";
import type { DaemonObserver } from "../daemon/daemon_observer.ts";
import type { DaemonStatus } from "../daemon/daemon_status.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { EventLoopLag } from "../metrics/event_loop_lag.ts";
import { checkLiveness } from "./liveness.ts";
import type { SystemdNotifier } from "./systemd_notifier.ts";

const log = getLogger([ROOT_CATEGORY, "systemd"]);

/**
 * Tells systemd what the daemon does: `STATUS=` on every state change, `READY=1` once the
 * start-up dump is handled and PortInitDone is written, `STOPPING=1` at shutdown, and
 * `WATCHDOG=1` every half `WATCHDOG_USEC` while {@linkcode checkLiveness} finds the daemon is
 * alive. A stalled daemon stops petting the watchdog and systemd restarts it.
 */
export class SystemdReporter implements DaemonObserver {
  #notifier: SystemdNotifier;
  #status: DaemonStatus;
  #lag: EventLoopLag;
  #timer: ReturnType<typeof setInterval> | undefined;
  #withheld = false;
  #ready = false;

  constructor(notifier: SystemdNotifier, status: DaemonStatus, lag: EventLoopLag) {
    this.#notifier = notifier;
    this.#status = status;
    this.#lag = lag;
  }

  /** Starts the watchdog timer when systemd asked for one. */
  start(): void {
    const usec = this.#notifier.watchdogUsec;
    if (usec === undefined || this.#timer !== undefined) return;
    const intervalMs = Math.max(1, Math.floor(usec / 2000));
    log.info("Petting the systemd watchdog", { interval_ms: intervalMs });
    this.#timer = setInterval(() => this.#pet(), intervalMs);
    Deno.unrefTimer(this.#timer);
    this.#pet();
  }

  /** Stops the watchdog timer and closes the socket. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#notifier.close();
  }

  stateChanged(state: DaemonState): void {
    if (state === "stopping") {
      if (this.#timer !== undefined) clearInterval(this.#timer);
      this.#timer = undefined;
      this.#notifier.notify("STOPPING=1", "STATUS=Stopping");
      return;
    }
    this.#notifier.notify(`STATUS=${describe(state, this.#ready)}`);
  }

  /** Sends a free-form status line, such as the alert summary. */
  status(text: string): void {
    this.#notifier.notify(`STATUS=${text}`);
  }

  ready(): void {
    this.#ready = true;
    this.#notifier.notify("READY=1", `STATUS=${describe(this.#status.state, true)}`);
  }

  #pet(): void {
    const liveness = checkLiveness(this.#status, this.#lag.lagSeconds, performance.now());
    if (liveness.alive) {
      if (this.#withheld) log.info("Petting the systemd watchdog again");
      this.#withheld = false;
      this.#notifier.notify("WATCHDOG=1");
      return;
    }
    if (!this.#withheld) {
      log.warning("Not petting the systemd watchdog", { reason: liveness.reason });
    }
    this.#withheld = true;
  }
}

function describe(state: DaemonState, ready: boolean): string {
  switch (state) {
    case "starting":
      return "Starting: connecting to Redis and reading the kernel's links";
    case "running":
      return ready ? "Running: ports in sync" : "Running: waiting for ports (PortInitDone)";
    case "stopping":
      return "Stopping";
    case "stopped":
      return "Stopped";
  }
}
