/**
 * The short end-to-end check that every shipped form of the daemon must pass: a cold start
 * against a private `redis-server`, inside a new network namespace.
 *
 * The daemon copies the CONFIG_DB ports to APPL_DB and writes `PortConfigDone`; after that a
 * veth `Ethernet0` appears (as orchagent would create it), an orchagent stand-in pops APPL_DB,
 * and the daemon must report the port `state=ok` in STATE_DB.
 *
 * @module
 */

import { assert, assertEquals } from "../assert.ts";
import {
  createNamespace,
  type DaemonProcess,
  Orchagent,
  P2_PORTS,
  readStatePort,
  type RedisServer,
  seedConfigPorts,
  startDaemon,
  waitFor,
} from "../support/mod.ts";

/** How the daemon under check is started. */
export interface ColdStartTarget {
  /** Program and leading arguments, run inside the namespace with `ip netns exec`. */
  command: string[];
  /** `database_config.json` path inside the daemon's root. */
  dbConfigPath: string;
  /** Extra arguments after `--db-config`. */
  args?: string[];
}

/** Maximum wait for each step of the check, in milliseconds. */
const STEP_TIMEOUT_MS = 10_000;

/**
 * Runs the cold-start check against `redis` and returns the daemon's log lines.
 *
 * @param redis A running server with an empty keyspace.
 * @param target How to start the daemon.
 * @throws {Error} When a step does not happen within 10 s; the message names the step.
 */
export async function runColdStartCheck(
  redis: RedisServer,
  target: ColdStartTarget,
): Promise<string[]> {
  const configDb = redis.client("CONFIG_DB");
  const applDb = redis.client("APPL_DB");
  const stateDb = redis.client("STATE_DB");
  const namespace = await createNamespace("pkg");
  let daemon: DaemonProcess | undefined;
  const orchagent = new Orchagent(applDb);
  try {
    await seedConfigPorts(configDb, P2_PORTS);
    daemon = await startDaemon({
      namespace,
      dbConfigPath: target.dbConfigPath,
      command: target.command,
      args: target.args,
    });
    const running = daemon;
    await withLog(running, () =>
      waitFor(
        async () => (await applDb.sismember("PORT_TABLE_KEY_SET", "PortConfigDone")) === 1,
        { timeoutMs: STEP_TIMEOUT_MS, message: "PortConfigDone staged in APPL_DB" },
      ));
    const staged = await applDb.smembers("PORT_TABLE_KEY_SET");
    assertEquals(staged.sort(), ["Ethernet0", "Ethernet4", "PortConfigDone"]);

    await orchagent.startAuto();
    await namespace.addPort("Ethernet0", { up: true, peerUp: true });
    const state = await withLog(running, () =>
      waitFor(
        async () => {
          const fields = await readStatePort(stateDb, "Ethernet0");
          return fields?.state === "ok" ? fields : undefined;
        },
        { timeoutMs: STEP_TIMEOUT_MS, message: "Ethernet0 state=ok in STATE_DB" },
      ));
    assertEquals(state.state, "ok");
    const popped = orchagent.log.map((entry) => entry.key);
    assert(popped.includes("Ethernet0"), `orchagent popped ${popped.join(", ")}`);

    const status = await daemon.stop();
    assertEquals(status.code, 0, `daemon exit code, log:\n${daemon.lines.join("\n")}`);
    return daemon.lines;
  } finally {
    await daemon?.stop();
    await orchagent.stop().catch(() => {});
    await namespace.delete();
    configDb.disconnect();
    applDb.disconnect();
    stateDb.disconnect();
  }
}

/**
 * Runs `step`, fails early when the daemon exits first, and adds the daemon's log to the
 * message of the error.
 */
async function withLog<T>(daemon: DaemonProcess, step: () => Promise<T>): Promise<T> {
  const exited = daemon.exited.then((status) => {
    throw new Error(`Cold-start check failed: the daemon exited with code ${status.code}`);
  });
  try {
    return await Promise.race([step(), exited]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\ndaemon log:\n${daemon.lines.slice(-30).join("\n")}`, {
      cause: error,
    });
  }
}
