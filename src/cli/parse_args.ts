import { isSonicLogLevel, type SonicLogLevel } from "../logging/sonic_log_level.ts";

/** Parsed command line. */
export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | {
    kind: "run";
    dbConfigPath: string | undefined;
    configPath: string | undefined;
    logLevel: SonicLogLevel | undefined;
  };

/** A command line that cannot be used; the message names the argument and the reason. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: portsyncd [OPTIONS]
       portsyncd alerts [--since DURATION] [--state STATE] [--json]  (see alerts --help)

Keeps SONiC's APPL_DB and STATE_DB port tables in step with the kernel's netdevs.

Options:
  --db-config PATH   SONiC database_config.json
                     (default /var/run/redis/sonic-db/database_config.json)
  --config PATH      TOML configuration (default /etc/sonic/portsyncd.toml; a missing
                     default file means built-in defaults)
  --log-level LEVEL  EMERG, ALERT, CRIT, ERROR, WARN, NOTICE, INFO or DEBUG; overrides
                     CONFIG_DB LOGGER|portsyncd and the configuration file
  -h, --help         Print this help and exit
  --version          Print the version and the Deno version and exit
`;

/**
 * Parses the daemon's arguments. Both `--name value` and `--name=value` are accepted.
 *
 * @throws {UsageError} on an unknown option, a missing value or an invalid log level.
 */
export function parseArgs(args: string[]): CliCommand {
  let dbConfigPath: string | undefined;
  let configPath: string | undefined;
  let logLevel: SonicLogLevel | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const [name, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[++index];
      if (next === undefined) throw new UsageError(`Missing value for ${name}`);
      return next;
    };
    switch (name) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "--version":
        return { kind: "version" };
      case "--db-config":
        dbConfigPath = value();
        break;
      case "--config":
        configPath = value();
        break;
      case "--log-level": {
        const level = value().toUpperCase();
        if (!isSonicLogLevel(level)) {
          throw new UsageError(
            `Invalid value for --log-level: ${JSON.stringify(level)}; use one of ` +
              "EMERG, ALERT, CRIT, ERROR, WARN, NOTICE, INFO, DEBUG",
          );
        }
        logLevel = level;
        break;
      }
      default:
        throw new UsageError(`Unknown option ${JSON.stringify(arg)}; see portsyncd --help`);
    }
  }
  return { kind: "run", dbConfigPath, configPath, logLevel };
}
