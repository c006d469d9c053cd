/**
 * SONiC database layer: `database_config.json` loading, Redis connections, the swss-common
 * `ProducerStateTable` and `Table` protocols, and the warm-restart check.
 *
 * ```ts ignore
 * import {
 *   createConnection,
 *   DEFAULT_DATABASE_CONFIG_PATH,
 *   loadDatabaseConfig,
 *   ProducerStateTable,
 * } from "./mod.ts";
 *
 * const config = await loadDatabaseConfig(DEFAULT_DATABASE_CONFIG_PATH);
 * const appl = config.database("APPL_DB");
 * const client = createConnection(config, "APPL_DB", { purpose: "appl" });
 * await client.connect();
 * const ports = new ProducerStateTable(client, "PORT_TABLE", appl.id, appl.separator);
 * await ports.set("Ethernet0", [["admin_status", "up"], ["mtu", "9100"]]);
 * ```
 *
 * @module
 */
export * from "./database_config.ts";
export * from "./connection.ts";
export * from "./producer_state_table.ts";
export * from "./redis_write_error.ts";
export * from "./table.ts";
export * from "./warm_start.ts";
