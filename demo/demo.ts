/**
 * Entry point of `deno task demo`: runs portsyncd on a simulated switch for a newcomer.
 *
 * Exit status: 0 after a normal end, 1 on an error, 2 on a usage error, 130 after SIGINT
 * (Ctrl-C) and 143 after SIGTERM. Everything the demo created is removed in every case.
 *
 * @module
 */

import { DEMO_USAGE, DemoUsageError, parseDemoArgs } from "./demo_args.ts";
import { runDemo } from "./run_demo.ts";

/** Abort reason for a signal; carries the exit status. */
class DemoInterrupt extends Error {
  readonly exitCode: number;

  constructor(signal: "SIGINT" | "SIGTERM") {
    super(`Interrupted by ${signal}`);
    this.name = "DemoInterrupt";
    this.exitCode = signal === "SIGINT" ? 130 : 143;
  }
}

/** A second signal within this many milliseconds of the first one is a duplicate. */
const REPEAT_QUIET_MS = 500;

const encoder = new TextEncoder();

function write(stream: { writeSync(bytes: Uint8Array): number }, line: string): void {
  const bytes = encoder.encode(line + "\n");
  for (let offset = 0; offset < bytes.length;) {
    offset += stream.writeSync(bytes.subarray(offset));
  }
}

/** Runs the demo and returns the exit status. */
async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseDemoArgs(argv);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    write(Deno.stderr, `${error.message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (args.help) {
    write(Deno.stdout, DEMO_USAGE);
    return 0;
  }
  // Once stdout is gone (a closed pipe, `| head`), lines are dropped so that cleanup still runs.
  let stdoutOpen = true;
  const print = (line: string) => {
    if (!stdoutOpen) return;
    try {
      write(Deno.stdout, line);
    } catch {
      stdoutOpen = false;
    }
  };
  const controller = new AbortController();
  let abortedAt = 0;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      if (controller.signal.aborted) {
        // `deno task` forwards the terminal's Ctrl-C, which the demo also receives directly.
        if (performance.now() - abortedAt > REPEAT_QUIET_MS) {
          print(`[demo] ${signal} again: still cleaning up, every step has a time bound`);
        }
        return;
      }
      abortedAt = performance.now();
      print(`[demo] ${signal} received: stopping`);
      controller.abort(new DemoInterrupt(signal));
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  try {
    await runDemo({ args, signal: controller.signal, print });
    return 0;
  } catch (error) {
    if (error instanceof DemoInterrupt) return error.exitCode;
    const cause = error instanceof Error && error.cause !== undefined
      ? `\n  cause: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`
      : "";
    write(Deno.stderr, `Demo failed: ${error instanceof Error ? error.message : error}${cause}`);
    return 1;
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
