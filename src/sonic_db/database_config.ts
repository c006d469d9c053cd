/**
 * Loader for SONiC's `database_config.json`, the file that maps database names such as
 * `APPL_DB` to a Redis instance, a logical DB number and a key separator.
 *
 * @module
 */

/** Path that swss-common loads when no other file is given (`SonicDBConfig::DEFAULT_SONIC_DB_CONFIG_FILE`). */
export const DEFAULT_DATABASE_CONFIG_PATH = "/var/run/redis/sonic-db/database_config.json";

/** Separator between table name and key. swss-common `TableBase` accepts only these two. */
export type Separator = ":" | "|";

/** Redis server entry from `INSTANCES.<name>`. */
export interface InstanceInfo {
  /** TCP host, used only when `unixSocketPath` is absent. */
  hostname: string;
  /** TCP port. */
  port: number;
  /** Unix socket path. Absent when the JSON omits it or gives an empty string. */
  unixSocketPath?: string;
}

/** Database entry from `DATABASES.<name>`. */
export interface DatabaseInfo {
  /** Database name, for example `APPL_DB`. */
  name: string;
  /** Redis logical DB number, sent as `SELECT <id>`. */
  id: number;
  /** Separator between table name and key. */
  separator: Separator;
  /** Name of the `INSTANCES` entry that serves this database. */
  instance: string;
}

/** Parsed `database_config.json`. */
export interface DatabaseConfig {
  /** File the config was read from, for error messages. */
  path: string;
  /** Redis instances by name. */
  instances: Map<string, InstanceInfo>;
  /** Databases by name. */
  databases: Map<string, DatabaseInfo>;
  /**
   * Look up a database by name.
   *
   * @throws {DatabaseConfigError} When the file has no such database.
   */
  database(name: string): DatabaseInfo;
}

/** Error raised when `database_config.json` cannot be read, parsed or used. */
export class DatabaseConfigError extends Error {
  /** Config file the error refers to. */
  readonly path: string;

  /** Create the error for config file `path`. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabaseConfigError";
    this.path = path;
  }
}

/**
 * Read and validate a SONiC `database_config.json`.
 *
 * Checks every key that swss-common's `SonicDBConfig::parseDatabaseConfig` requires, the
 * separator (`:` or `|`) and that each database names an existing instance. `VERSION` and
 * unknown keys are ignored, as in the C++ parser.
 *
 * @param path File to read, usually {@linkcode DEFAULT_DATABASE_CONFIG_PATH}.
 * @returns The instances and databases of the file.
 * @throws {DatabaseConfigError} When the file is missing, unreadable, not JSON or invalid.
 */
export async function loadDatabaseConfig(path: string): Promise<DatabaseConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DatabaseConfigError(
        path,
        `Failed to read SONiC database config ${path}: file not found; ` +
          "pass --db-config PATH or start the database service first",
        { cause: error },
      );
    }
    throw new DatabaseConfigError(
      path,
      `Failed to read SONiC database config ${path}: ${errorMessage(error)}; ` +
        "check that the path is a readable file",
      { cause: error },
    );
  }
  return parseDatabaseConfig(path, text);
}

/**
 * Validate the text of a `database_config.json` that was read from `path`.
 *
 * @param path File name used in error messages.
 * @param text JSON text of the file.
 * @throws {DatabaseConfigError} When the text is not JSON or lacks a required key.
 */
export function parseDatabaseConfig(path: string, text: string): DatabaseConfig {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new DatabaseConfigError(
      path,
      `Failed to parse SONiC database config ${path}: ${describeJsonError(text, error)}; ` +
        "fix the JSON syntax in that file",
      { cause: error },
    );
  }

  const instances = new Map<string, InstanceInfo>();
  for (const [name, value] of Object.entries(requireObject(path, root, "INSTANCES"))) {
    const jsonPath = `INSTANCES.${name}`;
    const entry = requireObjectValue(path, value, jsonPath);
    const info: InstanceInfo = {
      hostname: requireString(path, entry, `${jsonPath}.hostname`),
      port: requirePort(path, entry, `${jsonPath}.port`),
    };
    const socketPath = entry["unix_socket_path"];
    if (socketPath !== undefined && typeof socketPath !== "string") {
      throw invalidType(path, `${jsonPath}.unix_socket_path`, "a string", socketPath);
    }
    if (socketPath) info.unixSocketPath = socketPath;
    instances.set(name, info);
  }

  const databases = new Map<string, DatabaseInfo>();
  for (const [name, value] of Object.entries(requireObject(path, root, "DATABASES"))) {
    const jsonPath = `DATABASES.${name}`;
    const entry = requireObjectValue(path, value, jsonPath);
    const id = requireKey(path, entry, `${jsonPath}.id`);
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw invalidType(path, `${jsonPath}.id`, "a non-negative integer", id);
    }
    const separator = requireString(path, entry, `${jsonPath}.separator`);
    if (separator !== ":" && separator !== "|") {
      throw new DatabaseConfigError(
        path,
        `Failed to load SONiC database config ${path}: ${jsonPath}.separator is ` +
          `${JSON.stringify(separator)}, but only ":" and "|" are allowed; fix the value`,
      );
    }
    const instance = requireString(path, entry, `${jsonPath}.instance`);
    if (!instances.has(instance)) {
      throw new DatabaseConfigError(
        path,
        `Failed to load SONiC database config ${path}: ${jsonPath}.instance names ` +
          `${JSON.stringify(instance)}, which is not in INSTANCES; ` +
          `add INSTANCES.${instance} or fix the name`,
      );
    }
    databases.set(name, { name, id, separator, instance });
  }

  return {
    path,
    instances,
    databases,
    database(name: string): DatabaseInfo {
      const info = databases.get(name);
      if (info === undefined) {
        throw new DatabaseConfigError(
          path,
          `Database ${name} not found in ${path}: add it under DATABASES`,
        );
      }
      return info;
    },
  };
}

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireKey(path: string, parent: JsonObject, jsonPath: string): unknown {
  const key = jsonPath.slice(jsonPath.lastIndexOf(".") + 1);
  const value = parent[key];
  if (value === undefined) {
    throw new DatabaseConfigError(
      path,
      `Failed to load SONiC database config ${path}: required key ${jsonPath} is missing; ` +
        "add it as in the SONiC sample database_config.json",
    );
  }
  return value;
}

function requireObject(path: string, root: unknown, key: string): JsonObject {
  if (!isJsonObject(root)) throw invalidType(path, "(top level)", "an object", root);
  return requireObjectValue(path, requireKey(path, root, key), key);
}

function requireObjectValue(path: string, value: unknown, jsonPath: string): JsonObject {
  if (!isJsonObject(value)) throw invalidType(path, jsonPath, "an object", value);
  return value;
}

function requireString(path: string, parent: JsonObject, jsonPath: string): string {
  const value = requireKey(path, parent, jsonPath);
  if (typeof value !== "string") throw invalidType(path, jsonPath, "a string", value);
  return value;
}

function requirePort(path: string, parent: JsonObject, jsonPath: string): number {
  const value = requireKey(path, parent, jsonPath);
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw invalidType(path, jsonPath, "an integer from 0 to 65535", value);
  }
  return value;
}

function invalidType(
  path: string,
  jsonPath: string,
  expected: string,
  value: unknown,
): DatabaseConfigError {
  return new DatabaseConfigError(
    path,
    `Failed to load SONiC database config ${path}: ${jsonPath} must be ${expected}, ` +
      `got ${JSON.stringify(value)}; fix the value`,
  );
}

/** Turn a `JSON.parse` error into "reason at line L column C" when V8 gives a position. */
function describeJsonError(text: string, error: unknown): string {
  const message = errorMessage(error);
  const match = /^(.*?) in JSON at position (\d+)/.exec(message);
  if (match === null) return message;
  const position = Number(match[2]);
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${match[1]} at line ${line} column ${column}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
