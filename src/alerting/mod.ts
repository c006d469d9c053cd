/**
 * The daemon's own alert engine: rules over the in-process metrics, a state machine per rule
 * and label set, actions (log, notify, webhook), silences and a SQLite history that
 * `portsyncd alerts` reads. Start it with {@linkcode startAlerting}.
 *
 * @module
 */
export * from "./alert_actions.ts";
export * from "./alert_engine.ts";
export * from "./alert_history.ts";
export * from "./alert_metrics.ts";
export * from "./alert_rule.ts";
export * from "./alerts_command.ts";
export * from "./alerts_request_handler.ts";
export * from "./default_rules.ts";
export * from "./format_alert_table.ts";
export * from "./format_labels.ts";
export * from "./label_matcher.ts";
export * from "./metric_sampler.ts";
export * from "./parse_alerting_config.ts";
export * from "./parse_duration.ts";
export * from "./register_alert_metrics.ts";
export * from "./silence_matches.ts";
export * from "./start_alerting.ts";
export * from "./webhook_sender.ts";
