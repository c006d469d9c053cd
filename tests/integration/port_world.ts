/**
 * A running daemon with many veth ports, for the robustness tests.
 *
 * The world is built the way SONiC brings a switch up: CONFIG_DB contains the ports, the daemon
 * cold-starts and writes them with PortConfigDone, an orchagent stand-in pops them, and only
 * then the port netdevs appear (so the daemon does not treat them as leftovers). The world is
 * ready once STATE_DB holds every port and PortInitDone is visible.
 *
 * @module
 */

import type { Redis } from "ioredis";
import {
  createNamespace,
  type DaemonProcess,
  isolatedConfig,
  type Namespace,
  Orchagent,
  peerName,
  type PortFields,
  type RedisServer,
  seedConfigPorts,
  startDaemon,
  startRedis,
  waitFor,
} from "../support/mod.ts";

/** Options of {@linkcode startPortWorld}. */
export interface PortWorldOptions {
  /** Number of ports `Ethernet0`, `Ethernet4`, ... to configure and create. */
  ports: number;
  /** Short tag for the namespace name. */
  tag: string;
  /** TOML text of the daemon config; none is passed when unset. */
  config?: string;
  /** Extra `redis.conf` lines. */
  redisConfig?: string[];
  /**
   * Creates the netdevs once PortConfigDone is visible and waits for their state.
   * @default {true}
   */
  createPorts?: boolean;
  /** Log level passed with `--log-level`. @default {"INFO"} */
  logLevel?: string;
  /** Runs after Redis is seeded and before the daemon starts, e.g. to start a recorder. */
  beforeDaemon?: (redis: RedisServer) => Promise<void>;
}

/** A running world; call `close()` in a `finally` block. */
export interface PortWorld {
  redis: RedisServer;
  ns: Namespace;
  daemon: DaemonProcess;
  orchagent: Orchagent;
  configDb: Redis;
  applDb: Redis;
  stateDb: Redis;
  /** Port names in CONFIG_DB order. */
  names: string[];
  close(): Promise<void>;
}

/** MTU of every port, as in the scenarios. */
export const PORT_MTU = 9100;

/** Port names `Ethernet0`, `Ethernet4`, ... */
export function portNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `Ethernet${index * 4}`);
}

/** CONFIG_DB fields of port number `index`, P2-style. */
export function configFields(index: number): PortFields {
  return {
    alias: `etp${index + 1}`,
    index: String(index + 1),
    lanes: [0, 1, 2, 3].map((lane) => index * 4 + lane).join(","),
    speed: "100000",
    mtu: String(PORT_MTU),
    admin_status: "up",
  };
}

/** `ip -batch` lines that create a veth port with its peer, both up (UPR). */
export function addPortCommands(name: string): string[] {
  const peer = peerName(name);
  return [
    `link add ${name} mtu ${PORT_MTU} type veth peer name ${peer} mtu ${PORT_MTU}`,
    `link set ${peer} up`,
    `link set ${name} up`,
  ];
}

/** The quad the daemon owns, as Redis returns it. */
export function quad(oper: boolean, admin = true, mtu = PORT_MTU): PortFields {
  return {
    state: "ok",
    netdev_oper_status: oper ? "up" : "down",
    admin_status: admin ? "up" : "down",
    mtu: String(mtu),
  };
}

/** Reads every `PORT_TABLE|*` hash of STATE_DB, keyed by port name. */
export async function readStatePorts(stateDb: Redis): Promise<Record<string, PortFields>> {
  const keys = await stateDb.keys("PORT_TABLE|*");
  const pipeline = stateDb.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  const ports: Record<string, PortFields> = {};
  keys.forEach((key, index) => {
    const [error, fields] = replies[index] ?? [new Error("missing reply"), undefined];
    if (error) throw error;
    ports[key.slice("PORT_TABLE|".length)] = fields as PortFields;
  });
  return sortKeys(ports);
}

/**
 * Reads what the kernel says about each port with `ip -j link show`: admin from UP, oper
 * from the operstate (ip does not print RUNNING), and MTU.
 */
export async function readKernelPorts(
  ns: Namespace,
  names: readonly string[],
): Promise<Record<string, PortFields>> {
  const parsed = JSON.parse(await ns.run(["-j", "link", "show"])) as Array<{
    ifname: string;
    flags: string[];
    mtu: number;
    operstate: string;
  }>;
  const wanted = new Set(names);
  const ports: Record<string, PortFields> = {};
  for (const link of parsed) {
    if (!wanted.has(link.ifname)) continue;
    const admin = link.flags.includes("UP");
    // The kernel sets RUNNING when the operstate is UP or UNKNOWN (netif_oper_up).
    const oper = admin && (link.operstate === "UP" || link.operstate === "UNKNOWN");
    ports[link.ifname] = quad(oper, admin, link.mtu);
  }
  return sortKeys(ports);
}

/** Returns a copy of a record with its keys in sorted order, for stable comparisons. */
export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Writes a daemon config file into the Redis test folder and returns its path. The warm
 * restart snapshot, the alert history and the syslog socket are kept in the same folder.
 */
export async function writeDaemonConfig(redis: RedisServer, text: string): Promise<string> {
  const path = `${redis.dir}/portsyncd.toml`;
  await Deno.writeTextFile(
    path,
    `${text}
${isolatedConfig(redis.dir)}`,
  );
  return path;
}

/** Starts Redis, the orchagent stand-in, a namespace and the daemon, then the ports. */
export async function startPortWorld(options: PortWorldOptions): Promise<PortWorld> {
  const names = portNames(options.ports);
  const redis = await startRedis({ extraConfig: options.redisConfig });
  const closers: Array<() => Promise<unknown>> = [() => redis.stop()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      await closer().catch(() => {});
    }
  };
  try {
    const configDb = redis.client("CONFIG_DB");
    const applDb = redis.client("APPL_DB");
    const stateDb = redis.client("STATE_DB");
    await seedConfigPorts(
      configDb,
      Object.fromEntries(names.map((name, index) => [name, configFields(index)])),
    );
    const orchagent = new Orchagent(redis.client("APPL_DB"));
    await orchagent.startAuto();
    closers.push(() => orchagent.stop());
    const ns = await createNamespace(`rb-${options.tag}`);
    closers.push(() => ns.delete());
    const configPath = options.config === undefined
      ? undefined
      : await writeDaemonConfig(redis, options.config);
    await options.beforeDaemon?.(redis);
    const daemon = await startDaemon({
      namespace: ns,
      dbConfigPath: redis.dbConfigPath,
      configPath,
      args: ["--log-level", options.logLevel ?? "INFO"],
    });
    closers.push(() => daemon.stop());
    const world = { redis, ns, daemon, orchagent, configDb, applDb, stateDb, names, close };
    if (options.createPorts ?? true) await createPorts(world);
    return world;
  } catch (error) {
    await close();
    throw error;
  }
}

/** Waits for the cold-start writes to be popped, creates the ports and waits for their state. */
export async function createPorts(world: PortWorld): Promise<void> {
  const { applDb, stateDb, ns, names } = world;
  await waitFor(async () => (await applDb.exists("PORT_TABLE:PortConfigDone")) === 1, {
    message: "PortConfigDone popped by the orchagent stand-in",
    timeoutMs: 10000,
  });
  await ns.batch(names.flatMap(addPortCommands));
  const expected = Object.fromEntries(names.map((name) => [name, quad(true)]));
  await waitFor(
    async () => {
      const state = await readStatePorts(stateDb);
      return JSON.stringify(state) === JSON.stringify(sortKeys(expected)) &&
        (await applDb.exists("PORT_TABLE:PortInitDone")) === 1;
    },
    { message: `${names.length} ports up in STATE_DB and PortInitDone`, timeoutMs: 10000 },
  );
}
