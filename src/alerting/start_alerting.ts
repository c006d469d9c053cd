import { getLogger } from "@logtape/logtape";
import type { Config } from "../config/config_schema.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { Registry } from "../metrics/registry/mod.ts";
import { AlertActions } from "./alert_actions.ts";
import { AlertEngine } from "./alert_engine.ts";
import { AlertHistory } from "./alert_history.ts";
import type { AlertTransition } from "./alert_rule.ts";
import { type AlertsRequestHandler, createAlertsRequestHandler } from "./alerts_request_handler.ts";
import { type AlertingConfig, parseAlertingConfig } from "./parse_alerting_config.ts";
import { registerAlertMetrics } from "./register_alert_metrics.ts";
import { WebhookSender } from "./webhook_sender.ts";

const log = getLogger([ROOT_CATEGORY, "alerting"]);

/** Options of {@linkcode startAlerting}. */
export interface StartAlertingOptions {
  /** Registry the rules read and where the alerting's own metrics are registered. */
  registry: Registry;
  /** The loaded configuration; only `[alerting]` is used. */
  config: Pick<Config, "alerting">;
  /**
   * Configuration file named in rule errors.
   * @default {"the configuration"}
   */
  configPath?: string;
  /** Receives the firing summary when it changes, for systemd `STATUS=`. */
  notify?: (status: string) => void;
  /** @default {Date.now} */
  clock?: () => number;
}

/** The running alerting, as returned by {@linkcode startAlerting}. */
export interface Alerting {
  settings: AlertingConfig;
  /** Undefined when `[alerting] enabled = false`. */
  engine: AlertEngine | undefined;
  /** Undefined when the history file could not be opened or created. */
  readonly history: AlertHistory | undefined;
  webhook: WebhookSender;
  /** Handler of `GET /alerts` for the metrics server. */
  handleAlertsRequest: AlertsRequestHandler;
  /** Stops the timers, waits for webhooks in flight to be aborted and closes the history. */
  stop(): Promise<void>;
}

/**
 * Validates the rules, opens the history and starts evaluating every `[alerting] interval_ms`.
 * A history that cannot be opened is logged and alerting runs without it, so port sync never
 * depends on the alert database.
 *
 * @throws {ConfigError} when a rule or silence is invalid; call before the daemon starts.
 */
export function startAlerting(options: StartAlertingOptions): Alerting {
  const settings = parseAlertingConfig(
    options.config.alerting,
    options.configPath ?? "the configuration",
  );
  const clock = options.clock ?? Date.now;
  let engine: AlertEngine | undefined;
  const counters = registerAlertMetrics(options.registry, () => engine);
  const webhook = new WebhookSender({
    ...settings.webhook,
    onFailure: (rule) => counters.webhookFailures.labels(rule).inc(),
  });
  let history: AlertHistory | undefined;
  let pruneTimer: ReturnType<typeof setInterval> | undefined;

  const openHistory = () => {
    try {
      history = AlertHistory.open(settings.historyDb, clock());
    } catch (error) {
      history = undefined;
      log.error("Failed to open alert history, alerting goes on without it", {
        path: settings.historyDb,
        error,
      });
    }
  };
  const recorder = {
    record(transition: AlertTransition) {
      if (history === undefined) return;
      try {
        history.record(transition);
      } catch (error) {
        // A file damaged while open is reopened, which moves it aside when it fails its check.
        log.error("Failed to write alert history, reopening it", {
          path: settings.historyDb,
          error,
        });
        counters.historyErrors.inc();
        history.close();
        openHistory();
        history?.record(transition);
      }
    },
  };
  const prune = () => {
    try {
      const deleted = history?.prune(clock(), settings.historyMaxAgeMs, settings.historyMaxRows);
      if (deleted) log.info("Pruned alert history", { rows: deleted });
    } catch (error) {
      log.warning("Failed to prune alert history", { path: settings.historyDb, error });
    }
  };

  // Only at start: a reopen after a write error must not end this process's own alerts.
  const endPreviousAlerts = (target: AlertHistory | undefined) => {
    try {
      const ended = target?.endOpenAlerts(clock()) ?? [];
      if (ended.length === 0) return;
      log.info("Ended alerts left open by the previous process", {
        alerts: ended.length,
        rules: [...new Set(ended.map((transition) => transition.rule))].join(","),
      });
    } catch (error) {
      log.warning("Failed to end alerts left open by the previous process", {
        path: settings.historyDb,
        error,
      });
    }
  };

  if (!settings.enabled) {
    // Alerting is off, but a history an earlier run left behind still gets its open alerts
    // ended, so `portsyncd alerts` does not list them as open. No new file is created.
    let earlier: AlertHistory | undefined;
    try {
      earlier = AlertHistory.openExisting(settings.historyDb, clock());
    } catch (error) {
      log.warning("Failed to end alerts left open by the previous process", {
        path: settings.historyDb,
        error,
      });
    }
    endPreviousAlerts(earlier);
    earlier?.close();
  } else {
    openHistory();
    endPreviousAlerts(history);
    prune();
    pruneTimer = setInterval(prune, settings.historyPruneIntervalMs);
    engine = new AlertEngine({
      registry: options.registry,
      rules: settings.rules,
      silences: settings.silences,
      clock,
      history: recorder,
      actions: new AlertActions({
        notify: options.notify,
        webhook,
        defaultWebhookUrl: settings.webhook.url,
        hostname: Deno.hostname(),
      }),
      onHistoryError: () => counters.historyErrors.inc(),
    });
    engine.start(settings.intervalMs);
    log.info("Started alerting", {
      rules: engine.rules.size,
      intervalMs: settings.intervalMs,
      history: history?.path,
    });
  }

  return {
    settings,
    engine,
    get history() {
      return history;
    },
    webhook,
    handleAlertsRequest: createAlertsRequestHandler({
      active: () => engine?.active() ?? [],
      history: (filter) => history?.query(filter),
      clock,
    }),
    async stop() {
      clearInterval(pruneTimer);
      engine?.stop();
      await webhook.close();
      history?.close();
    },
  };
}
