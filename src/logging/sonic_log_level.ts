import type { LogLevel } from "@logtape/logtape";

/** SONiC log levels in syslog priority order, as stored in CONFIG_DB `LOGGER|<app> LOGLEVEL`. */
export const SONIC_LOG_LEVELS = [
  "EMERG",
  "ALERT",
  "CRIT",
  "ERROR",
  "WARN",
  "NOTICE",
  "INFO",
  "DEBUG",
] as const;

/** One SONiC log level. */
export type SonicLogLevel = (typeof SONIC_LOG_LEVELS)[number];

/** Returns whether `value` names a SONiC log level. */
export function isSonicLogLevel(value: string): value is SonicLogLevel {
  return (SONIC_LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Maps a LogTape level to the syslog priority it is sent with: `info` is NOTICE because the
 * daemon's routine lines are what the C++ daemon logs at NOTICE, the SONiC default.
 */
export function syslogPriority(level: LogLevel): number {
  switch (level) {
    case "fatal":
      return 2;
    case "error":
      return 3;
    case "warning":
      return 4;
    case "info":
      return 5;
    case "debug":
      return 6;
    case "trace":
      return 7;
  }
}

/** Returns the lowest LogTape level that a SONiC level lets through. */
export function lowestLogTapeLevel(level: SonicLogLevel): LogLevel {
  switch (level) {
    case "EMERG":
    case "ALERT":
    case "CRIT":
      return "fatal";
    case "ERROR":
      return "error";
    case "WARN":
      return "warning";
    case "NOTICE":
      return "info";
    case "INFO":
      return "debug";
    case "DEBUG":
      return "trace";
  }
}

/** Returns the SONiC level name printed for a LogTape level on stdout and stderr. */
export function sonicLevelName(level: LogLevel): SonicLogLevel {
  return SONIC_LOG_LEVELS[syslogPriority(level)] ?? "NOTICE";
}
