import { getLogger } from "@logtape/logtape";
import type { RedisClient } from "../redis/redis_client.ts";
import { type LogControl, type LogOutput, ROOT_CATEGORY } from "./setup_logging.ts";
import { isSonicLogLevel, type SonicLogLevel } from "./sonic_log_level.ts";

/** Table of per-program log settings in CONFIG_DB. */
export const LOGGER_TABLE = "LOGGER";
/** Level written when the table has none, as swss-common writes it. */
export const DEFAULT_TABLE_LEVEL: SonicLogLevel = "NOTICE";
/** Output written when the table has none. */
export const DEFAULT_TABLE_OUTPUT: LogOutput = "SYSLOG";

/** Options of {@linkcode LoggerTable}. */
export interface LoggerTableOptions {
  /** CONFIG_DB connection for reads and the default write; the table closes it. */
  client: RedisClient;
  /** Second CONFIG_DB connection used only to subscribe; the table closes it. */
  subscriber: RedisClient;
  /** CONFIG_DB id, part of the keyspace channel name. */
  dbId: number;
  /** CONFIG_DB key separator (`|`). */
  separator: string;
  control: LogControl;
  /** Level from `--log-level` or `[logging] level`; wins over the table's `LOGLEVEL`. */
  levelOverride?: SonicLogLevel;
  /** Program name, the key of the table entry. */
  app?: string;
}

const log = getLogger([ROOT_CATEGORY, "logging"]);

/** Returns the level a `LOGLEVEL` value means; an unknown value means NOTICE, as in swss-common. */
export function tableLevel(value: string | null | undefined): SonicLogLevel {
  return value !== null && value !== undefined && isSonicLogLevel(value) ? value : "NOTICE";
}

/** Returns the output a `LOGOUTPUT` value means; an unknown value means SYSLOG, as in swss-common. */
export function tableOutput(value: string | null | undefined): LogOutput {
  return value === "STDOUT" || value === "STDERR" ? value : "SYSLOG";
}

/**
 * Follows CONFIG_DB `LOGGER|portsyncd`, the way swss-common's `Logger::linkToDbNative` does,
 * so `swssloglevel -c portsyncd -l DEBUG` takes effect without a restart.
 *
 * At start and after every (re)connect, it reads `LOGLEVEL` and `LOGOUTPUT`; when either is
 * missing it writes both, keeping a present value and filling in NOTICE and SYSLOG. It then
 * listens on `__keyspace@<id>__:LOGGER|portsyncd` and reads the hash again on any event but
 * `del`. Reads run one at a time, so the last one applied is the newest.
 */
export class LoggerTable {
  #options: LoggerTableOptions;
  #key: string;
  #channel: string;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #firstSync: Promise<void>;
  #firstSyncDone: () => void = () => {};

  constructor(options: LoggerTableOptions) {
    this.#options = options;
    this.#key = `${LOGGER_TABLE}${options.separator}${options.app ?? "portsyncd"}`;
    this.#channel = `__keyspace@${options.dbId}__:${this.#key}`;
    this.#firstSync = new Promise((resolve) => {
      this.#firstSyncDone = resolve;
    });
  }

  /** The keyspace channel that announces changes of the entry. */
  get channel(): string {
    return this.#channel;
  }

  /**
   * Connects, subscribes and applies the entry. Resolves after the first successful read, or
   * after `timeoutMs` when Redis is not reachable yet; following continues in the background.
   */
  async start(timeoutMs: number): Promise<void> {
    const { client, subscriber } = this.#options;
    client.on("error", (error: Error) => log.debug("LOGGER table connection error", { error }));
    subscriber.on("error", (error: Error) => log.debug("LOGGER table subscriber error", { error }));
    subscriber.on("message", (channel: string, event: string) => {
      if (channel !== this.#channel) return;
      log.trace("LOGGER entry changed", { key: this.#key, event });
      if (event !== "del") this.#schedule();
    });
    // The client subscribes again by itself after a reconnect; a read then catches what was missed.
    subscriber.on("ready", () => this.#schedule());
    client.on("ready", () => this.#schedule());
    subscriber.connect().then(
      () => subscriber.subscribe(this.#channel),
      () => {/* The retry strategy reconnects; "ready" subscribes. */},
    ).catch((error: unknown) => log.warning("Failed to subscribe to LOGGER table", { error }));
    client.connect().catch(() => {/* The retry strategy reconnects; "ready" reads. */});
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#firstSync,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Stops following and closes both connections. */
  close(): void {
    this.#closed = true;
    this.#options.subscriber.disconnect();
    this.#options.client.disconnect();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#queue = this.#queue.then(() => this.#sync()).catch((error) => {
      log.warning("Failed to read CONFIG_DB LOGGER entry, keeping the current settings", {
        key: this.#key,
        error,
      });
    });
  }

  async #sync(): Promise<void> {
    if (this.#closed || this.#options.client.status !== "ready") return;
    const { client, control, levelOverride } = this.#options;
    const [level, output] = await client.hmget(this.#key, "LOGLEVEL", "LOGOUTPUT");
    if (level === null || output === null) {
      await client.hset(
        this.#key,
        "LOGLEVEL",
        level ?? DEFAULT_TABLE_LEVEL,
        "LOGOUTPUT",
        output ?? DEFAULT_TABLE_OUTPUT,
      );
    }
    if (this.#closed) return;
    control.apply(levelOverride ?? tableLevel(level), tableOutput(output));
    this.#firstSyncDone();
  }
}
