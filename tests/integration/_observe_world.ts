/**
 * A world for the operations tests: Redis, a namespace, an orchagent stand-in, test
 * certificates, a config file enabling the metrics server, and the daemon in the namespace.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { makeTestCertificates, type TestCertificates } from "../support/certificates.ts";
import { curlOutputArgs, type CurlResult, runCurl } from "../support/curl.ts";
import {
  createNamespace,
  type DaemonProcess,
  type Namespace,
  Orchagent,
  type RedisServer,
  startDaemon,
  startRedis,
} from "../support/mod.ts";

/** What one test gets. */
export interface ObserveWorld {
  redis: RedisServer;
  ns: Namespace;
  certs: TestCertificates;
  configDb: Redis;
  stateDb: Redis;
  orchagent: Orchagent;
  /** Temporary folder for the config file and test sockets. */
  dir: string;
  /** Starts the daemon with a config file made of the metrics section and `extraToml`. */
  start(options?: { extraToml?: string; env?: Record<string, string> }): Promise<DaemonProcess>;
}

/** Builds the world, runs `body`, and tears everything down, also on failure. */
export async function withObserveWorld(
  prefix: string,
  body: (world: ObserveWorld) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => redis.stop()];
  let daemon: DaemonProcess | undefined;
  try {
    const ns = await createNamespace(prefix);
    cleanups.unshift(() => ns.delete());
    const certs = await makeTestCertificates();
    cleanups.unshift(() => certs.remove());
    const dir = await Deno.makeTempDir({ prefix: "portsyncd-observe-" });
    cleanups.unshift(() => Deno.remove(dir, { recursive: true }).catch(() => {}));
    const orchagent = new Orchagent(redis.client("APPL_DB"));
    cleanups.unshift(() => orchagent.stop().catch(() => {}));
    const world: ObserveWorld = {
      redis,
      ns,
      certs,
      dir,
      configDb: redis.client("CONFIG_DB"),
      stateDb: redis.client("STATE_DB"),
      orchagent,
      async start(options = {}) {
        const configPath = `${dir}/portsyncd.toml`;
        await Deno.writeTextFile(
          configPath,
          `[metrics]\nlisten = "[::1]:9090"\ncert = "${certs.serverCert}"\n` +
            `key = "${certs.serverKey}"\nca = "${certs.ca}"\n${options.extraToml ?? ""}\n` +
            `[warm_restart]\nstate_file = "${dir}/port_state.json"\n` +
            `[alerting]\nhistory_db = "${dir}/alerts.db"\n`,
        );
        daemon = await startDaemon({
          namespace: ns,
          dbConfigPath: redis.dbConfigPath,
          configPath,
          env: options.env,
        });
        return daemon;
      },
    };
    await body(world);
    if (daemon) {
      const status = await daemon.stop();
      daemon = undefined;
      if (status.code !== 0) throw new Error(`Stop the daemon failed: exit code ${status.code}`);
    }
  } finally {
    if (daemon) {
      // deno-lint-ignore no-console
      console.error(`daemon log:\n${daemon.lines.slice(-40).join("\n")}`);
      await daemon.stop();
    }
    for (const cleanup of cleanups) await cleanup();
  }
}

/** Fetches `https://[::1]:9090<path>` from inside the namespace with curl. */
export async function curlInNamespace(
  world: ObserveWorld,
  path: string,
  client: { cert: string; key: string } | undefined,
): Promise<CurlResult> {
  const args = ["netns", "exec", world.ns.name, "curl", ...curlOutputArgs()];
  args.push("--cacert", world.certs.ca);
  if (client) args.push("--cert", client.cert, "--key", client.key);
  args.push(`https://[::1]:9090${path}`);
  return await runCurl("ip", args);
}

/** Reads one sample of `name{labels}` from Prometheus text, undefined when absent. */
export function sampleValue(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
