/**
 * Warm-restart check of swss-common's `WarmStart::checkWarmStart`, on STATE_DB.
 *
 * @module
 */
import type { RedisClient } from "../redis/redis_client.ts";
import type { Separator } from "./database_config.ts";

/** STATE_DB table with the `enable` flags, keyed by `system` or by docker name. */
export const WARM_RESTART_ENABLE_TABLE = "WARM_RESTART_ENABLE_TABLE";

/** STATE_DB table with per-application `restore_count` and `state`. */
export const WARM_RESTART_TABLE = "WARM_RESTART_TABLE";

/** Warm-restart states of an application, as swss-common's `WarmStart::WarmStartState` names them. */
export type WarmStartState =
  | "initialized"
  | "restored"
  | "replayed"
  | "reconciled"
  | "disabled"
  | "unknown";

/** Result of {@linkcode checkWarmStart}. */
export interface WarmStartCheck {
  /** True when this start is a warm restart and the application must not replay its config. */
  warm: boolean;
  /** True when the whole system is in a warm reboot (`WARM_RESTART_ENABLE_TABLE|system`). */
  systemWarmReboot: boolean;
  /** `restore_count` after the check: the old value plus one when warm, otherwise 0. */
  restoreCount: number;
  /**
   * True when warm restart was enabled but `restore_count` was missing or empty, so the start
   * fell back to cold. swss-common logs a warning in that case.
   */
  restoreCountMissing: boolean;
}

/** Error raised when `restore_count` in STATE_DB is not a decimal number. */
export class WarmStartError extends Error {
  /** STATE_DB key that contains the value, for example `WARM_RESTART_TABLE|portsyncd`. */
  readonly key: string;
  /** Value found in the `restore_count` field. */
  readonly value: string;

  /** Create the error for `value` of `key`. */
  constructor(key: string, value: string, message: string) {
    super(message);
    this.name = "WarmStartError";
    this.key = key;
    this.value = value;
  }
}

/**
 * Decide whether this start is warm and update `restore_count`, as swss-common's
 * `WarmStart::checkWarmStart(app, docker)` does.
 *
 * Warm restart is enabled when field `enable` of `WARM_RESTART_ENABLE_TABLE|system` or
 * `WARM_RESTART_ENABLE_TABLE|<docker>` is exactly `true`. Not enabled, or enabled but with no
 * `restore_count` yet: write `restore_count` 0 and report cold. Otherwise write the old count
 * plus one and report warm.
 *
 * @param stateDb Client connected to STATE_DB.
 * @param app Application name, the key of `WARM_RESTART_TABLE`.
 * @param docker Container name, a key of `WARM_RESTART_ENABLE_TABLE`.
 * @param separator STATE_DB separator from `database_config.json`.
 * @throws {WarmStartError} When `restore_count` is not a decimal number.
 */
export async function checkWarmStart(
  stateDb: RedisClient,
  app = "portsyncd",
  docker = "swss",
  separator: Separator = "|",
): Promise<WarmStartCheck> {
  const systemWarmReboot =
    await stateDb.hget(`${WARM_RESTART_ENABLE_TABLE}${separator}system`, "enable") === "true";
  const dockerEnabled =
    await stateDb.hget(`${WARM_RESTART_ENABLE_TABLE}${separator}${docker}`, "enable") === "true";
  const restoreKey = `${WARM_RESTART_TABLE}${separator}${app}`;

  if (!systemWarmReboot && !dockerEnabled) {
    await stateDb.hset(restoreKey, "restore_count", "0");
    return { warm: false, systemWarmReboot: false, restoreCount: 0, restoreCountMissing: false };
  }

  const stored = await stateDb.hget(restoreKey, "restore_count");
  if (stored === null || stored === "") {
    await stateDb.hset(restoreKey, "restore_count", "0");
    return { warm: false, systemWarmReboot: false, restoreCount: 0, restoreCountMissing: true };
  }

  // NOTE: C++ `stoul` also accepts a numeric prefix such as "3abc" and wraps "-1" to a huge
  // number. Both are rejected here, because neither can come from a previous start.
  if (!/^\d+$/.test(stored) || !Number.isSafeInteger(Number(stored))) {
    throw new WarmStartError(
      restoreKey,
      stored,
      `Failed to read warm restart count: ${restoreKey} field restore_count is ` +
        `${JSON.stringify(stored)}, not a decimal number; set it to 0 or delete the field`,
    );
  }
  const restoreCount = Number(stored) + 1;
  await stateDb.hset(restoreKey, "restore_count", String(restoreCount));
  return { warm: true, systemWarmReboot, restoreCount, restoreCountMissing: false };
}

/**
 * Write the warm-restart state of `app` to `WARM_RESTART_TABLE|<app>` field `state`.
 * The C++ portsyncd never calls it.
 *
 * @param stateDb Client connected to STATE_DB.
 * @param app Application name, the key of `WARM_RESTART_TABLE`.
 * @param state New state.
 * @param separator STATE_DB separator from `database_config.json`.
 */
export async function setWarmStartState(
  stateDb: RedisClient,
  app: string,
  state: WarmStartState,
  separator: Separator = "|",
): Promise<void> {
  await stateDb.hset(`${WARM_RESTART_TABLE}${separator}${app}`, "state", state);
}
