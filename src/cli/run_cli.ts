import { getLogger } from "@logtape/logtape";
import { ConfigError } from "../config/config_error.ts";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load_config.ts";
import { runAlertsCommand } from "../alerting/alerts_command.ts";
import { type Alerting, startAlerting } from "../alerting/start_alerting.ts";
import { Daemon } from "../daemon/daemon.ts";
import { LogControl, ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { isSonicLogLevel } from "../logging/sonic_log_level.ts";
import { syslogSinkFactory } from "../logging/syslog_sink.ts";
import { validateMetricsConfig } from "../metrics/metrics_config.ts";
import {
  DatabaseConfigError,
  DEFAULT_DATABASE_CONFIG_PATH,
  loadDatabaseConfig,
} from "../sonic_db/database_config.ts";
import { Observability } from "./observability.ts";
import { parseArgs, USAGE, UsageError } from "./parse_args.ts";
import { VERSION } from "./version.ts";

const log = getLogger([ROOT_CATEGORY, "main"]);

/** Databases the daemon connects to. */
const REQUIRED_DATABASES = ["CONFIG_DB", "APPL_DB", "STATE_DB"] as const;

/** Runs the command line and returns the process exit status. */
export async function runCli(args: string[]): Promise<number> {
  if (args[0] === "alerts") return await runAlertsCommand(args.slice(1));
  let command;
  try {
    command = parseArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    writeStderr(`portsyncd: ${error.message}\n\n${USAGE}`);
    return 1;
  }
  if (command.kind === "help") {
    writeStdout(USAGE);
    return 0;
  }
  if (command.kind === "version") {
    writeStdout(`portsyncd ${VERSION} (Deno ${Deno.version.deno})\n`);
    return 0;
  }

  let logControl = new LogControl();
  logControl.apply(command.logLevel ?? "NOTICE", "STDERR", true);

  let loaded;
  let databaseConfig;
  let metricsAddress;
  try {
    loaded = await loadConfig(
      command.configPath ?? DEFAULT_CONFIG_PATH,
      command.configPath !== undefined,
    );
    metricsAddress = validateMetricsConfig(
      loaded.config.metrics,
      loaded.path ?? "the built-in defaults",
    );
    databaseConfig = await loadDatabaseConfig(command.dbConfigPath ?? DEFAULT_DATABASE_CONFIG_PATH);
    // Every database the daemon opens must be in the file, checked before any connection.
    for (const name of REQUIRED_DATABASES) databaseConfig.database(name);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DatabaseConfigError) {
      writeStderr(`portsyncd: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const configured = loaded.config.logging.level;
  const levelOverride = command.logLevel ??
    (configured !== undefined && isSonicLogLevel(configured) ? configured : undefined);
  logControl = new LogControl(syslogSinkFactory(loaded.config.logging.syslog_socket));
  logControl.apply(levelOverride ?? "NOTICE", "STDERR", true);
  for (const warning of loaded.warnings) log.warning(warning);

  const observability = new Observability({
    config: loaded.config,
    databaseConfig,
    logControl,
    levelOverride,
    metricsAddress,
  });
  let alerting: Alerting;
  try {
    // Rules are checked before any Redis connection, like the rest of the configuration.
    alerting = startAlerting({
      registry: observability.metrics.registry,
      config: loaded.config,
      configPath: loaded.path ?? "the built-in defaults",
      notify: (status) => observability.notifyStatus(status),
    });
  } catch (error) {
    await observability.close();
    if (error instanceof ConfigError) {
      writeStderr(`portsyncd: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  observability.router.register("/alerts", (url) => alerting.handleAlertsRequest(url));
  await observability.startLogging();
  const daemon = new Daemon({
    config: loaded.config,
    databaseConfig,
    syncObserver: observability.metrics,
    monitorObserver: observability.metrics,
    observer: observability.daemonObserver,
  });
  await observability.attach(daemon);
  const onSignal = (name: string) => () => daemon.stop(name);
  const signals: Array<[Deno.Signal, () => void]> = [
    ["SIGTERM", onSignal("SIGTERM")],
    ["SIGINT", onSignal("SIGINT")],
  ];
  for (const [signal, handler] of signals) Deno.addSignalListener(signal, handler);
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("Unhandled promise rejection, continuing", { error: event.reason });
  });
  try {
    await daemon.run();
  } catch (error) {
    log.fatal("portsyncd failed", { error });
    return 1;
  } finally {
    for (const [signal, handler] of signals) Deno.removeSignalListener(signal, handler);
    await alerting.stop();
    await observability.close();
  }
  return 0;
}

function writeStdout(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

function writeStderr(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text));
}
