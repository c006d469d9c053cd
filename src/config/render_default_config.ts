/**
 * Writes the default configuration file shipped as `/etc/sonic/portsyncd.toml`, generated
 * from {@linkcode CONFIG_SCHEMA} so that every key appears with its documentation, range and
 * default, and the file cannot drift from the loader.
 *
 * @module
 */

import { CONFIG_SCHEMA, type KeySpec } from "./config_schema.ts";

/** First lines of the file: what it is and how the daemon reads it. */
const HEADER = [
  "# portsyncd configuration, TOML 1.0.",
  "#",
  "# Every key is listed with its built-in default. Keys left commented out keep that",
  "# default; remove the leading '# ' to change one. Unknown keys are reported and ignored.",
  "# The daemon reads this file at start-up; restart it to apply a change.",
];

/**
 * Renders the default configuration as TOML text.
 *
 * Keys with a default are written commented out with that default, so a later package
 * version that changes a default reaches users who never edited the key. Keys without a
 * default (optional strings, table arrays) are described only.
 *
 * @returns The file text, ending with a newline.
 */
export function renderDefaultConfig(): string {
  const lines = [...HEADER];
  for (const [section, keys] of Object.entries(CONFIG_SCHEMA)) {
    lines.push("", `[${section}]`);
    for (const [key, spec] of Object.entries(keys) as [string, KeySpec][]) {
      lines.push("", `# ${spec.doc}.`);
      const detail = describeSpec(spec);
      if (detail !== undefined) lines.push(`# ${detail}`);
      lines.push(`# ${key} = ${exampleValue(spec)}`);
    }
  }
  return lines.join("\n") + "\n";
}

function describeSpec(spec: KeySpec): string | undefined {
  switch (spec.type) {
    case "integer":
      return `Integer from ${spec.min} to ${spec.max}; default ${spec.default}.`;
    case "string":
      return spec.choices ? `One of ${spec.choices.join(", ")}.` : undefined;
    case "optional-string":
      return spec.choices
        ? `One of ${spec.choices.join(", ")}. Unset by default; the line below is an example.`
        : "Unset by default; the line below is an example.";
    case "boolean":
      return `true or false; default ${spec.default}.`;
    case "table-array":
      return "Array of tables; empty by default.";
  }
}

function exampleValue(spec: KeySpec): string {
  switch (spec.type) {
    case "integer":
    case "boolean":
      return String(spec.default);
    case "string":
      return JSON.stringify(spec.default);
    case "optional-string":
      return JSON.stringify(spec.example);
    case "table-array":
      return "[]";
  }
}
