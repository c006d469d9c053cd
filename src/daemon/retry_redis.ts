import { getLogger } from "@logtape/logtape";
import type { RedisClient } from "../redis/redis_client.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { untilAborted } from "./until_aborted.ts";

const log = getLogger([ROOT_CATEGORY, "redis"]);

/** Delay before retry `attempt` (from 1): 100 ms doubling up to `maxDelayMs`. */
export function retryDelayMs(attempt: number, maxDelayMs: number): number {
  return Math.min(100 * 2 ** Math.min(attempt - 1, 16), maxDelayMs);
}

/**
 * Runs a Redis step until it succeeds, waiting with exponential backoff between attempts and
 * logging each retry with its attempt number and delay. Stops with the signal's reason when
 * `signal` is aborted.
 */
export async function retryRedis<T>(
  what: string,
  step: () => Promise<T>,
  options: { maxDelayMs: number; signal: AbortSignal },
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    options.signal.throwIfAborted();
    try {
      return await untilAborted(step(), options.signal);
    } catch (error) {
      options.signal.throwIfAborted();
      const delayMs = retryDelayMs(attempt, options.maxDelayMs);
      log.warning("Redis step failed, retrying", {
        step: what,
        attempt,
        delay_ms: delayMs,
        error,
      });
      await abortableDelay(delayMs, options.signal);
    }
  }
}

/** Resolves once the client is connected and has selected its database. */
export async function waitReady(client: RedisClient, signal: AbortSignal): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "wait" || client.status === "end") {
    client.connect().catch(() => {
      // The retry strategy reconnects and the "ready" event below resolves the wait.
    });
  }
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      client.off("ready", onReady);
      reject(signal.reason);
    };
    client.once("ready", onReady);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
