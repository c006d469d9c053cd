/**
 * The metric names the alerting defaults, the Prometheus rules and the Grafana dashboard use.
 * The metrics of the daemon are built elsewhere; this list is the contract between the two,
 * and a test checks that the shipped rules and dashboard use no other name.
 *
 * @module
 */

/** Description of one metric family the alerting relies on. */
export interface AlertMetricSpec {
  name: string;
  type: "counter" | "gauge" | "histogram";
  labels: readonly string[];
  /** Exporter of the metric: the metrics module, or the alert engine itself. */
  owner: "metrics" | "alerting";
  doc: string;
}

/** Every metric family used by the default rules, the shipped Prometheus rules and dashboard. */
export const ALERT_METRICS = [
  {
    name: "portsyncd_port_oper_flaps_total",
    type: "counter",
    labels: ["port"],
    owner: "metrics",
    doc: "Oper status changes (up to down or down to up) per port",
  },
  {
    name: "portsyncd_netlink_resyncs_total",
    type: "counter",
    labels: [],
    owner: "metrics",
    doc: "Full link dumps after a netlink overflow (ENOBUFS), truncation or interrupted dump",
  },
  {
    name: "portsyncd_redis_connected",
    type: "gauge",
    labels: ["db"],
    owner: "metrics",
    doc: "1 while the connection to the database is usable, else 0",
  },
  {
    name: "portsyncd_event_to_redis_latency_seconds",
    type: "histogram",
    labels: [],
    owner: "metrics",
    doc: "Time from a netlink event to its Redis write, in seconds",
  },
  {
    name: "portsyncd_netlink_decode_errors_total",
    type: "counter",
    labels: [],
    owner: "metrics",
    doc: "Netlink messages that failed to decode",
  },
  {
    name: "portsyncd_warm_reconcile_seconds",
    type: "gauge",
    labels: [],
    owner: "metrics",
    doc: "Time from process start to the end of the warm-restart reconciliation, in seconds",
  },
  {
    name: "portsyncd_alerts_firing",
    type: "gauge",
    labels: ["rule", "severity"],
    owner: "alerting",
    doc: "1 per alert rule and label set that is firing",
  },
  {
    name: "portsyncd_alert_webhook_failures_total",
    type: "counter",
    labels: ["rule"],
    owner: "alerting",
    doc: "Webhook deliveries that failed after every retry, or were dropped from a full queue",
  },
  {
    name: "portsyncd_alert_history_errors_total",
    type: "counter",
    labels: [],
    owner: "alerting",
    doc: "Alert history writes that failed",
  },
] as const satisfies readonly AlertMetricSpec[];

/** Names of {@link ALERT_METRICS}. */
export const ALERT_METRIC_NAMES: readonly string[] = ALERT_METRICS.map((spec) => spec.name);
