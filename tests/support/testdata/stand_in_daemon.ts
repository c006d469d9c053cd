/**
 * Stand-in for the daemon, used only to test the daemon runner.
 *
 * Prints its arguments, one environment variable and the names of its links to stderr, then
 * waits for SIGTERM. With `--ignore-sigterm` it keeps running after SIGTERM. With
 * `--exit-now <code>` it exits at once.
 *
 * @module
 */

const encoder = new TextEncoder();

function say(line: string): void {
  Deno.stderr.writeSync(encoder.encode(`${line}\n`));
}

const args = Deno.args;
say(`args=${JSON.stringify(args)}`);
say(`env=${Deno.env.get("STAND_IN_MARK") ?? ""}`);
const links: string[] = [];
for (const entry of Deno.readDirSync("/sys/class/net")) links.push(entry.name);
say(`links=${links.sort().join(",")}`);
Deno.stdout.writeSync(encoder.encode("partial stdout line without newline"));

const exitIndex = args.indexOf("--exit-now");
if (exitIndex >= 0) Deno.exit(Number(args[exitIndex + 1] ?? "3"));

const ignore = args.includes("--ignore-sigterm");
Deno.addSignalListener("SIGTERM", () => {
  say("got SIGTERM");
  if (!ignore) Deno.exit(0);
});
say("ready");
// Bounded: the runner's stop() ends it long before this timer.
setTimeout(() => say("stand-in timed out"), 60_000);
