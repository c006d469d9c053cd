import type { HistoryRow } from "./alert_history.ts";
import { formatLabels } from "./format_labels.ts";

const HEADERS = ["TIME", "RULE", "LABELS", "FROM", "TO", "SEVERITY", "VALUE", "THRESHOLD"];

/**
 * Formats history rows as an aligned text table with one header line; a silenced change gets
 * `(silenced)` after its new state.
 */
export function formatAlertTable(rows: readonly HistoryRow[]): string {
  const cells = rows.map((row) => [
    new Date(row.at).toISOString().replace(/\.\d+Z$/, "Z"),
    row.rule,
    formatLabels(row.labels) || "-",
    row.from,
    row.silenced ? `${row.to} (silenced)` : row.to,
    row.severity,
    row.value === null ? "-" : String(Number(row.value.toPrecision(6))),
    row.threshold,
  ]);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((line) => line[column]!.length))
  );
  return [HEADERS, ...cells].map((line) =>
    line.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()
  ).join("\n") + "\n";
}
