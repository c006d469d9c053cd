/**
 * Redis connections to a SONiC database, opened the way swss-common's `DBConnector` opens them:
 * the instance's unix socket, then `SELECT <id>`.
 *
 * @module
 */
import { RedisClient, type RedisClientOptions } from "../redis/redis_client.ts";
import type { DatabaseConfig } from "./database_config.ts";

/** Delay before the first reconnect attempt, in milliseconds. */
export const RECONNECT_BASE_DELAY_MS = 100;

/** Upper bound of the reconnect delay, in milliseconds. */
export const RECONNECT_MAX_DELAY_MS = 5000;

/**
 * Compute the delay before reconnect attempt `attempt`: 100 ms doubled per attempt and capped
 * at 5000 ms, so attempts 1..7 wait 100, 200, 400, 800, 1600, 3200, 5000 ms. It never gives up.
 *
 * @param attempt Attempt number, starting at 1.
 * @returns Delay in milliseconds.
 * @throws {RangeError} When `attempt` is not an integer of at least 1.
 */
export function reconnectDelayMs(attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Failed to compute reconnect delay: attempt must be an integer of at least 1, got ${attempt}`,
    );
  }
  // Above 2^6 * 100 ms the cap applies, so the exponent is bounded to avoid Infinity.
  const exponent = Math.min(attempt - 1, 16);
  return Math.min(RECONNECT_BASE_DELAY_MS * 2 ** exponent, RECONNECT_MAX_DELAY_MS);
}

/** One reconnect attempt, passed to {@linkcode ConnectionOptions.onReconnect}. */
export interface ReconnectAttempt {
  /** Database name, for example `APPL_DB`. */
  dbName: string;
  /** Unix socket path or `host:port` that the client reconnects to. */
  endpoint: string;
  /** Attempt number since the last successful connect, starting at 1. */
  attempt: number;
  /** Delay before this attempt, in milliseconds. */
  delayMs: number;
}

/** Options of {@linkcode createConnection}. */
export interface ConnectionOptions {
  /** Role of the connection, sent as client name `portsyncd-<purpose>` (see `CLIENT LIST`). */
  purpose: string;
  /**
   * Delay before reconnect attempt `attempt`, in milliseconds.
   *
   * @default {@linkcode reconnectDelayMs}
   */
  retryStrategy?: (attempt: number) => number;
  /** Called once per reconnect attempt, before the delay starts, for example to log it. */
  onReconnect?: (attempt: ReconnectAttempt) => void;
  /**
   * Time in milliseconds after which a command without a reply fails with
   * `CommandTimeoutError`. The command stays queued on the connection, so a late reply is
   * matched to it and dropped, and later commands still get their own replies. No timeout when
   * unset.
   */
  commandTimeoutMs?: number;
}

/**
 * Create a client for database `dbName` of `config`.
 *
 * The client uses the instance's unix socket, or `hostname:port` when the config has no socket
 * path, and selects the database id on every (re)connect. Call `connect()` before use. Commands
 * fail at once while it is not ready and are not resent after a reconnect, so a script never
 * runs twice.
 *
 * @param config Parsed `database_config.json`.
 * @param dbName Database name, for example `APPL_DB`.
 * @param options Client name and reconnect hooks.
 * @throws {DatabaseConfigError} When `dbName` or its instance is not in the config.
 */
export function createConnection(
  config: DatabaseConfig,
  dbName: string,
  options: ConnectionOptions,
): RedisClient {
  const database = config.database(dbName);
  // The parser checks that every database names an existing instance.
  const instance = config.instances.get(database.instance)!;
  const strategy = options.retryStrategy ?? reconnectDelayMs;
  const endpoint = instance.unixSocketPath ?? `${instance.hostname}:${instance.port}`;

  const redisOptions: RedisClientOptions = {
    db: database.id,
    name: `portsyncd-${options.purpose}`,
    retryStrategy(attempt: number): number {
      const delayMs = strategy(attempt);
      options.onReconnect?.({ dbName, endpoint, attempt, delayMs });
      return delayMs;
    },
  };
  if (options.commandTimeoutMs !== undefined) {
    redisOptions.commandTimeoutMs = options.commandTimeoutMs;
  }
  if (instance.unixSocketPath !== undefined) {
    redisOptions.path = instance.unixSocketPath;
  } else {
    redisOptions.hostname = instance.hostname;
    redisOptions.port = instance.port;
  }
  return new RedisClient(redisOptions);
}
