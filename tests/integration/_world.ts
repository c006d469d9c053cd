/**
 * One isolated test world for the integration tests: a private redis-server, a network
 * namespace, an orchagent stand-in and, once started, the daemon. Nothing is shared between
 * tests; {@linkcode withWorld} tears everything down, also when the test fails.
 *
 * @module
 */

import type { Redis } from "ioredis";
import {
  createNamespace,
  type DaemonProcess,
  type Namespace,
  Orchagent,
  type Recorder,
  type RedisServer,
  startDaemon,
  startRecorder,
  startRedis,
  waitFor,
} from "../support/mod.ts";

/** What one integration test works with. */
export interface World {
  redis: RedisServer;
  ns: Namespace;
  configDb: Redis;
  applDb: Redis;
  stateDb: Redis;
  orchagent: Orchagent;
  /** Starts the MONITOR and keyspace recorder; stopped by {@linkcode withWorld}. */
  record(): Promise<Recorder>;
  /** Starts the daemon in the namespace at INFO level; stopped by {@linkcode withWorld}. */
  start(): Promise<DaemonProcess>;
}

/** Builds a world, runs `body` in it, and tears the world down whatever happens. */
export async function withWorld(prefix: string, body: (world: World) => Promise<void>) {
  const redis = await startRedis();
  let ns: Namespace | undefined;
  let orchagent: Orchagent | undefined;
  const recorders: Recorder[] = [];
  const daemons: DaemonProcess[] = [];
  try {
    ns = await createNamespace(prefix);
    const applDb = redis.client("APPL_DB");
    orchagent = new Orchagent(applDb);
    const namespace = ns;
    const world: World = {
      redis,
      ns: namespace,
      configDb: redis.client("CONFIG_DB"),
      applDb,
      stateDb: redis.client("STATE_DB"),
      orchagent,
      record: async () => {
        const recorder = await startRecorder(redis);
        recorders.push(recorder);
        return recorder;
      },
      start: async () => {
        const daemon = await startDaemon({
          namespace,
          dbConfigPath: redis.dbConfigPath,
          args: ["--log-level", "INFO"],
        });
        daemons.push(daemon);
        return daemon;
      },
    };
    await body(world);
    for (const daemon of daemons) {
      const status = await daemon.stop();
      if (status.code !== 0) {
        throw new Error(
          `Stop the daemon failed: exit code ${status.code}; log:\n${daemon.lines.join("\n")}`,
        );
      }
    }
  } catch (error) {
    for (const daemon of daemons) {
      // deno-lint-ignore no-console
      console.error(`daemon log:\n${daemon.lines.slice(-60).join("\n")}`);
    }
    throw error;
  } finally {
    for (const daemon of daemons) await daemon.stop();
    for (const recorder of recorders) await recorder.stop();
    await orchagent?.stop().catch(() => {});
    await ns?.delete();
    await redis.stop();
  }
}

/** Waits until the daemon's staged `PortConfigDone` is in `PORT_TABLE_KEY_SET` or was popped. */
export async function waitPortConfigDone(world: World, timeoutMs = 5000): Promise<void> {
  await waitFor(
    async () =>
      world.orchagent.log.some((entry) => entry.key === "PortConfigDone") ||
      await world.applDb.sismember("PORT_TABLE_KEY_SET", "PortConfigDone") === 1 ||
      await world.applDb.exists("PORT_TABLE:PortConfigDone") === 1,
    { message: "PortConfigDone staged", timeoutMs },
  );
}

/** Reads a whole hash, `undefined` when the key does not exist. */
export async function readHash(
  client: Redis,
  key: string,
): Promise<Record<string, string> | undefined> {
  const fields = await client.hgetall(key);
  return Object.keys(fields).length === 0 ? undefined : fields;
}

/** The four STATE_DB fields the daemon owns, as strings. */
export function quad(oper: "up" | "down", admin: "up" | "down", mtu = "9100") {
  return { state: "ok", netdev_oper_status: oper, admin_status: admin, mtu };
}

/** Waits until STATE_DB `PORT_TABLE|<name>` equals `expected` exactly (undefined = absent). */
export async function waitStatePort(
  world: World,
  name: string,
  expected: Record<string, string> | undefined,
  timeoutMs = 3000,
): Promise<void> {
  const want = JSON.stringify(expected === undefined ? null : sortKeys(expected));
  await waitFor(
    async () => {
      const hash = await readHash(world.stateDb, `PORT_TABLE|${name}`);
      return JSON.stringify(hash === undefined ? null : sortKeys(hash)) === want;
    },
    { message: `STATE_DB PORT_TABLE|${name} = ${want}`, timeoutMs },
  ).catch(async (error) => {
    const hash = await readHash(world.stateDb, `PORT_TABLE|${name}`);
    throw new Error(`${error.message}; now ${JSON.stringify(hash)}`);
  });
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a < b ? -1 : 1));
}

/** Names added to APPL_DB `PORT_TABLE_KEY_SET`, in execution order, from MONITOR records. */
export function keySetAdds(recorder: Recorder): string[] {
  return recorder.commands
    .filter((command) =>
      command.db === 0 && command.args[0]?.toUpperCase() === "SADD" &&
      command.args[1] === "PORT_TABLE_KEY_SET"
    )
    .map((command) => command.args[2]!);
}

/** Commands that only read, left out of {@linkcode stateWrites}. */
const READ_COMMANDS = new Set(["HGETALL", "HGET", "EXISTS", "HEXISTS", "KEYS", "TYPE"]);

/** STATE_DB (db 6) commands that change `PORT_TABLE|<name>`, from MONITOR records. */
export function stateWrites(recorder: Recorder, name: string): string[][] {
  return recorder.commandsOn(6, `PORT_TABLE|${name}`)
    .map((command) => command.args)
    .filter((args) => !READ_COMMANDS.has(args[0]?.toUpperCase() ?? ""));
}

/**
 * Brings the world to steady state: CONFIG_DB P2-style ports, their APPL_DB entries visible,
 * orchagent popping, the daemon started and PortInitDone popped.
 */
export async function startSteady(
  world: World,
  ports: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<DaemonProcess> {
  for (const [name, fields] of Object.entries(ports)) {
    await world.configDb.hset(`PORT|${name}`, fields);
    await world.applDb.hset(`PORT_TABLE:${name}`, fields);
  }
  await world.orchagent.startAuto();
  const daemon = await world.start();
  await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
    message: "PortInitDone popped",
    timeoutMs: 5000,
  });
  return daemon;
}

/** Pauses for `ms` milliseconds, for waits where nothing observable should happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
