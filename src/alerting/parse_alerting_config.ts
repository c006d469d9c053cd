import { ConfigError } from "../config/config_error.ts";
import type { Config } from "../config/config_schema.ts";
import {
  ALERT_ACTIONS,
  ALERT_CONDITIONS,
  ALERT_SEVERITIES,
  type AlertAction,
  type AlertCondition,
  type AlertRule,
  type AlertSilence,
} from "./alert_rule.ts";
import { DEFAULT_ALERT_RULES } from "./default_rules.ts";
import { type LabelMatcher, parseLabelMatcher, parseMetricSelector } from "./label_matcher.ts";
import { parseDuration } from "./parse_duration.ts";

/** The `[alerting]` section with rules merged over the defaults and every value checked. */
export interface AlertingConfig {
  enabled: boolean;
  intervalMs: number;
  historyDb: string;
  historyMaxAgeMs: number;
  historyMaxRows: number;
  historyPruneIntervalMs: number;
  webhook: {
    url: string | undefined;
    timeoutMs: number;
    maxAttempts: number;
    backoffMs: number;
  };
  /** Every rule, disabled ones included, in default order then file order. */
  rules: AlertRule[];
  silences: AlertSilence[];
}

const RULE_KEYS = [
  "id",
  "metric",
  "matchers",
  "condition",
  "threshold",
  "low",
  "high",
  "tolerance",
  "quantile",
  "window",
  "for",
  "severity",
  "actions",
  "webhook_url",
  "enabled",
  "summary",
] as const;

const SILENCE_KEYS = ["matchers", "starts_at", "ends_at", "comment"] as const;

/**
 * Validates the `[alerting]` section: merges `[[alerting.rules]]` over
 * {@link DEFAULT_ALERT_RULES} by id (a file entry overrides single keys of a default rule) and
 * checks every rule and silence.
 *
 * @param path configuration file named in error messages.
 * @throws {ConfigError} naming the rule id (or silence number), the key, the value and what is
 * allowed.
 */
export function parseAlertingConfig(section: Config["alerting"], path: string): AlertingConfig {
  const merged = new Map<string, Record<string, unknown>>();
  for (const rule of DEFAULT_ALERT_RULES) merged.set(rule.id as string, { ...rule });
  section.rules.forEach((raw, index) => {
    const id = raw.id;
    if (typeof id !== "string" || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(id)) {
      throw new ConfigError(
        path,
        `Invalid value for alerting.rules[${index}].id in ${path}: got ${
          describe(id)
        }, expected a name of letters, digits, "_", "." or "-"`,
      );
    }
    merged.set(id, { ...merged.get(id), ...raw });
  });
  const rules = [...merged.values()].map((raw) => parseRule(raw, path, section.webhook_url));
  const silences = section.silences.map((raw, index) => parseSilence(raw, index, path));
  return {
    enabled: section.enabled,
    intervalMs: section.interval_ms,
    historyDb: section.history_db,
    historyMaxAgeMs: section.history_max_age_hours * 3_600_000,
    historyMaxRows: section.history_max_rows,
    historyPruneIntervalMs: section.history_prune_interval_ms,
    webhook: {
      url: section.webhook_url,
      timeoutMs: section.webhook_timeout_ms,
      maxAttempts: section.webhook_max_attempts,
      backoffMs: section.webhook_backoff_ms,
    },
    rules,
    silences,
  };
}

function parseRule(
  raw: Record<string, unknown>,
  path: string,
  defaultWebhook: string | undefined,
): AlertRule {
  const id = raw.id as string;
  const invalid = (key: string, expected: string) =>
    new ConfigError(
      path,
      `Invalid value for alerting.rules[id="${id}"].${key} in ${path}: got ${
        describe(raw[key])
      }, expected ${expected}`,
    );
  for (const key of Object.keys(raw)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        path,
        `Unknown key alerting.rules[id="${id}"].${key} in ${path}; use one of ${
          RULE_KEYS.join(", ")
        }`,
      );
    }
  }
  const text = (key: string, fallback?: string): string => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "string" || value === "") throw invalid(key, "a non-empty string");
    return value;
  };
  const number = (key: string, fallback?: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(key, "a number");
    return value;
  };
  const duration = (key: string, fallback: string): number => {
    const value = raw[key] ?? fallback;
    const ms = typeof value === "string" ? parseDuration(value) : undefined;
    if (ms === undefined) throw invalid(key, 'a duration such as "30s", "5m" or "1h"');
    return ms;
  };
  const choice = <T extends string>(key: string, choices: readonly T[], fallback: T): T => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
      throw invalid(key, `one of ${choices.join(", ")}`);
    }
    return value as T;
  };

  let metric: string;
  let matchers: LabelMatcher[];
  try {
    ({ metric, matchers } = parseMetricSelector(text("metric")));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw invalid("metric", 'a metric name, optionally with matchers: name{port="Ethernet8"}');
  }
  const rawMatchers = raw.matchers ?? [];
  if (!Array.isArray(rawMatchers) || !rawMatchers.every((m) => typeof m === "string")) {
    throw invalid("matchers", 'an array of strings such as ["port=\\"Ethernet8\\""]');
  }
  for (const matcherText of rawMatchers as string[]) {
    try {
      matchers.push(parseLabelMatcher(matcherText));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw invalid("matchers", 'matchers such as port="Ethernet8", with =, !=, =~ or !~');
    }
  }

  const kind = choice("condition", ALERT_CONDITIONS, "above");
  let condition: AlertCondition;
  switch (kind) {
    case "above":
    case "below":
    case "rate_of_change":
      condition = { kind, threshold: number("threshold") };
      break;
    case "between": {
      const low = number("low");
      const high = number("high");
      if (low > high) throw invalid("high", `a number not below low (${low})`);
      condition = { kind, low, high };
      break;
    }
    case "equals": {
      const tolerance = number("tolerance", 0);
      if (tolerance < 0) throw invalid("tolerance", "a number of at least 0");
      condition = { kind, threshold: number("threshold"), tolerance };
      break;
    }
  }

  let quantile: number | undefined;
  if (raw.quantile !== undefined) {
    quantile = number("quantile");
    if (quantile < 0 || quantile > 1) throw invalid("quantile", "a number from 0 to 1");
  }
  const windowMs = duration("window", "5m");
  if (windowMs <= 0) throw invalid("window", "a duration above 0s");

  const rawActions = raw.actions ?? ["log"];
  if (
    !Array.isArray(rawActions) ||
    !rawActions.every((a) => (ALERT_ACTIONS as readonly unknown[]).includes(a))
  ) {
    throw invalid("actions", `an array of ${ALERT_ACTIONS.join(", ")}`);
  }
  const actions = [...new Set(rawActions as AlertAction[])];
  const webhookUrl = raw.webhook_url === undefined ? undefined : text("webhook_url");
  if (webhookUrl !== undefined && !URL.canParse(webhookUrl)) {
    throw invalid("webhook_url", "an http:// or https:// URL");
  }
  if (actions.includes("webhook") && (webhookUrl ?? defaultWebhook) === undefined) {
    throw invalid("actions", "a webhook_url on the rule or in [alerting] for the webhook action");
  }
  const enabled = raw.enabled ?? true;
  if (typeof enabled !== "boolean") throw invalid("enabled", "true or false");

  return {
    id,
    metric,
    matchers,
    condition,
    quantile,
    windowMs,
    forMs: duration("for", "0s"),
    severity: choice("severity", ALERT_SEVERITIES, "warning"),
    actions,
    webhookUrl,
    enabled,
    summary: typeof raw.summary === "string" ? raw.summary : "",
  };
}

function parseSilence(raw: Record<string, unknown>, index: number, path: string): AlertSilence {
  const invalid = (key: string, expected: string) =>
    new ConfigError(
      path,
      `Invalid value for alerting.silences[${index}].${key} in ${path}: got ${
        describe(raw[key])
      }, expected ${expected}`,
    );
  for (const key of Object.keys(raw)) {
    if (!(SILENCE_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        path,
        `Unknown key alerting.silences[${index}].${key} in ${path}; use one of ${
          SILENCE_KEYS.join(", ")
        }`,
      );
    }
  }
  const rawMatchers = raw.matchers;
  if (
    !Array.isArray(rawMatchers) || rawMatchers.length === 0 ||
    !rawMatchers.every((m) => typeof m === "string")
  ) {
    throw invalid("matchers", 'a non-empty array of strings such as ["rule=\\"port_flapping\\""]');
  }
  let matchers: LabelMatcher[];
  try {
    matchers = (rawMatchers as string[]).map(parseLabelMatcher);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw invalid("matchers", 'matchers such as port="Ethernet8", with =, !=, =~ or !~');
  }
  const time = (key: string, fallback: number | undefined): number => {
    const value = raw[key];
    if (value === undefined && fallback !== undefined) return fallback;
    const ms = value instanceof Date
      ? value.getTime()
      : typeof value === "string"
      ? Date.parse(value)
      : NaN;
    if (Number.isNaN(ms)) {
      throw invalid(key, "an offset date-time such as 2026-05-01T12:00:00Z");
    }
    return ms;
  };
  const startsAt = time("starts_at", 0);
  const endsAt = time("ends_at", undefined);
  const comment = raw.comment ?? "";
  if (typeof comment !== "string") throw invalid("comment", "a string");
  return { matchers, startsAt, endsAt, comment };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return "a table";
  return String(value);
}
