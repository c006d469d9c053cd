import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { Registry } from "../metrics/registry/mod.ts";
import { AlertActions } from "./alert_actions.ts";
import {
  type AlertRule,
  type AlertSeverity,
  type AlertSilence,
  type AlertState,
  type AlertTransition,
  conditionHolds,
  describeThreshold,
  labelKey,
} from "./alert_rule.ts";
import { MetricSampler } from "./metric_sampler.ts";
import { silenceMatches } from "./silence_matches.ts";

const log = getLogger([ROOT_CATEGORY, "alerting"]);

/** An alert that is pending or firing now. */
export interface ActiveAlert {
  rule: string;
  labels: Record<string, string>;
  state: "pending" | "firing";
  severity: AlertSeverity;
  /** Last value the rule tested; NaN when the series is gone. */
  value: number;
  threshold: string;
  /** When the alert entered its state, in milliseconds since the epoch. */
  since: number;
  silenced: boolean;
}

/** Store of the engine's state changes; its errors are logged and counted, never rethrown. */
export interface TransitionRecorder {
  record(transition: AlertTransition): void;
}

/** Options of {@linkcode AlertEngine}. */
export interface AlertEngineOptions {
  /** Registry the rules read; only the families the rules name are read. */
  registry: Registry;
  /** Rules; disabled ones are skipped. */
  rules: readonly AlertRule[];
  silences?: readonly AlertSilence[];
  /**
   * Source of the current time in milliseconds since the epoch; tests pass a fake clock.
   * @default {Date.now}
   */
  clock?: () => number;
  history?: TransitionRecorder;
  actions?: AlertActions;
  /** Called after a history write failed, for the error counter. */
  onHistoryError?: (error: unknown) => void;
}

interface Entry {
  rule: AlertRule;
  labels: Record<string, string>;
  state: AlertState;
  since: number;
  /** While firing: when the condition stopped holding, for the resolve delay. */
  clearSince: number | undefined;
  value: number;
  silenced: boolean;
}

/**
 * Evaluates alert rules against the metrics registry. Each rule and label set moves
 * `inactive -> pending -> firing -> resolved`: the condition must hold for the rule's `for`
 * duration before the alert fires and fail for as long before it resolves, so a value that
 * hovers at the threshold does not make the alert flap. Every change is recorded; actions
 * run when an alert fires or resolves, unless a silence matches.
 */
export class AlertEngine {
  #rules: AlertRule[];
  #ruleById: Map<string, AlertRule>;
  #silences: readonly AlertSilence[];
  #clock: () => number;
  #sampler: MetricSampler;
  #history: TransitionRecorder | undefined;
  #actions: AlertActions;
  #onHistoryError: ((error: unknown) => void) | undefined;
  #entries = new Map<string, Map<string, Entry>>();
  /**
   * Rules whose last evaluation found no alert and whose values time can no longer change,
   * mapped to their family's `changedAt` then. Such a rule is skipped until the family changes.
   */
  #steady = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;

  constructor(options: AlertEngineOptions) {
    this.#rules = options.rules.filter((rule) => rule.enabled);
    this.#ruleById = new Map(this.#rules.map((rule) => [rule.id, rule]));
    this.#silences = options.silences ?? [];
    this.#clock = options.clock ?? Date.now;
    const keepMs = Math.max(0, ...this.#rules.map((rule) => rule.windowMs));
    this.#sampler = new MetricSampler(
      options.registry,
      keepMs,
      this.#rules.map((rule) => rule.metric),
    );
    this.#history = options.history;
    this.#actions = options.actions ?? new AlertActions();
    this.#onHistoryError = options.onHistoryError;
  }

  /** Enabled rules by id. */
  get rules(): ReadonlyMap<string, AlertRule> {
    return this.#ruleById;
  }

  /**
   * Reads the registry once and advances every rule and label set.
   *
   * @returns the state changes of this evaluation, in rule order.
   */
  evaluate(): AlertTransition[] {
    const now = this.#clock();
    this.#sampler.sample(now);
    const transitions: AlertTransition[] = [];
    for (const rule of this.#rules) {
      let entries = this.#entries.get(rule.id);
      if (entries === undefined) {
        entries = new Map();
        this.#entries.set(rule.id, entries);
      }
      const changedAt = this.#sampler.changedAt(rule.metric);
      if (
        entries.size === 0 && changedAt !== undefined &&
        this.#steady.get(rule.id) === changedAt
      ) {
        continue;
      }
      const seen = new Set<string>();
      for (const { labels, value } of this.#sampler.values(rule, now)) {
        const key = labelKey(labels);
        seen.add(key);
        const conditionMet = conditionHolds(rule.condition, value);
        let entry = entries.get(key);
        if (entry === undefined) {
          if (!conditionMet) continue;
          entry = {
            rule,
            labels,
            state: "inactive",
            since: now,
            clearSince: undefined,
            value,
            silenced: false,
          };
          entries.set(key, entry);
        }
        this.#step(entry, conditionMet, value, now, transitions);
        if (entry.state === "inactive") entries.delete(key);
      }
      for (const [key, entry] of entries) {
        if (seen.has(key)) continue;
        this.#step(entry, false, NaN, now, transitions);
        if (entry.state === "inactive" || entry.state === "resolved") entries.delete(key);
      }
      // Once the last change is older than the window, a rate reads 0 and a histogram window is
      // empty, so the values stay as they are until the family changes.
      if (entries.size === 0 && changedAt !== undefined && now - changedAt >= rule.windowMs) {
        this.#steady.set(rule.id, changedAt);
      } else {
        this.#steady.delete(rule.id);
      }
    }
    this.#actions.updateStatus(this.active(), this.#ruleById);
    return transitions;
  }

  /** Pending and firing alerts, oldest first. */
  active(): ActiveAlert[] {
    const result: ActiveAlert[] = [];
    for (const entries of this.#entries.values()) {
      for (const entry of entries.values()) {
        if (entry.state !== "pending" && entry.state !== "firing") continue;
        result.push({
          rule: entry.rule.id,
          labels: entry.labels,
          state: entry.state,
          severity: entry.rule.severity,
          value: entry.value,
          threshold: describeThreshold(entry.rule.condition),
          since: entry.since,
          silenced: entry.silenced,
        });
      }
    }
    return result.sort((a, b) => a.since - b.since);
  }

  /** Number of firing label sets per enabled rule, for `portsyncd_alerts_firing`. */
  firingCounts(): Array<{ rule: string; severity: AlertSeverity; count: number }> {
    return this.#rules.map((rule) => {
      let count = 0;
      for (const entry of this.#entries.get(rule.id)?.values() ?? []) {
        if (entry.state === "firing") count++;
      }
      return { rule: rule.id, severity: rule.severity, count };
    });
  }

  /**
   * Evaluates every `intervalMs` milliseconds until {@linkcode AlertEngine.stop}. A failed
   * evaluation is logged and the next one runs on time.
   */
  start(intervalMs: number): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = () => {
      try {
        this.evaluate();
      } catch (error) {
        log.warning("Failed to evaluate alert rules", { error });
      }
      if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs);
    };
    this.#timer = setTimeout(tick, intervalMs);
  }

  /** Stops the timer. An evaluation runs to its end within one task, so none is left running. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #step(
    entry: Entry,
    conditionMet: boolean,
    value: number,
    now: number,
    transitions: AlertTransition[],
  ): void {
    entry.value = value;
    const forMs = entry.rule.forMs;
    let next: AlertState = entry.state;
    switch (entry.state) {
      case "inactive":
      case "resolved":
        if (conditionMet) next = forMs === 0 ? "firing" : "pending";
        break;
      case "pending":
        if (!conditionMet) next = "inactive";
        else if (now - entry.since >= forMs) next = "firing";
        break;
      case "firing":
        if (conditionMet) {
          entry.clearSince = undefined;
        } else {
          entry.clearSince ??= now;
          if (now - entry.clearSince >= forMs) next = "resolved";
        }
        break;
    }
    if (next === entry.state) return;
    const rule = entry.rule;
    const transition: AlertTransition = {
      rule: rule.id,
      labels: entry.labels,
      from: entry.state,
      to: next,
      value: Number.isFinite(value) ? value : null,
      threshold: describeThreshold(rule.condition),
      severity: rule.severity,
      at: now,
      silenced: silenceMatches(this.#silences, {
        rule: rule.id,
        severity: rule.severity,
        labels: entry.labels,
      }, now),
    };
    entry.state = next;
    entry.since = now;
    entry.clearSince = undefined;
    entry.silenced = transition.silenced;
    transitions.push(transition);
    log.info("Alert state changed", {
      rule: rule.id,
      labels: entry.labels,
      from: transition.from,
      to: next,
      value: transition.value,
      silenced: transition.silenced,
    });
    try {
      this.#history?.record(transition);
    } catch (error) {
      log.error("Failed to record alert state change", { rule: rule.id, error });
      this.#onHistoryError?.(error);
    }
    if (!transition.silenced) {
      try {
        this.#actions.run(rule, transition, rule.summary);
      } catch (error) {
        log.warning("Failed to run alert actions", { rule: rule.id, error });
      }
    }
  }
}
