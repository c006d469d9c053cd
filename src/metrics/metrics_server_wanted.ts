import { getLogger } from "@logtape/logtape";
import type { Config } from "../config/config_schema.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";

const log = getLogger([ROOT_CATEGORY, "metrics"]);

/**
 * Returns whether `[metrics]` requests a server: plain HTTP (`tls = false`), or mutual TLS with
 * at least one of `cert`, `key` and `ca` set (the server reports a partial set as an error).
 * With none of them set the server is off, which is the default, and this logs one INFO line
 * on how to turn it on.
 *
 * It lives apart from `metrics_server.ts` so a daemon with metrics off can decide without
 * loading Node's HTTP modules, which cost about 10 MB of RSS.
 */
export function metricsServerWanted(metrics: Config["metrics"]): boolean {
  if (!metrics.tls || metrics.cert !== undefined || metrics.key !== undefined) return true;
  if (metrics.ca !== undefined) return true;
  log.info(
    "Metrics server is off: set [metrics] cert, key and ca for mutual TLS, or tls = false " +
      "on a loopback address",
  );
  return false;
}
