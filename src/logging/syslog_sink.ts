import type { LogRecord, Sink } from "@logtape/logtape";
import { UnixDatagramSocket } from "../../ffi/unix_datagram_socket.ts";
import { formatBody, formatRecord } from "./format_line.ts";
import { markImmediate } from "./immediate_sink.ts";
import type { SyslogSinkFactory } from "./setup_logging.ts";
import { syslogPriority } from "./sonic_log_level.ts";

/** Syslog facility `LOG_USER` (1), what glibc uses when a program never calls `openlog`. */
export const LOG_USER = 1;
/** Program name sent as the syslog tag. */
export const SYSLOG_IDENT = "portsyncd";
/** Maximum message text in characters, so a datagram stays well below the socket's limits. */
const MAX_BODY_CHARS = 8000;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Options of {@linkcode createSyslogSink}. */
export interface SyslogSinkOptions {
  /** Datagram socket of the syslog daemon, usually `/dev/log`; `@name` for an abstract one. */
  socketPath: string;
  /** Process ID written after the tag. */
  pid?: number;
  /** Receives lines that could not be sent; defaults to standard error. */
  fallback?: (line: string) => void;
}

/**
 * Formats one record as the datagram a local syslog daemon expects (RFC 3164 as glibc's
 * `syslog()` sends it to `/dev/log`, without a host name, which the daemon adds):
 *
 * ```
 * <PRI>Mmm dd hh:mm:ss portsyncd[PID]: category: message key=value ...
 * ```
 *
 * `PRI` is facility × 8 + severity, so `<13>` is user.notice. The timestamp is local time with
 * the day padded by a space (`Jan  5`). The text is cut after 8000 characters.
 */
export function formatSyslogDatagram(record: LogRecord, pid: number): string {
  const priority = LOG_USER * 8 + syslogPriority(record.level);
  let body = formatBody(record);
  if (body.length > MAX_BODY_CHARS) body = `${body.slice(0, MAX_BODY_CHARS)}...`;
  return `<${priority}>${
    syslogTimestamp(new Date(record.timestamp))
  } ${SYSLOG_IDENT}[${pid}]: ${body}`;
}

/** Formats an RFC 3164 timestamp in local time: `Mmm dd hh:mm:ss`, day padded with a space. */
export function syslogTimestamp(date: Date): string {
  const two = (value: number) => String(value).padStart(2, "0");
  return `${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2, " ")} ${
    two(date.getHours())
  }:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * Creates a LogTape sink that sends each record as one datagram to the syslog socket.
 *
 * Sending never blocks. When a send fails (the syslog daemon restarted or its queue is full),
 * the record goes to `fallback` as a stderr line instead, and the first failure of a run of
 * failures is announced there once. The sink closes its socket when LogTape disposes it.
 */
export function createSyslogSink(options: SyslogSinkOptions): Sink & Disposable {
  const socket = UnixDatagramSocket.open();
  const pid = options.pid ?? Deno.pid;
  const fallback = options.fallback ?? writeStderrLine;
  const encoder = new TextEncoder();
  let failing = false;
  const sink = (record: LogRecord) => {
    if (socket.closed) return;
    try {
      socket.send(encoder.encode(formatSyslogDatagram(record, pid)), options.socketPath);
      failing = false;
    } catch (error) {
      if (!failing) {
        failing = true;
        fallback(
          `  WARN portsyncd.logging: Failed to send to syslog socket ${options.socketPath}, ` +
            `writing to stderr until it works again error=${JSON.stringify(String(error))}`,
        );
      }
      fallback(formatRecord(record));
    }
  };
  return Object.assign(markImmediate(sink), { [Symbol.dispose]: () => socket.close() });
}

/**
 * Returns the factory that {@linkcode LogControl} calls for the `SYSLOG` output. It returns
 * undefined when `socketPath` does not exist or is not a socket, so LogControl falls back to
 * stderr with one warning. An abstract name (`@...`) cannot be checked, so it is always tried.
 */
export function syslogSinkFactory(
  socketPath: string,
  options: Omit<SyslogSinkOptions, "socketPath"> = {},
): SyslogSinkFactory {
  return () => {
    if (!socketPath.startsWith("@")) {
      try {
        if (!Deno.statSync(socketPath).isSocket) return undefined;
      } catch {
        return undefined;
      }
    }
    return createSyslogSink({ socketPath, ...options });
  };
}

function writeStderrLine(line: string): void {
  const bytes = new TextEncoder().encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}
