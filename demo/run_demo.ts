/**
 * The simulated-switch demo: builds a switch in a network namespace, runs portsyncd on it,
 * flaps ports and prints STATE_DB, then removes everything it created.
 *
 * @module
 */

import {
  createNamespace,
  type DaemonProcess,
  Orchagent,
  seedConfigPorts,
  startDaemon,
  startRedis,
} from "../tests/support/mod.ts";
import { V8_FLAGS } from "../packaging/v8_flags.ts";
import { pause, pollOrThrow, pollUntil } from "./abortable_wait.ts";
import { type CleanupResult, CleanupStack } from "./cleanup_stack.ts";
import { buildConfigPorts } from "./config_ports.ts";
import type { DemoArgs } from "./demo_args.ts";
import { buildFlapScript, createPortCommands, finalRow, stepDone } from "./flap_script.ts";
import { renderPortTable, sameRows } from "./port_table.ts";
import { PortTableWatcher } from "./port_table_watcher.ts";

/** Start of the demo's namespace names; a random suffix follows (`psd-demo-1a2b3c4d`). */
export const DEMO_NAMESPACE_PREFIX = "psd-demo";

/** Bound for portsyncd to exit after SIGTERM before it gets SIGKILL, in milliseconds. */
const DAEMON_STOP_TIMEOUT_MS = 5000;
/** Bound for the daemon to start and orchagent to pop PortConfigDone, in milliseconds. */
const PORT_CONFIG_DONE_TIMEOUT_MS = 30_000;
/** Bound for PortInitDone and the first full table after the ports exist, in milliseconds. */
const PORT_INIT_DONE_TIMEOUT_MS = 10_000;
/** Human pace: one scripted change per this many milliseconds. */
const STEP_PERIOD_MS = 1000;
/**
 * Bound for STATE_DB to show one step's outcome, in milliseconds. A carrier change reaches a
 * veth's oper state through the kernel's linkwatch work, which runs at most once a second and
 * later on a busy machine, so the bound leaves several seconds for it.
 */
const STEP_TIMEOUT_MS = 6000;
/** How often new portsyncd output is copied to the demo's output, in milliseconds. */
const ECHO_INTERVAL_MS = 100;
/** Prefix of portsyncd's own lines in the demo's output. */
const DAEMON_PREFIX = "  portsyncd | ";

/** Options of {@linkcode runDemo}. */
export interface RunDemoOptions {
  /** Parsed command line. */
  args: DemoArgs;
  /** Aborts the demo (Ctrl-C, SIGTERM); cleanup still runs. */
  signal: AbortSignal;
  /** Writes one line of output. */
  print: (line: string) => void;
}

/**
 * Runs the demo and always removes what it created: portsyncd (SIGTERM, then SIGKILL after
 * 5 s), the orchagent stand-in, redis-server with its temporary folder, and the namespace.
 *
 * @param options Command line, abort signal and output.
 * @throws The abort reason when `signal` aborts, the first setup or script error otherwise,
 * or an error naming the cleanup actions that failed.
 */
export async function runDemo(options: RunDemoOptions): Promise<void> {
  const started = performance.now();
  const elapsed = () => `+${((performance.now() - started) / 1000).toFixed(1)}s`;
  const note = (text: string) => options.print(`[demo ${elapsed()}] ${text}`);
  const cleanup = new CleanupStack();
  let failure: { error: unknown } | undefined;
  try {
    await runSwitch(options, cleanup, note);
  } catch (error) {
    failure = { error };
  }
  note("Cleaning up");
  const results = await cleanup.run((result) => note(describeCleanup(result)));
  if (failure) throw failure.error;
  const failed = results.filter((result) => result.error !== undefined);
  if (failed.length > 0) {
    throw new Error(
      `Clean up the demo failed: ${failed.map((result) => result.name).join("; ")}; ` +
        "remove what is left by hand (ip netns list, ps -C redis-server)",
    );
  }
  note("Done");
}

function describeCleanup(result: CleanupResult): string {
  if (result.error === undefined) return `Cleanup: ${result.name}: done`;
  const reason = result.error instanceof Error ? result.error.message : String(result.error);
  return `Cleanup: ${result.name}: FAILED (${reason})`;
}

async function runSwitch(
  options: RunDemoOptions,
  cleanup: CleanupStack,
  note: (text: string) => void,
): Promise<void> {
  const { args, signal, print } = options;
  const configPorts = buildConfigPorts(args.ports);
  const portNames = Object.keys(configPorts);

  const ns = await createNamespace(DEMO_NAMESPACE_PREFIX);
  cleanup.push(`delete namespace ${ns.name}`, () => ns.delete());
  note(`Created network namespace ${ns.name}`);
  signal.throwIfAborted();

  const redis = await startRedis();
  cleanup.push(`stop redis-server (pid ${redis.pid}) and remove ${redis.dir}`, () => redis.stop());
  note(`Started redis-server (pid ${redis.pid}) on ${redis.socketPath}`);
  signal.throwIfAborted();

  await seedConfigPorts(redis.client("CONFIG_DB"), configPorts);
  note(
    `Seeded CONFIG_DB with ${portNames.length} ports (PORT|${portNames[0]}..` +
      `${portNames.at(-1)}): speed 100000, mtu 9100, admin_status up`,
  );

  // Logs go to stderr, which the demo echoes, instead of a syslog that the demo does not run.
  await redis.client("CONFIG_DB").hset(
    "LOGGER|portsyncd",
    "LOGLEVEL",
    "NOTICE",
    "LOGOUTPUT",
    "STDERR",
  );

  const orchagent = new Orchagent(redis.client("APPL_DB"));
  await orchagent.startAuto();
  cleanup.push("stop the orchagent stand-in", () => orchagent.stop());
  note("Started the orchagent stand-in (pops APPL_DB PORT_TABLE)");
  signal.throwIfAborted();

  // The V8 heap limits of the package, so the demo's memory is what a switch would see.
  const daemon = await startDaemon({
    namespace: ns,
    dbConfigPath: redis.dbConfigPath,
    denoFlags: [V8_FLAGS],
  });
  const alive = watchExit(daemon);
  let echoed = 0;
  const echo = () => {
    while (echoed < daemon.lines.length) print(`${DAEMON_PREFIX}${daemon.lines[echoed++]}`);
  };
  const echoTimer = setInterval(echo, ECHO_INTERVAL_MS);
  cleanup.push("print the last portsyncd lines", () => {
    clearInterval(echoTimer);
    echo();
    return Promise.resolve();
  });
  cleanup.push(`stop portsyncd (pid ${daemon.pid})`, async () => {
    const status = await daemon.stop(DAEMON_STOP_TIMEOUT_MS);
    if (status.signal === "SIGKILL") {
      throw new Error(`it ignored SIGTERM for ${DAEMON_STOP_TIMEOUT_MS} ms and got SIGKILL`);
    }
  });
  note(`Started portsyncd (pid ${daemon.pid}) in ${ns.name}; its lines start with "portsyncd |"`);

  await pollOrThrow(() => alive() && popped(orchagent, "PortConfigDone"), {
    message: "orchagent to pop PortConfigDone",
    timeoutMs: PORT_CONFIG_DONE_TIMEOUT_MS,
    signal,
  });
  echo();
  note("Orchagent popped PortConfigDone: every configured port is in APPL_DB");

  const watcher = new PortTableWatcher(redis.client("STATE_DB"), (rows, previous) => {
    echo();
    note(`STATE_DB PORT_TABLE: ${rows.length} ports (* = changed)`);
    for (const line of renderPortTable(rows, previous)) print(line);
  });
  watcher.start();
  cleanup.push("stop watching STATE_DB", () => watcher.stop());
  const watching = () => {
    if (watcher.error !== undefined) {
      throw new Error("Read STATE_DB PORT_TABLE failed; see cause", { cause: watcher.error });
    }
    return alive();
  };

  await ns.batch(portNames.flatMap(createPortCommands));
  note(`Created ${portNames.length} veth ports, each up with its peer p-<port> up`);
  await pollOrThrow(() => alive() && popped(orchagent, "PortInitDone"), {
    message: "orchagent to pop PortInitDone",
    timeoutMs: PORT_INIT_DONE_TIMEOUT_MS,
    signal,
  });
  echo();
  note("Orchagent popped PortInitDone: portsyncd saw every configured port in the kernel");
  const expected = portNames.map(finalRow);
  await pollOrThrow(() => watching() && sameRows(watcher.rows, expected), {
    message: `STATE_DB to show ${portNames.length} ports up`,
    timeoutMs: PORT_INIT_DONE_TIMEOUT_MS,
    signal,
  });

  const steps = buildFlapScript(portNames);
  note(`Running ${steps.length} scripted changes, about one per second`);
  for (const [index, step] of steps.entries()) {
    const stepStart = performance.now();
    note(`Step ${index + 1}/${steps.length}: ${step.description}`);
    await ns.batch(step.commands);
    const seen = await pollUntil(() => watching() && stepDone(step, watcher.rows), {
      message: `step ${index + 1}`,
      timeoutMs: STEP_TIMEOUT_MS,
      signal,
    });
    if (!seen) {
      note(`Step ${index + 1}: STATE_DB did not show the change within ${STEP_TIMEOUT_MS} ms`);
    }
    await pause(STEP_PERIOD_MS - (performance.now() - stepStart), signal);
  }
  await pollOrThrow(() => watching() && sameRows(watcher.rows, expected), {
    message: "STATE_DB to show every port back up with mtu 9100",
    timeoutMs: STEP_TIMEOUT_MS,
    signal,
  });
  note("Script done: every port is back to state ok, admin up, oper up, mtu 9100");

  if (args.durationSeconds === 0) return;
  const first = portNames[0]!;
  print("");
  print("Try it yourself from another shell (as root) and watch the table change:");
  print(`  ip -n ${ns.name} link set p-${first} down      # pull the cable of ${first}`);
  print(`  ip -n ${ns.name} link set ${first} mtu 1500`);
  print(`  redis-cli -s ${redis.socketPath} -n 6 hgetall 'PORT_TABLE|${first}'`);
  print("");
  note(
    Number.isFinite(args.durationSeconds)
      ? `Showing changes for ${args.durationSeconds} s`
      : "Showing changes until Ctrl-C",
  );
  const end = performance.now() + args.durationSeconds * 1000;
  // Each round ends after at most one second, at the end time, or on Ctrl-C/SIGTERM.
  while (performance.now() < end) {
    watching();
    await pause(Math.min(1000, end - performance.now()), signal);
  }
}

/** Returns a check that throws once the daemon has exited, and otherwise returns `true`. */
function watchExit(daemon: DaemonProcess): () => true {
  let status: Deno.CommandStatus | undefined;
  daemon.exited.then((value) => status = value, () => {});
  return () => {
    if (status !== undefined) {
      throw new Error(
        `Run portsyncd failed: it exited with code ${status.code}; read its lines above`,
      );
    }
    return true;
  };
}

function popped(orchagent: Orchagent, key: string): boolean {
  return orchagent.log.some((entry) => entry.key === key);
}
