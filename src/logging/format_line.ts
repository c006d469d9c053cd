import type { LogRecord } from "@logtape/logtape";
import { sonicLevelName } from "./sonic_log_level.ts";

/** Maximum length of one rendered property value before it is cut. */
const MAX_VALUE_CHARS = 200;

/**
 * Formats a record as one line: the SONiC level name right-aligned to six characters, the
 * category, the message and then each property as `key=value`, which is what SONiC operators
 * grep for. Values longer than 200 characters are cut and their full length appended.
 */
export function formatRecord(record: LogRecord): string {
  return `${sonicLevelName(record.level).padStart(6)} ${formatBody(record)}`;
}

/**
 * Formats a record without its level name: the category, the message and the properties as
 * `key=value`. Syslog carries the level in the priority instead.
 */
export function formatBody(record: LogRecord): string {
  let line = `${record.category.join(".")}: ${renderMessage(record.message)}`;
  for (const [key, value] of Object.entries(record.properties)) {
    if (value === undefined) continue;
    line += ` ${key}=${renderValue(value)}`;
  }
  return line;
}

function renderMessage(parts: readonly unknown[]): string {
  let text = "";
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    text += index % 2 === 0 ? String(part) : renderValue(part);
  }
  return text;
}

/** Renders a property value: plain when it has no spaces or quotes, JSON-quoted otherwise. */
export function renderValue(value: unknown): string {
  let text: string;
  if (value instanceof Error) {
    text = value.message;
  } else if (typeof value === "string") {
    text = value;
  } else if (typeof value === "object" && value !== null) {
    text = JSON.stringify(value);
  } else {
    text = String(value);
  }
  if (text.length > MAX_VALUE_CHARS) {
    text = `${text.slice(0, MAX_VALUE_CHARS)}...(${text.length} chars)`;
  }
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
