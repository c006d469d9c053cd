import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./config_error.ts";
import { type Config, CONFIG_SCHEMA, type KeySpec } from "./config_schema.ts";

/** Default location of the daemon's configuration file. */
export const DEFAULT_CONFIG_PATH = "/etc/sonic/portsyncd.toml";

/** A validated configuration and the problems that did not stop the daemon. */
export interface LoadedConfig {
  config: Config;
  /** Path that was read, or undefined when the defaults were used. */
  path: string | undefined;
  /** Unknown keys and sections, one message each. */
  warnings: string[];
}

/**
 * Reads and validates the TOML configuration.
 *
 * When `explicit` is false a missing file means "use the defaults", as for the default path;
 * a file named on the command line must exist.
 *
 * @throws {ConfigError} when the file cannot be read, is not TOML 1.0, or contains a value of
 * the wrong type or out of range.
 */
export async function loadConfig(path: string, explicit: boolean): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !explicit) {
      return { config: parseConfigText("", path).config, path: undefined, warnings: [] };
    }
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
    throw new ConfigError(
      path,
      `Failed to read config file ${path}: ${reason}; fix the path given to --config`,
      { cause: error },
    );
  }
  const { config, warnings } = parseConfigText(text, path);
  return { config, path, warnings };
}

/**
 * Parses TOML text and validates it against the schema, filling in defaults.
 *
 * @throws {ConfigError} on a syntax error (with line and column) or an invalid value.
 */
export function parseConfigText(text: string, path: string): Omit<LoadedConfig, "path"> {
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split("\n")[0];
      throw new ConfigError(
        path,
        `Failed to parse config file ${path} at line ${error.line}, column ${error.column}: ` +
          `${reason}; fix the TOML syntax there or pass another file with --config`,
        { cause: error },
      );
    }
    throw error;
  }

  const warnings: string[] = [];
  const config: Record<string, Record<string, unknown>> = {};
  for (const [sectionName, keys] of Object.entries(CONFIG_SCHEMA)) {
    const raw = document[sectionName];
    if (raw !== undefined && !isTable(raw)) {
      throw new ConfigError(
        path,
        `Invalid section [${sectionName}] in ${path}: expected a table, got ${describe(raw)}`,
      );
    }
    const section: Record<string, unknown> = {};
    const values = raw ?? {};
    for (const [key, spec] of Object.entries(keys) as [string, KeySpec][]) {
      section[key] = validateValue(path, `${sectionName}.${key}`, values[key], spec);
    }
    for (const key of Object.keys(values)) {
      if (!(key in keys)) {
        warnings.push(`Unknown key ${sectionName}.${key} in ${path} is ignored`);
      }
    }
    config[sectionName] = section;
  }
  for (const sectionName of Object.keys(document)) {
    if (!(sectionName in CONFIG_SCHEMA)) {
      warnings.push(
        isTable(document[sectionName])
          ? `Unknown section [${sectionName}] in ${path} is ignored`
          : `Unknown key ${sectionName} in ${path} is ignored; keys belong in a section such as [netlink]`,
      );
    }
  }
  return { config: config as Config, warnings };
}

function validateValue(path: string, name: string, value: unknown, spec: KeySpec): unknown {
  if (value === undefined) {
    if ("default" in spec) return spec.default;
    return spec.type === "table-array" ? [] : undefined;
  }
  const invalid = (expected: string) =>
    new ConfigError(
      path,
      `Invalid value for ${name} in ${path}: got ${describe(value)}, expected ${expected}`,
    );
  switch (spec.type) {
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw invalid(`an integer from ${spec.min} to ${spec.max}`);
      }
      if (value < spec.min || value > spec.max) {
        throw invalid(`an integer from ${spec.min} to ${spec.max}`);
      }
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw invalid("true or false");
      return value;
    case "string":
    case "optional-string":
      if (typeof value !== "string") throw invalid("a string");
      if (spec.choices && !spec.choices.includes(value)) {
        throw invalid(`one of ${spec.choices.join(", ")}`);
      }
      return value;
    case "table-array":
      if (!Array.isArray(value) || !value.every(isTable)) {
        throw invalid(`an array of tables ([[${name}]])`);
      }
      return value;
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return String(value);
}
