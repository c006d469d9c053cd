import { ConfigError } from "../config/config_error.ts";
import type { Config } from "../config/config_schema.ts";
import { isLoopbackHost, type ListenAddress, parseListenAddress } from "./listen_address.ts";

/**
 * Checks the `[metrics]` section beyond what the schema can: the listen address must parse,
 * and plain HTTP (`tls = false`) is allowed only on a loopback address, because metrics and
 * health must not be readable or spoofable from the network without client certificates.
 *
 * @returns The parsed listen address.
 * @throws {ConfigError} When the address is invalid or `tls = false` on a non-loopback host.
 */
export function validateMetricsConfig(metrics: Config["metrics"], path: string): ListenAddress {
  const address = parseListenAddress(metrics.listen);
  if (!address) {
    throw new ConfigError(
      path,
      `Invalid value for metrics.listen in ${path}: got ${JSON.stringify(metrics.listen)}, ` +
        `expected host:port such as "[::1]:9090" or "127.0.0.1:9090"`,
    );
  }
  if (!metrics.tls && !isLoopbackHost(address.host)) {
    throw new ConfigError(
      path,
      `Invalid metrics settings in ${path}: tls = false needs a loopback listen address, got ` +
        `${JSON.stringify(metrics.listen)}; set tls = true with cert, key and ca, or listen on ` +
        `[::1] or 127.0.0.1`,
    );
  }
  return address;
}
