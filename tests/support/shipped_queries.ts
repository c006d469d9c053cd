/**
 * The PromQL queries shipped in `packaging/` (Prometheus rules and Grafana dashboard) and the
 * metric names they use, for the tests that compare them with the daemon's metrics.
 *
 * @module
 */

import { REPO_ROOT } from "./daemon.ts";

/** Path of the shipped Prometheus alerting rules. */
export const RULES_PATH = `${REPO_ROOT}/packaging/prometheus/portsyncd_rules.yml`;
/** Path of the shipped Grafana dashboard. */
export const DASHBOARD_PATH = `${REPO_ROOT}/packaging/grafana/portsyncd_dashboard.json`;

/** PromQL functions and keywords that look like identifiers but are not metric names. */
const PROMQL_WORDS = new Set([
  "rate",
  "increase",
  "irate",
  "sum",
  "histogram_quantile",
  "max",
  "min",
  "avg",
  "and",
  "or",
  "unless",
]);

/**
 * Metric names used by a PromQL expression, with histogram suffixes (`_bucket`, `_sum`,
 * `_count`) removed so that a histogram is named by its family.
 */
export function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "").replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, "");
  const words = withoutStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return words.filter((word) => !PROMQL_WORDS.has(word) && !/^(?:e|inf|nan)$/i.test(word))
    .map((word) => word.replace(/_(?:bucket|sum|count)$/, ""));
}

/** Reads the `expr` of every shipped Prometheus rule and of every dashboard panel target. */
export async function shippedQueries(): Promise<{ rules: string[]; dashboard: string[] }> {
  const rulesText = await Deno.readTextFile(RULES_PATH);
  const rules = [...rulesText.matchAll(/expr: (?:>-\n((?: {10}.*\n)+)|(.*))/g)].map((m) =>
    (m[1] ?? m[2] ?? "").trim()
  );
  const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD_PATH)) as {
    panels: Array<{ targets: Array<{ expr: string }> }>;
  };
  return {
    rules,
    dashboard: dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr)),
  };
}
