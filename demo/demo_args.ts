/**
 * Command line of the simulated-switch demo (`deno task demo`).
 *
 * @module
 */

/** Parsed demo command line. */
export interface DemoArgs {
  /** Prints the usage text and exits. */
  help: boolean;
  /**
   * Seconds to keep printing STATE_DB changes after the scripted flaps; `0` exits right after
   * the script and `Infinity` (no `--duration`) waits for Ctrl-C or SIGTERM.
   */
  durationSeconds: number;
  /** Number of front-panel ports, `Ethernet0` in steps of 4. */
  ports: number;
}

/** Raised for a command line the demo cannot use; the message names the argument. */
export class DemoUsageError extends Error {
  /** @param message What is wrong and what to pass instead. */
  constructor(message: string) {
    super(message);
    this.name = "DemoUsageError";
  }
}

/** Most ports the demo creates: 64 veth pairs keep start-up within a few seconds. */
export const MAX_DEMO_PORTS = 64;

/** Default number of ports, a small SONiC box (`Ethernet0` to `Ethernet28`). */
export const DEFAULT_DEMO_PORTS = 8;

/** Usage text printed by `--help` and after a usage error. */
export const DEMO_USAGE = `Usage: deno task demo [OPTIONS]   (or ./scripts/demo.sh [OPTIONS])

Runs portsyncd on a simulated switch: a network namespace with veth front-panel ports, a
private redis-server and an emulated orchagent. Flaps a few ports, about one change per
second, and prints STATE_DB PORT_TABLE each time it changes. Removes everything on exit.
Needs root (network namespaces).

Options:
  --duration SECONDS  After the scripted flaps, keep printing changes this long, then exit
                      (0 exits right after the script; default: until Ctrl-C)
  --ports N           Number of ports, 1 to ${MAX_DEMO_PORTS} (default ${DEFAULT_DEMO_PORTS})
  -h, --help          Print this help and exit
`;

/**
 * Parses the demo's arguments. Both `--name value` and `--name=value` are accepted.
 *
 * @param args Arguments after the script name.
 * @returns The parsed options with defaults filled in.
 * @throws {DemoUsageError} On an unknown option, a missing value or a value out of range.
 */
export function parseDemoArgs(args: readonly string[]): DemoArgs {
  const parsed: DemoArgs = {
    help: false,
    durationSeconds: Infinity,
    ports: DEFAULT_DEMO_PORTS,
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const equals = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[++index];
      if (next === undefined) throw new DemoUsageError(`Missing value for ${name}`);
      return next;
    };
    switch (name) {
      case "-h":
      case "--help":
        parsed.help = true;
        break;
      case "--duration": {
        const text = value();
        const seconds = Number(text);
        if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
          throw new DemoUsageError(
            `Invalid value for --duration: ${JSON.stringify(text)}; pass seconds, 0 or more`,
          );
        }
        parsed.durationSeconds = seconds;
        break;
      }
      case "--ports": {
        const text = value();
        const count = Number(text);
        if (!/^\d+$/.test(text) || count < 1 || count > MAX_DEMO_PORTS) {
          throw new DemoUsageError(
            `Invalid value for --ports: ${JSON.stringify(text)}; pass a whole number from 1 ` +
              `to ${MAX_DEMO_PORTS}`,
          );
        }
        parsed.ports = count;
        break;
      }
      default:
        throw new DemoUsageError(`Unknown argument ${JSON.stringify(arg)}; see --help`);
    }
  }
  return parsed;
}
