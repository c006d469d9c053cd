import {
  configureSync,
  type Filter,
  getLogger,
  getThrottlingFilter,
  type LogRecord,
  type Sink,
} from "@logtape/logtape";
import { streamSink } from "./stream_sink.ts";
import { lowestLogTapeLevel, type SonicLogLevel } from "./sonic_log_level.ts";

/** Destination of log lines, as CONFIG_DB `LOGGER|<app> LOGOUTPUT` names it. */
export type LogOutput = "SYSLOG" | "STDOUT" | "STDERR";

/** Factory for the syslog sink; returns undefined when syslog is unreachable. */
export type SyslogSinkFactory = () => Sink | undefined;

/** Root category of every logger of the daemon. */
export const ROOT_CATEGORY = "portsyncd";

/**
 * Owns the LogTape configuration so the level and output can change at run time (the
 * LOGGER table and `--log-level`). Warnings and errors with the same template, level and port
 * are limited to 10 lines per 10 s, and a summary reports what was dropped.
 */
export class LogControl {
  #level: SonicLogLevel = "NOTICE";
  #output: LogOutput = "STDERR";
  /** Output in use: STDERR when SYSLOG was requested but the socket is missing. */
  #effective: LogOutput = "STDERR";
  #syslogFactory: SyslogSinkFactory | undefined;
  #throttle: (Filter & Disposable) | undefined;

  constructor(syslogFactory?: SyslogSinkFactory) {
    this.#syslogFactory = syslogFactory;
  }

  /** Current level. */
  get level(): SonicLogLevel {
    return this.#level;
  }

  /** Current output. */
  get output(): LogOutput {
    return this.#output;
  }

  /** Applies a level and an output; reconfigures LogTape only when one of them changed. */
  apply(level: SonicLogLevel, output: LogOutput, force = false): void {
    if (!force && level === this.#level && output === this.#output) return;
    const previous = `${this.#level}/${this.#effective}`;
    this.#level = level;
    this.#output = output;
    let sink: Sink | undefined;
    let fallback = false;
    if (output === "SYSLOG") {
      sink = this.#syslogFactory?.();
      fallback = sink === undefined;
    }
    sink ??= output === "STDOUT" ? streamSink(Deno.stdout) : streamSink(Deno.stderr);
    this.#throttle?.[Symbol.dispose]();
    this.#throttle = getThrottlingFilter({
      limit: 10,
      windowMs: 10_000,
      key: (record) =>
        `${record.category.join(".")}|${record.level}|${String(record.rawMessage)}|${
          String(record.properties.port ?? record.properties.name ?? "")
        }`,
      summary: { logger: getLogger([ROOT_CATEGORY, "logging"]) },
    });
    const throttle = this.#throttle;
    configureSync({
      reset: true,
      sinks: { main: sink },
      filters: {
        repeats: (record: LogRecord) =>
          record.level === "info" || record.level === "debug" || record.level === "trace" ||
          throttle(record),
      },
      loggers: [
        { category: ["logtape", "meta"], sinks: ["main"], lowestLevel: "warning" },
        {
          category: [ROOT_CATEGORY],
          sinks: ["main"],
          filters: ["repeats"],
          lowestLevel: lowestLogTapeLevel(level),
        },
      ],
    });
    this.#effective = fallback ? "STDERR" : output;
    const logger = getLogger([ROOT_CATEGORY, "logging"]);
    if (fallback) {
      logger.warning(
        "Syslog is unreachable, logging to stderr instead; start a syslog daemon or set " +
          "LOGOUTPUT to STDERR in CONFIG_DB LOGGER|portsyncd",
      );
    }
    const current = `${level}/${this.#effective}`;
    if (force || current === previous) return;
    logger.info("Changed log settings", { from: previous, to: current });
  }
}
