/**
 * Checks the shipped Prometheus rules with promtool and that the rules and the Grafana
 * dashboard use only metric names from the alerting's metric list.
 */
import { assert, assertEquals } from "./assert.ts";
import { ALERT_METRIC_NAMES } from "../src/alerting/alert_metrics.ts";

const root = new URL("../", import.meta.url).pathname;
const rulesPath = `${root}packaging/prometheus/portsyncd_rules.yml`;
const dashboardPath = `${root}packaging/grafana/portsyncd_dashboard.json`;

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

/** Metric names used by a PromQL expression, with histogram suffixes removed. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "").replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, "");
  const words = withoutStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return words.filter((word) => !PROMQL_WORDS.has(word) && !/^(?:e|inf|nan)$/i.test(word))
    .map((word) => word.replace(/_(?:bucket|sum|count)$/, ""));
}

Deno.test("promtool accepts shipped rules", async () => {
  const output = await new Deno.Command("promtool", {
    args: ["check", "rules", rulesPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, text);
  assert(/SUCCESS: 6 rules found/.test(text), text);
});

Deno.test("packaging uses listed metrics", async () => {
  const rules = await Deno.readTextFile(rulesPath);
  const ruleExprs = [...rules.matchAll(/expr: (?:>-\n((?: {10}.*\n)+)|(.*))/g)].map((m) =>
    (m[1] ?? m[2] ?? "").trim()
  );
  assertEquals(ruleExprs.length, 6);
  const dashboard = JSON.parse(await Deno.readTextFile(dashboardPath)) as {
    panels: Array<{ targets: Array<{ expr: string }> }>;
  };
  const dashboardExprs = dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr));
  assert(dashboardExprs.length >= 6);
  const used = new Set([...ruleExprs, ...dashboardExprs].flatMap(metricNames));
  const unknown = [...used].filter((name) => !ALERT_METRIC_NAMES.includes(name));
  assertEquals(unknown, []);
  assertEquals(metricNames('sum by (le) (rate(x_bucket{le="1"}[5m])) > 0.5'), ["x"]);
  for (
    const name of ALERT_METRIC_NAMES.filter((n) => n !== "portsyncd_alert_history_errors_total")
  ) {
    assert(used.has(name), `metric ${name} is in the list but neither rules nor dashboard use it`);
  }
});
