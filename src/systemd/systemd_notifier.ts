import { getLogger } from "@logtape/logtape";
import { UnixDatagramSocket } from "../../ffi/unix_datagram_socket.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";

const log = getLogger([ROOT_CATEGORY, "systemd"]);

/** Environment a service manager sets for the notify protocol (see `sd_notify(3)`). */
export interface NotifyEnvironment {
  /** `NOTIFY_SOCKET`: a socket path, or `@name` for an abstract socket. */
  NOTIFY_SOCKET?: string;
  /** `WATCHDOG_USEC`: the watchdog timeout in microseconds. */
  WATCHDOG_USEC?: string;
  /** `WATCHDOG_PID`: the process the watchdog applies to; others must not ping. */
  WATCHDOG_PID?: string;
}

/** Reads the notify variables from the process environment. */
export function notifyEnvironment(): NotifyEnvironment {
  return {
    NOTIFY_SOCKET: Deno.env.get("NOTIFY_SOCKET"),
    WATCHDOG_USEC: Deno.env.get("WATCHDOG_USEC"),
    WATCHDOG_PID: Deno.env.get("WATCHDOG_PID"),
  };
}

/**
 * Sends `sd_notify` messages (`READY=1`, `STATUS=...`, `STOPPING=1`, `WATCHDOG=1`) as
 * datagrams to `NOTIFY_SOCKET`, without libsystemd. A failed send is logged once and never
 * stops the daemon.
 */
export class SystemdNotifier {
  #socket: UnixDatagramSocket;
  #address: string;
  #watchdogUsec: number | undefined;
  #failed = false;

  private constructor(address: string, watchdogUsec: number | undefined) {
    this.#socket = UnixDatagramSocket.open();
    this.#address = address;
    this.#watchdogUsec = watchdogUsec;
  }

  /**
   * Returns a notifier when `NOTIFY_SOCKET` is set, else undefined (not run by systemd with
   * `Type=notify`: nothing to do). The watchdog interval is taken only when `WATCHDOG_USEC` is
   * a positive integer and `WATCHDOG_PID`, if set, is this process.
   */
  static fromEnvironment(
    env: NotifyEnvironment = notifyEnvironment(),
    pid: number = Deno.pid,
  ): SystemdNotifier | undefined {
    const address = env.NOTIFY_SOCKET;
    if (address === undefined || address === "") return undefined;
    let watchdogUsec: number | undefined = Number(env.WATCHDOG_USEC);
    if (!Number.isSafeInteger(watchdogUsec) || watchdogUsec <= 0) watchdogUsec = undefined;
    if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) {
      watchdogUsec = undefined;
    }
    return new SystemdNotifier(address, watchdogUsec);
  }

  /** Watchdog timeout in microseconds, undefined when the watchdog is off for this process. */
  get watchdogUsec(): number | undefined {
    return this.#watchdogUsec;
  }

  /** Sends one message of `KEY=value` lines; newlines inside a STATUS value become spaces. */
  notify(...assignments: string[]): void {
    const text = assignments.map((line) => line.replaceAll("\n", " ")).join("\n");
    try {
      this.#socket.send(new TextEncoder().encode(text), this.#address);
      this.#failed = false;
    } catch (error) {
      if (this.#failed) return;
      this.#failed = true;
      log.warning("Failed to notify systemd, continuing", {
        socket: this.#address,
        message: text,
        error,
      });
    }
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.close();
  }
}
