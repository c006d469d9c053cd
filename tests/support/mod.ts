/**
 * Integration-test harness for the port synchronization daemon.
 *
 * Each test builds its own world: a private `redis-server` on a unix socket with a SONiC
 * `database_config.json`, a network namespace with veth ports, an orchagent stand-in that
 * pops APPL_DB `PORT_TABLE`, a recorder of the server's commands, and the daemon itself
 * running inside the namespace.
 *
 * ```ts ignore
 * import { createNamespace, startDaemon, startRedis, waitFor, readStatePort } from "./mod.ts";
 *
 * const redis = await startRedis();
 * const ns = await createNamespace("example");
 * try {
 *   await ns.addPort("Ethernet0", { up: true, peerUp: true });
 *   const daemon = await startDaemon({ namespace: ns, dbConfigPath: redis.dbConfigPath });
 *   const stateDb = redis.client("STATE_DB");
 *   await waitFor(() => readStatePort(stateDb, "Ethernet0"), { message: "Ethernet0 state" });
 *   await daemon.stop();
 * } finally {
 *   await ns.delete();
 *   await redis.stop();
 * }
 * ```
 *
 * @module
 */

export * from "./consumer_state_table.ts";
export * from "./daemon.ts";
export * from "./database_config.ts";
export * from "./netns.ts";
export * from "./orchagent.ts";
export * from "./redis_recorder.ts";
export * from "./redis_server.ts";
export * from "./sonic_fixtures.ts";
export * from "./wait_for.ts";
