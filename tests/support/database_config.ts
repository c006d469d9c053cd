/**
 * SONiC `database_config.json` for test Redis servers.
 *
 * The daemon finds its databases the way swss-common does: through a JSON file that maps
 * each database name to a Redis instance, a logical DB number and a key separator
 * (swss-common `SonicDBConfig`). This file contains the default map of the sample file
 * that swss-common ships, and writes it for one test instance on a unix socket.
 *
 * @module
 */

/** One `DATABASES` entry of `database_config.json`. */
export interface DatabaseEntry {
  /** Redis logical database number, sent as `SELECT <id>`. */
  id: number;
  /** Separator between table name and key: `:` or `|`. */
  separator: ":" | "|";
  /** Name of an `INSTANCES` entry. */
  instance: string;
}

/** The SONiC `database_config.json` document. */
export interface DatabaseConfig {
  INSTANCES: Record<string, { hostname: string; port: number; unix_socket_path: string }>;
  DATABASES: Record<string, DatabaseEntry>;
  VERSION: string;
}

/**
 * Default DB map of swss-common's sample `database_config.json`, every database on `redis`.
 *
 * The CHASSIS_* databases use `redis_chassis` on a real chassis. Tests have one server, so
 * they point at `redis` too.
 */
export const DEFAULT_DATABASES: Readonly<Record<string, Readonly<DatabaseEntry>>> = {
  APPL_DB: { id: 0, separator: ":", instance: "redis" },
  ASIC_DB: { id: 1, separator: ":", instance: "redis" },
  COUNTERS_DB: { id: 2, separator: ":", instance: "redis" },
  LOGLEVEL_DB: { id: 3, separator: ":", instance: "redis" },
  CONFIG_DB: { id: 4, separator: "|", instance: "redis" },
  PFC_WD_DB: { id: 5, separator: ":", instance: "redis" },
  FLEX_COUNTER_DB: { id: 5, separator: ":", instance: "redis" },
  STATE_DB: { id: 6, separator: "|", instance: "redis" },
  SNMP_OVERLAY_DB: { id: 7, separator: "|", instance: "redis" },
  RESTAPI_DB: { id: 8, separator: "|", instance: "redis" },
  GB_ASIC_DB: { id: 9, separator: ":", instance: "redis" },
  GB_COUNTERS_DB: { id: 10, separator: ":", instance: "redis" },
  GB_FLEX_COUNTER_DB: { id: 11, separator: ":", instance: "redis" },
  CHASSIS_APP_DB: { id: 12, separator: "|", instance: "redis" },
  CHASSIS_STATE_DB: { id: 13, separator: "|", instance: "redis" },
  APPL_STATE_DB: { id: 14, separator: ":", instance: "redis" },
  DPU_APPL_DB: { id: 15, separator: ":", instance: "redis" },
  DPU_APPL_STATE_DB: { id: 16, separator: "|", instance: "redis" },
  DPU_STATE_DB: { id: 17, separator: "|", instance: "redis" },
  DPU_COUNTERS_DB: { id: 18, separator: ":", instance: "redis" },
};

/**
 * Builds the config document for one instance `redis` listening on `socketPath`.
 *
 * Hostname and port keep the SONiC sample values (127.0.0.1:6379). The test server listens
 * on no TCP port, so a client that wrongly uses TCP fails instead of reaching another server.
 *
 * @param socketPath Absolute path of the server's unix socket.
 * @returns A fresh document that the caller may change before writing.
 */
export function buildDatabaseConfig(socketPath: string): DatabaseConfig {
  const databases: Record<string, DatabaseEntry> = {};
  for (const [name, entry] of Object.entries(DEFAULT_DATABASES)) databases[name] = { ...entry };
  return {
    INSTANCES: {
      redis: { hostname: "127.0.0.1", port: 6379, unix_socket_path: socketPath },
    },
    DATABASES: databases,
    VERSION: "1.0",
  };
}

/**
 * Looks up a database number by name in the default map.
 *
 * @param dbName A name such as `APPL_DB`.
 * @returns The logical DB number.
 * @throws {RangeError} When the name is not in {@linkcode DEFAULT_DATABASES}.
 */
export function databaseId(dbName: string): number {
  const entry = DEFAULT_DATABASES[dbName];
  if (entry === undefined) {
    throw new RangeError(
      `Look up database "${dbName}" failed: the name is not in the default map. ` +
        `Use one of ${Object.keys(DEFAULT_DATABASES).join(", ")}`,
    );
  }
  return entry.id;
}
