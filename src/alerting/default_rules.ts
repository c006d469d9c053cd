/**
 * The built-in alert rules. `[[alerting.rules]]` entries with the same `id` override single
 * keys (for example only `threshold`), and new ids add rules. Thresholds:
 *
 * | id | fires when | default |
 * |----|------------|---------|
 * | `port_flapping` | a port's oper status changes faster than `threshold` per second over `window` | 0.05/s over 2m (more than 6 changes in 2 minutes), for 0s |
 * | `netlink_resync` | any resync dump ran within `window` (kernel dropped events, truncation, interrupted dump) | > 0/s over 5m |
 * | `redis_disconnected` | a database connection is down longer than `for` | below 0.5 for 30s |
 * | `event_latency_p99` | p99 of netlink event to Redis write over `window` above `threshold` seconds | 0.5 s over 5m, for 1m |
 * | `netlink_decode_errors` | any netlink message failed to decode within `window` | > 0/s over 5m |
 * | `warm_reconcile_slow` | the last warm-restart reconciliation ended more than `threshold` seconds after the process started | 10 s |
 *
 * @module
 */

/** Raw default rules, validated by the same code as the configuration file's rules. */
export const DEFAULT_ALERT_RULES: readonly Readonly<Record<string, unknown>>[] = [
  {
    id: "port_flapping",
    metric: "portsyncd_port_oper_flaps_total",
    condition: "rate_of_change",
    threshold: 0.05,
    window: "2m",
    for: "0s",
    severity: "warning",
    actions: ["log", "notify"],
    summary: "Port oper status changes more than 6 times in 2 minutes",
  },
  {
    id: "netlink_resync",
    metric: "portsyncd_netlink_resyncs_total",
    condition: "rate_of_change",
    threshold: 0,
    window: "5m",
    for: "0s",
    severity: "warning",
    actions: ["log", "notify"],
    summary: "Netlink events were lost or a dump was interrupted, so the daemon resynced",
  },
  {
    id: "redis_disconnected",
    metric: "portsyncd_redis_connected",
    condition: "below",
    threshold: 0.5,
    for: "30s",
    severity: "critical",
    actions: ["log", "notify"],
    summary: "A Redis database has been unreachable for 30 seconds",
  },
  {
    id: "event_latency_p99",
    metric: "portsyncd_event_to_redis_latency_seconds",
    condition: "above",
    quantile: 0.99,
    threshold: 0.5,
    window: "5m",
    for: "1m",
    severity: "warning",
    actions: ["log", "notify"],
    summary: "The 99th percentile of event to Redis latency is above 0.5 s",
  },
  {
    id: "netlink_decode_errors",
    metric: "portsyncd_netlink_decode_errors_total",
    condition: "rate_of_change",
    threshold: 0,
    window: "5m",
    for: "0s",
    severity: "warning",
    actions: ["log", "notify"],
    summary: "Netlink messages failed to decode",
  },
  {
    id: "warm_reconcile_slow",
    metric: "portsyncd_warm_reconcile_seconds",
    condition: "above",
    threshold: 10,
    for: "0s",
    severity: "warning",
    actions: ["log", "notify"],
    summary: "Warm-restart reconciliation took longer than 10 s",
  },
];
