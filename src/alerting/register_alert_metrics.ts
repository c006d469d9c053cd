import { Counter, Gauge, type LabelNames, type Registry } from "../metrics/registry/mod.ts";
import type { AlertEngine } from "./alert_engine.ts";

/** Counters the alerting increments itself. */
export interface AlertCounters {
  webhookFailures: Counter<readonly ["rule"]>;
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
  if (registry.get("portsyncd_alerts_firing") === undefined) {
    registry.register(
      new Gauge({
        name: "portsyncd_alerts_firing",
        help: "Alert label sets firing per rule",
        labelNames: ["rule", "severity"],
        collect(gauge) {
          gauge.reset();
          for (const { rule, severity, count } of engine()?.firingCounts() ?? []) {
            gauge.labels(rule, severity).set(count);
          }
        },
      }),
    );
  }
  const webhookFailures = reuse<readonly ["rule"]>(
    registry,
    "portsyncd_alert_webhook_failures_total",
    ["rule"],
  ) ?? registry.register(
    new Counter({
      name: "portsyncd_alert_webhook_failures_total",
      help: "Alert webhook deliveries that failed after every attempt or were dropped",
      labelNames: ["rule"],
    }),
  );
  const historyErrors = reuse<readonly []>(registry, "portsyncd_alert_history_errors_total", []) ??
    registry.register(
      new Counter({
        name: "portsyncd_alert_history_errors_total",
        help: "Alert history writes that failed",
      }),
    );
  return { webhookFailures, historyErrors };
}

/**
 * Returns the counter registered as `name`, if any.
 *
 * @throws {TypeError} when a metric of that name is registered but is not a counter with
 * exactly these label names.
 */
function reuse<L extends LabelNames>(
  registry: Registry,
  name: string,
  labelNames: L,
): Counter<L> | undefined {
  const existing = registry.get(name);
  if (existing === undefined) return undefined;
  if (!(existing instanceof Counter) || existing.labelNames.join() !== labelNames.join()) {
    throw new TypeError(
      `Failed to register alert metric ${name}: a ${existing.type} with labels ` +
        `[${existing.labelNames.join(", ")}] has that name; declare it as a counter with ` +
        `labels [${labelNames.join(", ")}]`,
    );
  }
  return existing as Counter<L>;
}
