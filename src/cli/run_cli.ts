import { getLogger } from "@logtape/logtape";
import { ConfigError } from "../config/config_error.ts";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load_config.ts";
import { runAlertsCommand } from "../alerting/alerts_command.ts";
import { Daemon } from "../daemon/daemon.ts";
import { LogControl, ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { isSonicLogLevel } from "../logging/sonic_log_level.ts";
import {
  DatabaseConfigError,
  DEFAULT_DATABASE_CONFIG_PATH,
  loadDatabaseConfig,
} from "../sonic_db/database_config.ts";
import { parseArgs, USAGE, UsageError } from "./parse_args.ts";
import { VERSION } from "./version.ts";

const log = getLogger([ROOT_CATEGORY, "main"]);

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

  const logControl = new LogControl();
  logControl.apply(command.logLevel ?? "NOTICE", "STDERR", true);

  let loaded;
  let databaseConfig;
  try {
    loaded = await loadConfig(
      command.configPath ?? DEFAULT_CONFIG_PATH,
      command.configPath !== undefined,
    );
    databaseConfig = await loadDatabaseConfig(command.dbConfigPath ?? DEFAULT_DATABASE_CONFIG_PATH);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DatabaseConfigError) {
      writeStderr(`portsyncd: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const configured = loaded.config.logging.level;
  const level = command.logLevel ??
    (configured !== undefined && isSonicLogLevel(configured) ? configured : "NOTICE");
  logControl.apply(level, "STDERR", true);
  for (const warning of loaded.warnings) log.warning(warning);

  const daemon = new Daemon({ config: loaded.config, databaseConfig });
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
  }
  return 0;
}

function writeStdout(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

function writeStderr(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text));
}
