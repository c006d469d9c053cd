/**
 * Reading and printing STATE_DB `PORT_TABLE` as the demo shows it.
 *
 * @module
 */

import type { Redis } from "ioredis";

/** One STATE_DB `PORT_TABLE|<port>` row, reduced to the fields the demo shows. */
export interface PortRow {
  /** Port name, e.g. `Ethernet0`. */
  port: string;
  /** `state` field (`ok` once the netdev exists), `-` when absent. */
  state: string;
  /** `admin_status` field (`up`/`down`), `-` when absent. */
  admin: string;
  /** `netdev_oper_status` field (`up`/`down`), `-` when absent. */
  oper: string;
  /** `mtu` field in bytes, `-` when absent. */
  mtu: string;
}

/** Column titles, in print order. */
const COLUMNS = ["port", "state", "admin", "oper", "mtu"] as const;

/** Most keys read in one snapshot; the demo has at most 64 ports. */
const MAX_KEYS = 1024;

/**
 * Reads every STATE_DB `PORT_TABLE|*` hash, sorted by the number in the port name.
 *
 * @param stateDb A client on STATE_DB.
 * @returns The rows, one per key.
 * @throws {Error} When STATE_DB contains more than 1024 port keys, which the demo never writes.
 */
export async function readPortTable(stateDb: Redis): Promise<PortRow[]> {
  const keys = await stateDb.keys("PORT_TABLE|*");
  if (keys.length > MAX_KEYS) {
    throw new Error(
      `Read STATE_DB PORT_TABLE failed: ${keys.length} keys, more than ${MAX_KEYS}; ` +
        "use a fresh Redis server",
    );
  }
  const pipeline = stateDb.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = keys.length === 0 ? [] : (await pipeline.exec()) ?? [];
  const rows: PortRow[] = [];
  keys.forEach((key, index) => {
    const [error, value] = replies[index] ?? [null, {}];
    if (error) throw error;
    const fields = value as Record<string, string>;
    // A key can vanish between KEYS and HGETALL; it reads back as an empty hash.
    if (Object.keys(fields).length === 0) return;
    rows.push({
      port: key.slice("PORT_TABLE|".length),
      state: fields.state ?? "-",
      admin: fields.admin_status ?? "-",
      oper: fields.netdev_oper_status ?? "-",
      mtu: fields.mtu ?? "-",
    });
  });
  return rows.sort(comparePorts);
}

/** Orders `Ethernet4` before `Ethernet12`: by name prefix, then by trailing number. */
export function comparePorts(a: PortRow, b: PortRow): number {
  const [, prefixA = a.port, numberA = ""] = /^(.*?)(\d*)$/.exec(a.port) ?? [];
  const [, prefixB = b.port, numberB = ""] = /^(.*?)(\d*)$/.exec(b.port) ?? [];
  if (prefixA !== prefixB) return prefixA < prefixB ? -1 : 1;
  return Number(numberA || -1) - Number(numberB || -1);
}

/**
 * Formats rows as an aligned text table. Rows whose values differ from `previous` (or that are
 * new) start with `*`; ports present in `previous` but gone now are listed after the table.
 *
 * @param rows Current rows, already sorted.
 * @param previous Rows of the table printed before, if any.
 * @returns Lines without line ends: the header, one line per row, then an optional
 * `removed:` line. An empty table prints `(no ports)`.
 */
export function renderPortTable(rows: readonly PortRow[], previous?: readonly PortRow[]): string[] {
  const widths = COLUMNS.map((column) =>
    Math.max(column.length, ...rows.map((row) => row[column].length))
  );
  const format = (values: readonly string[]) =>
    values.map((value, index) => value.padEnd(widths[index]!)).join("  ").trimEnd();
  const before = new Map((previous ?? []).map((row) => [row.port, row]));
  const lines = [`  ${format(COLUMNS)}`];
  for (const row of rows) {
    const old = before.get(row.port);
    const changed = previous !== undefined &&
      (old === undefined || COLUMNS.some((column) => old[column] !== row[column]));
    lines.push(`${changed ? "*" : " "} ${format(COLUMNS.map((column) => row[column]))}`);
  }
  if (rows.length === 0) lines.push("  (no ports)");
  const present = new Set(rows.map((row) => row.port));
  const removed = (previous ?? []).filter((row) => !present.has(row.port));
  if (removed.length > 0) {
    lines.push(`  removed: ${removed.map((row) => row.port).join(", ")}`);
  }
  return lines;
}

/** True when two snapshots hold the same rows with the same values, in the same order. */
export function sameRows(a: readonly PortRow[], b: readonly PortRow[]): boolean {
  return a.length === b.length &&
    a.every((row, index) => COLUMNS.every((column) => row[column] === b[index]![column]));
}
