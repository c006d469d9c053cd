import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { AlertRule, AlertTransition } from "./alert_rule.ts";
import type { ActiveAlert } from "./alert_engine.ts";
import { formatLabels } from "./format_labels.ts";
import type { WebhookSender } from "./webhook_sender.ts";

const log = getLogger([ROOT_CATEGORY, "alerting"]);

/** Options of {@linkcode AlertActions}. */
export interface AlertActionsOptions {
  /**
   * Receives a one-line summary of the firing alerts whenever it changes; the daemon sends it
   * to systemd as `STATUS=`.
   */
  notify?: (status: string) => void;
  /** Sends webhook documents; without it the webhook action only logs that it is not wired. */
  webhook?: WebhookSender;
  /** `[alerting] webhook_url`, used by rules without their own. */
  defaultWebhookUrl?: string;
  /** Host name put into webhook documents. */
  hostname?: string;
}

/**
 * Runs the actions of a rule when one of its alerts fires or resolves. No action may throw into
 * the engine or wait for the network: a failing callback is logged and evaluation goes on.
 */
export class AlertActions {
  #options: AlertActionsOptions;
  #status: string | undefined;

  constructor(options: AlertActionsOptions = {}) {
    this.#options = options;
  }

  /** Runs the `log` and `webhook` actions of `rule` for a change to firing or resolved. */
  run(rule: AlertRule, transition: AlertTransition, summary: string): void {
    if (transition.to !== "firing" && transition.to !== "resolved") return;
    if (rule.actions.includes("log")) {
      const properties = {
        rule: rule.id,
        labels: formatLabels(transition.labels),
        severity: rule.severity,
        value: transition.value,
        threshold: transition.threshold,
      };
      if (transition.to === "resolved") {
        log.warning("Alert resolved", properties);
      } else if (rule.severity === "critical") {
        log.error("Alert firing", { ...properties, summary });
      } else {
        log.warning("Alert firing", { ...properties, summary });
      }
    }
    if (rule.actions.includes("webhook")) {
      const url = rule.webhookUrl ?? this.#options.defaultWebhookUrl;
      if (this.#options.webhook === undefined || url === undefined) {
        log.warning("Skipped alert webhook, no sender or URL configured", { rule: rule.id });
        return;
      }
      this.#options.webhook.send(rule.id, url, {
        version: 1,
        source: "portsyncd",
        host: this.#options.hostname ?? "",
        rule: rule.id,
        labels: transition.labels,
        state: transition.to,
        previous: transition.from,
        severity: transition.severity,
        value: Number.isFinite(transition.value) ? transition.value : null,
        threshold: transition.threshold,
        summary,
        at: new Date(transition.at).toISOString(),
      });
    }
  }

  /**
   * Passes the summary of firing, unsilenced alerts of rules with the `notify` action to the
   * callback when it differs from the last one.
   */
  updateStatus(firing: readonly ActiveAlert[], rules: ReadonlyMap<string, AlertRule>): void {
    if (this.#options.notify === undefined) return;
    const summaries = firing.filter((alert) =>
      alert.state === "firing" && !alert.silenced &&
      rules.get(alert.rule)?.actions.includes("notify")
    ).map((alert) => `${alert.rule}${formatLabels(alert.labels)}`).sort();
    const status = summaries.length === 0
      ? "alerts firing: none"
      : `alerts firing: ${summaries.length} (${summaries.join(", ")})`;
    if (status === this.#status) return;
    this.#status = status;
    try {
      this.#options.notify(status);
    } catch (error) {
      log.warning("Failed to pass alert status to the notify callback", { error });
    }
  }
}
