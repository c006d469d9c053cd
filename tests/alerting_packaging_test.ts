/**
 * Checks the shipped Prometheus rules with promtool and that the rules and the Grafana
 * dashboard use only metric names from the alerting's metric list.
 */
import { assert, assertEquals } from "./assert.ts";
import { ALERT_METRIC_NAMES } from "../src/alerting/alert_metrics.ts";
import { metricNames, RULES_PATH, shippedQueries } from "./support/shipped_queries.ts";

Deno.test("promtool accepts shipped rules", async () => {
  const output = await new Deno.Command("promtool", {
    args: ["check", "rules", RULES_PATH],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, text);
  assert(/SUCCESS: 6 rules found/.test(text), text);
});

Deno.test("packaging uses listed metrics", async () => {
  const { rules: ruleExprs, dashboard: dashboardExprs } = await shippedQueries();
  assertEquals(ruleExprs.length, 6);
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
