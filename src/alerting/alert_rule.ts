/**
 * Types of the alert model: rules, silences, states and the transitions the engine records.
 *
 * @module
 */
import type { LabelMatcher } from "./label_matcher.ts";

/** Severity of a rule, lowest first. */
export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
/** Severity of a rule. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Conditions a rule can test on the value of a series. */
export const ALERT_CONDITIONS = ["above", "below", "between", "equals", "rate_of_change"] as const;
/** Condition a rule tests on the value of a series. */
export type AlertConditionKind = (typeof ALERT_CONDITIONS)[number];

/** Actions an alert can run when it fires or resolves. */
export const ALERT_ACTIONS = ["log", "notify", "webhook"] as const;
/** One action an alert runs when it fires or resolves. */
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** States of one rule and label set. */
export const ALERT_STATES = ["inactive", "pending", "firing", "resolved"] as const;
/** State of one rule and label set. */
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * The test a rule applies to a value:
 * - `above`: value > threshold; `below`: value < threshold;
 * - `between`: low <= value <= high;
 * - `equals`: |value - threshold| <= tolerance;
 * - `rate_of_change`: the per-second increase over `windowMs` is above threshold (counter
 *   resets count as a restart from zero).
 */
export type AlertCondition =
  | { kind: "above" | "below"; threshold: number }
  | { kind: "between"; low: number; high: number }
  | { kind: "equals"; threshold: number; tolerance: number }
  | { kind: "rate_of_change"; threshold: number };

/** A validated alert rule. */
export interface AlertRule {
  /** Unique name; also the `rule` label of `portsyncd_alerts_firing`. */
  id: string;
  /** Metric family the rule reads, as exported by the daemon. */
  metric: string;
  /** Matchers a series must satisfy; each matching series is tracked on its own. */
  matchers: LabelMatcher[];
  condition: AlertCondition;
  /**
   * For a histogram: the quantile (0 to 1) computed from the bucket increase over `windowMs`,
   * as PromQL's histogram_quantile over a rate; ignored for counters and gauges.
   */
  quantile: number | undefined;
  /** Look-back in milliseconds of `rate_of_change` and of histogram quantiles. */
  windowMs: number;
  /** Time in milliseconds the condition must hold before firing and fail before resolving. */
  forMs: number;
  severity: AlertSeverity;
  actions: AlertAction[];
  /** Webhook target of this rule; falls back to `[alerting] webhook_url`. */
  webhookUrl: string | undefined;
  enabled: boolean;
  /** Free text for operators, copied into webhook payloads. */
  summary: string;
}

/** A validated silence: matching alerts still change state and are recorded, but run no action. */
export interface AlertSilence {
  /** Matchers over the alert's labels plus `rule` and `severity`. */
  matchers: LabelMatcher[];
  /** Start of the silence in milliseconds since the epoch. */
  startsAt: number;
  /** End of the silence in milliseconds since the epoch. */
  endsAt: number;
  comment: string;
}

/** One state change of one rule and label set, as stored in the history. */
export interface AlertTransition {
  rule: string;
  labels: Record<string, string>;
  from: AlertState;
  to: AlertState;
  /** Value that caused the change; null when the series is gone. */
  value: number | null;
  /** Threshold text, such as `> 0.05` or `between 1 and 2`. */
  threshold: string;
  severity: AlertSeverity;
  /** Milliseconds since the epoch. */
  at: number;
  /** Whether a silence matched, so no action ran. */
  silenced: boolean;
}

/** Describes a condition's threshold for people, such as `> 0.5` or `= 0 ± 0.1`. */
export function describeThreshold(condition: AlertCondition): string {
  switch (condition.kind) {
    case "above":
      return `> ${condition.threshold}`;
    case "below":
      return `< ${condition.threshold}`;
    case "between":
      return `between ${condition.low} and ${condition.high}`;
    case "equals":
      return `= ${condition.threshold} ± ${condition.tolerance}`;
    case "rate_of_change":
      return `rate > ${condition.threshold}/s`;
  }
}

/** Returns whether `value` meets the condition (`rate_of_change` takes the rate as value). */
export function conditionHolds(condition: AlertCondition, value: number): boolean {
  if (Number.isNaN(value)) return false;
  switch (condition.kind) {
    case "above":
    case "rate_of_change":
      return value > condition.threshold;
    case "below":
      return value < condition.threshold;
    case "between":
      return value >= condition.low && value <= condition.high;
    case "equals":
      return Math.abs(value - condition.threshold) <= condition.tolerance;
  }
}

/** Stable key of a label set: sorted `name="value"` pairs. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(",");
}
