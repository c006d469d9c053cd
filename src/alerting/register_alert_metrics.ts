import { Counter, Gauge, type Registry } from "prom-client";
import type { AlertEngine } from "./alert_engine.ts";

/** Counters the alerting increments itself. */
export interface AlertCounters {
  webhookFailures: Counter<"rule">;
  historyErrors: Counter;
}

/**
 * Registers `portsyncd_alerts_firing{rule,severity}` (read from the engine at scrape time),
 * `portsyncd_alert_webhook_failures_total{rule}` and `portsyncd_alert_history_errors_total`
 * on `registry`. A metric of the same name that is already registered is reused, so the
 * metrics module may declare them too.
 */
export function registerAlertMetrics(
  registry: Registry,
  engine: () => AlertEngine | undefined,
): AlertCounters {
  if (registry.getSingleMetric("portsyncd_alerts_firing") === undefined) {
    new Gauge({
      name: "portsyncd_alerts_firing",
      help: "Alert label sets firing per rule",
      labelNames: ["rule", "severity"],
      registers: [registry],
      collect() {
        this.reset();
        for (const { rule, severity, count } of engine()?.firingCounts() ?? []) {
          this.set({ rule, severity }, count);
        }
      },
    });
  }
  const webhookFailures = registry.getSingleMetric("portsyncd_alert_webhook_failures_total") as
    | Counter<"rule">
    | undefined ?? new Counter({
    name: "portsyncd_alert_webhook_failures_total",
    help: "Alert webhook deliveries that failed after every attempt or were dropped",
    labelNames: ["rule"],
    registers: [registry],
  });
  const historyErrors = registry.getSingleMetric("portsyncd_alert_history_errors_total") as
    | Counter
    | undefined ?? new Counter({
    name: "portsyncd_alert_history_errors_total",
    help: "Alert history writes that failed",
    registers: [registry],
  });
  return { webhookFailures, historyErrors };
}
