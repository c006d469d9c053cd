import { getLogger } from "@logtape/logtape";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Config } from "../config/config_schema.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { HttpRouter } from "./http_router.ts";
import type { ListenAddress } from "./listen_address.ts";
import { metricsServerWanted } from "./metrics_server_wanted.ts";

/** A listening metrics server. */
export interface MetricsServer {
  /** Bound host and port (the port the kernel picked when 0 was requested). */
  readonly address: ListenAddress;
  /** Whether clients must present a certificate signed by the configured CA. */
  readonly tls: boolean;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Options of {@linkcode startMetricsServer}. */
export interface MetricsServerOptions {
  metrics: Config["metrics"];
  /** Parsed `metrics.listen`, or any address in tests (port 0 picks a free port). */
  address: ListenAddress;
  router: HttpRouter;
}

const log = getLogger([ROOT_CATEGORY, "metrics"]);

/** The credential files of mutual TLS and the config keys that name them. */
const CREDENTIAL_KEYS = ["cert", "key", "ca"] as const;

/**
 * Starts the metrics server. With `tls` (the default) it is `node:https` with mutual TLS: a
 * client without a certificate, or with one not signed by `ca`, fails the handshake (Deno's own
 * server cannot ask for client certificates). With `tls = false` it is plain `node:http`, which
 * the config check allows only on loopback.
 *
 * Never throws: when the server cannot start (a credential key unset, a file missing or
 * unreadable, bad PEM, the port taken) it logs one ERROR naming the file or key and returns
 * undefined, so port sync keeps running without metrics. When none of `cert`, `key` and `ca`
 * is set, the server stays off with a NOTICE line.
 */
export async function startMetricsServer(
  options: MetricsServerOptions,
): Promise<MetricsServer | undefined> {
  const { metrics, address, router } = options;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    serve(request, response).catch((error) => {
      log.warning("Failed to respond to metrics request", { path: request.url, error });
      response.destroy();
    });
  };
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = request.method ?? "GET";
    const answer = await router.handle(method, url);
    const body = new TextEncoder().encode(answer.body);
    response.writeHead(answer.status, {
      "content-type": answer.contentType,
      "content-length": String(body.byteLength),
      "cache-control": "no-store",
    });
    response.end(method === "HEAD" ? undefined : body);
    log.trace("Served metrics request", { method, path: url.pathname, status: answer.status });
  };

  // Node's HTTP modules are loaded only here, also in the bundle, where a static import
  // would load them at start-up even with the server off.
  let server: Server;
  if (metrics.tls) {
    const credentials = await readCredentials(metrics);
    if (!credentials) return undefined;
    const https = await import("node:https");
    try {
      server = https.createServer({
        ...credentials,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: metrics.min_tls_version as "TLSv1.2" | "TLSv1.3",
      }, listener);
    } catch (error) {
      log.error(
        "Failed to load metrics TLS credentials from [metrics] cert, key and ca, metrics server " +
          "stays off; check that they are PEM files of one key pair and its CA",
        { cert: metrics.cert, key: metrics.key, ca: metrics.ca, error },
      );
      return undefined;
    }
    server.on("tlsClientError", (error: Error) => {
      log.debug("Rejected metrics client in the TLS handshake", { error });
    });
  } else {
    const http = await import("node:http");
    server = http.createServer(listener);
  }

  const bound = await new Promise<ListenAddress | Error>((resolve) => {
    server.once("error", (error: Error) => resolve(error));
    server.listen(address.port, address.host, () => {
      const info = server.address();
      resolve({
        host: address.host,
        port: typeof info === "object" && info !== null ? info.port : address.port,
      });
    });
  });
  if (bound instanceof Error) {
    log.error("Failed to listen for metrics on [metrics] listen, metrics server stays off", {
      listen: metrics.listen,
      error: bound,
    });
    return undefined;
  }
  server.on("error", (error: Error) => log.warning("Metrics server error", { error }));
  log.info("Serving metrics", {
    listen: `${bound.host.includes(":") ? `[${bound.host}]` : bound.host}:${bound.port}`,
    tls: metrics.tls,
    paths: router.paths().join(","),
  });
  return {
    address: bound,
    tls: metrics.tls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

async function readCredentials(
  metrics: Config["metrics"],
): Promise<{ cert: string; key: string; ca: string } | undefined> {
  if (!metricsServerWanted(metrics)) return undefined;
  const unset = CREDENTIAL_KEYS.filter((key) => metrics[key] === undefined);
  if (unset.length > 0) {
    log.error(
      "Failed to start metrics server: a [metrics] credential key is unset; set cert, key and ca",
      {
        unset: unset.map((key) => `metrics.${key}`).join(","),
      },
    );
    return undefined;
  }
  const values: Partial<Record<(typeof CREDENTIAL_KEYS)[number], string>> = {};
  for (const key of CREDENTIAL_KEYS) {
    const file = metrics[key]!;
    try {
      values[key] = await Deno.readTextFile(file);
    } catch (error) {
      log.error(
        "Failed to read a metrics TLS file, metrics server stays off; fix the path or the " +
          "file's permissions",
        { file, key: `metrics.${key}`, error },
      );
      return undefined;
    }
  }
  return values as { cert: string; key: string; ca: string };
}
