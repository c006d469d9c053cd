import type { Config } from "../config/config_schema.ts";
import type { DaemonObserver } from "../daemon/daemon_observer.ts";
import { combineDaemonObservers } from "../daemon/daemon_observer.ts";
import type { DaemonStatus } from "../daemon/daemon_status.ts";
import { LoggerTable } from "../logging/logger_table.ts";
import type { LogControl } from "../logging/setup_logging.ts";
import type { SonicLogLevel } from "../logging/sonic_log_level.ts";
import { DaemonMetrics } from "../metrics/daemon_metrics.ts";
import { EventLoopLag } from "../metrics/event_loop_lag.ts";
import { buildHealthReport, healthResponse } from "../metrics/health_report.ts";
import { HttpRouter } from "../metrics/http_router.ts";
import type { ListenAddress } from "../metrics/listen_address.ts";
import type { MetricsServer } from "../metrics/metrics_server.ts";
import { metricsServerWanted } from "../metrics/metrics_server_wanted.ts";
import { createConnection } from "../sonic_db/connection.ts";
import type { DatabaseConfig } from "../sonic_db/database_config.ts";
import { SystemdNotifier } from "../systemd/systemd_notifier.ts";
import { SystemdReporter } from "../systemd/systemd_reporter.ts";

/** Maximum wait for the first read of CONFIG_DB `LOGGER|portsyncd` before starting anyway. */
const LOGGER_TABLE_WAIT_MS = 2000;

/** Options of {@linkcode Observability}. */
export interface ObservabilityOptions {
  config: Config;
  databaseConfig: DatabaseConfig;
  logControl: LogControl;
  /** `--log-level` or `[logging] level`, which win over the LOGGER table. */
  levelOverride: SonicLogLevel | undefined;
  /** Parsed and checked `[metrics] listen`. */
  metricsAddress: ListenAddress;
}

/**
 * Everything an operator sees the daemon through, apart from the daemon itself: the CONFIG_DB
 * LOGGER table, Prometheus metrics and `/health` over (m)TLS, and systemd notifications.
 *
 * Other modules add endpoints with `router.register("/alerts", handler)`; the server looks
 * routes up per request, so registering before or after {@link attach} both work.
 */
export class Observability {
  readonly metrics: DaemonMetrics = new DaemonMetrics();
  readonly router: HttpRouter = new HttpRouter();
  readonly lag: EventLoopLag = new EventLoopLag();
  #options: ObservabilityOptions;
  #loggerTable: LoggerTable | undefined;
  #server: MetricsServer | undefined;
  #reporter: SystemdReporter | undefined;
  #notifier: SystemdNotifier | undefined = SystemdNotifier.fromEnvironment();

  constructor(options: ObservabilityOptions) {
    this.#options = options;
    this.lag.start();
  }

  /**
   * Links the log settings to CONFIG_DB `LOGGER|portsyncd` and waits up to 2 s for the first
   * read, so start-up lines already use the table's level. Following goes on in the background.
   */
  async startLogging(): Promise<void> {
    const { databaseConfig, logControl, levelOverride } = this.#options;
    const configDb = databaseConfig.database("CONFIG_DB");
    this.#loggerTable = new LoggerTable({
      client: createConnection(databaseConfig, "CONFIG_DB", { purpose: "logger" }),
      subscriber: createConnection(databaseConfig, "CONFIG_DB", { purpose: "logger-events" }),
      dbId: configDb.id,
      separator: configDb.separator,
      control: logControl,
      levelOverride,
    });
    await this.#loggerTable.start(LOGGER_TABLE_WAIT_MS);
  }

  /** The observer to pass to the daemon: metrics first, then systemd once attached. */
  get daemonObserver(): DaemonObserver {
    const late: DaemonObserver = {
      stateChanged: (state) => this.#reporter?.stateChanged(state),
      ready: () => this.#reporter?.ready(),
    };
    return combineDaemonObservers(this.metrics, late);
  }

  /** Connects metrics, `/health` and systemd to the daemon and starts the metrics server. */
  async attach(status: DaemonStatus): Promise<void> {
    this.metrics.attach({ status, lag: this.lag });
    this.router.register("/metrics", async () => ({
      status: 200,
      contentType: this.metrics.contentType,
      body: await this.metrics.text(),
    }));
    this.router.register(
      "/health",
      () => healthResponse(buildHealthReport(status, this.lag.lagSeconds)),
    );
    if (this.#notifier) {
      this.#reporter = new SystemdReporter(this.#notifier, status, this.lag);
      this.#reporter.stateChanged(status.state);
      this.#reporter.start();
    }
    const { metrics } = this.#options.config;
    if (!metricsServerWanted(metrics)) return;
    // Loaded here, not at the top: node:http and node:https cost about 10 MB of RSS, which a
    // daemon with the server off (the default) should not pay.
    const { startMetricsServer } = await import("../metrics/metrics_server.ts");
    this.#server = await startMetricsServer({
      metrics,
      address: this.#options.metricsAddress,
      router: this.router,
    });
  }

  /** Sends a status line to systemd when it supervises the daemon. */
  notifyStatus(text: string): void {
    this.#reporter?.status(text);
  }

  /** Stops the server, the LOGGER table, the watchdog and the lag probe. */
  async close(): Promise<void> {
    await this.#server?.close();
    this.#loggerTable?.close();
    if (this.#reporter) this.#reporter.close();
    else this.#notifier?.close();
    this.lag.stop();
  }
}
