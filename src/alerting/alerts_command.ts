import { ConfigError } from "../config/config_error.ts";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load_config.ts";
import { AlertHistory, AlertHistoryError } from "./alert_history.ts";
import { ALERT_STATES, type AlertState } from "./alert_rule.ts";
import { parseSince } from "./alerts_request_handler.ts";
import { formatAlertTable } from "./format_alert_table.ts";

/** Usage text of `portsyncd alerts`. */
export const ALERTS_USAGE = `Usage: portsyncd alerts [OPTIONS]

Prints the alert history (state changes of alert rules) from the SQLite file the daemon
writes. Works while the daemon is stopped.

Options:
  --since DURATION  Only changes in the last DURATION (30m, 2h, 7d) or since a date-time
  --state STATE     Only changes to inactive, pending, firing or resolved
  --rule ID         Only changes of this rule
  --limit N         Newest N changes (default 100)
  --json            Print a JSON array instead of a table
  --db PATH         History file (default [alerting] history_db of the configuration)
  --config PATH     TOML configuration (default /etc/sonic/portsyncd.toml)
  -h, --help        Print this help and exit
`;

/** Where the command writes; tests pass their own. */
export interface AlertsCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Runs `portsyncd alerts` with the arguments after `alerts`.
 *
 * @returns the exit status: 0 on success, 1 on a usage, configuration or database error.
 */
export async function runAlertsCommand(
  args: string[],
  io: AlertsCommandIo = { stdout: writer(Deno.stdout), stderr: writer(Deno.stderr) },
): Promise<number> {
  const fail = (message: string, usage = false) => {
    io.stderr(`portsyncd alerts: ${message}\n${usage ? `\n${ALERTS_USAGE}` : ""}`);
    return 1;
  };
  let since: number | undefined;
  let state: AlertState | undefined;
  let rule: string | undefined;
  let limit = 100;
  let json = false;
  let dbPath: string | undefined;
  let configPath: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const split = arg.startsWith("--") && arg.includes("=");
    const name = split ? arg.slice(0, arg.indexOf("=")) : arg;
    const inline = split ? arg.slice(arg.indexOf("=") + 1) : undefined;
    const takesValue = ["--since", "--state", "--rule", "--limit", "--db", "--config"];
    let value = inline;
    if (takesValue.includes(name) && value === undefined) {
      value = args[++index];
      if (value === undefined) return fail(`Missing value for ${name}`, true);
    }
    switch (name) {
      case "-h":
      case "--help":
        io.stdout(ALERTS_USAGE);
        return 0;
      case "--json":
        json = true;
        break;
      case "--since":
        since = parseSince(value!, Date.now());
        if (since === undefined) {
          return fail(
            `Invalid value for --since: ${
              JSON.stringify(value)
            }; use a duration such as 30m, 2h or 7d, or a date-time`,
          );
        }
        break;
      case "--state":
        if (!(ALERT_STATES as readonly string[]).includes(value!)) {
          return fail(
            `Invalid value for --state: ${JSON.stringify(value)}; use one of ${
              ALERT_STATES.join(", ")
            }`,
          );
        }
        state = value as AlertState;
        break;
      case "--rule":
        rule = value;
        break;
      case "--limit":
        limit = Number(value);
        if (!Number.isInteger(limit) || limit < 1) {
          return fail(`Invalid value for --limit: ${JSON.stringify(value)}; use an integer >= 1`);
        }
        break;
      case "--db":
        dbPath = value;
        break;
      case "--config":
        configPath = value;
        break;
      default:
        return fail(`Unknown option ${JSON.stringify(arg)}`, true);
    }
  }
  if (dbPath === undefined) {
    try {
      const loaded = await loadConfig(
        configPath ?? DEFAULT_CONFIG_PATH,
        configPath !== undefined,
      );
      dbPath = loaded.config.alerting.history_db;
    } catch (error) {
      if (error instanceof ConfigError) return fail(error.message);
      throw error;
    }
  }
  let history: AlertHistory;
  try {
    history = AlertHistory.openReadOnly(dbPath);
  } catch (error) {
    if (error instanceof AlertHistoryError) return fail(error.message);
    throw error;
  }
  try {
    const rows = history.query({ since, state, rule, limit }).reverse();
    if (json) {
      const out = rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else if (rows.length === 0) {
      io.stdout(`No alert state changes in ${dbPath} match\n`);
    } else {
      // On stderr, so the table on stdout stays one header line and the rows.
      io.stderr(`Alert history from ${dbPath}\n`);
      io.stdout(formatAlertTable(rows));
    }
  } finally {
    history.close();
  }
  return 0;
}

function writer(stream: { writeSync(data: Uint8Array): number }): (text: string) => void {
  const encoder = new TextEncoder();
  return (text) => {
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
  };
}
