/**
 * B01: link events lost to a receive-buffer overflow are recovered by a resync.
 *
 * The daemon is frozen with SIGSTOP while every port flaps; its small netlink buffer overflows,
 * and after SIGCONT it must read ENOBUFS, dump the links again and converge to the kernel.
 */

import { assert, assertEquals } from "../assert.ts";
import { peerName, type Recorder, startRecorder, waitFor } from "../support/mod.ts";
import {
  type PortWorld,
  quad,
  readKernelPorts,
  readStatePorts,
  sortKeys,
  startPortWorld,
} from "./port_world.ts";

/** Small enough that a few dozen link messages overflow it. */
const SMALL_BUFFER_CONFIG = "[netlink]\nreceive_buffer_bytes = 16384\n";
/** Convergence bound of the issue, plus slack for a loaded test machine. */
const CONVERGE_MS = 2000;
const STATE_DB = 6;
const APPL_DB = 0;

/** `ip -batch` lines that toggle the carrier of every port `toggles` times, ending as given. */
function flapCommands(names: string[], toggles: number, endUp: boolean): string[] {
  const commands: string[] = [];
  for (let round = 0; round < toggles; round++) {
    for (const name of names) {
      commands.push(`link set ${peerName(name)} down`, `link set ${peerName(name)} up`);
    }
  }
  for (const name of names) commands.push(`link set ${peerName(name)} ${endUp ? "up" : "down"}`);
  return commands;
}

/** Freezes the daemon, runs the commands, resumes it and returns the resume time. */
async function flapWhileStopped(world: PortWorld, commands: string[]): Promise<number> {
  world.daemon.signal("SIGSTOP");
  try {
    await world.ns.batch(commands);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    world.daemon.signal("SIGCONT");
  }
  return performance.now();
}

/** Waits until STATE_DB equals `expected` exactly and returns how long it took after `since`. */
async function waitConverged(
  world: PortWorld,
  expected: Record<string, Record<string, string>>,
  since: number,
): Promise<number> {
  const want = JSON.stringify(sortKeys(expected));
  await waitFor(async () => JSON.stringify(await readStatePorts(world.stateDb)) === want, {
    message: "STATE_DB equal to the kernel after the flap storm",
    timeoutMs: CONVERGE_MS + 3000,
    intervalMs: 20,
  });
  return performance.now() - since;
}

const OVERFLOW_WARNING = /receive buffer overflowed/;
const INCIDENT_END = /Resynced after netlink receive buffer overflow .*overflows=(\d+)/;

/**
 * Waits until every overflow incident so far has ended (creating many ports can overflow the
 * small buffer too) and returns the number of log lines, to count from there.
 */
async function settledLineCount(world: PortWorld): Promise<number> {
  const count = (pattern: RegExp) => world.daemon.lines.filter((line) => pattern.test(line)).length;
  await waitFor(() => Promise.resolve(count(OVERFLOW_WARNING) === count(INCIDENT_END)), {
    message: "overflow incidents of the port creation ended",
    timeoutMs: 3000,
  });
  return world.daemon.lines.length;
}

/** Waits until `incidents` overflow incidents have ended since log line `from`. */
async function waitIncidentsEnded(world: PortWorld, from: number, incidents: number) {
  await waitFor(
    () =>
      Promise.resolve(
        world.daemon.lines.slice(from).filter((line) => INCIDENT_END.test(line)).length >=
          incidents,
      ),
    { message: `end of overflow incident ${incidents}`, timeoutMs: 1000 },
  );
}

/**
 * Asserts that each overflow incident since log line `from` logged one warning, however many
 * ENOBUFS reads it had, and one line with its ENOBUFS count when its resync completed.
 */
function assertOverflowLoggedOnce(world: PortWorld, from: number, incidents: number): void {
  const lines = world.daemon.lines.slice(from);
  const warnings = lines.filter((line) => OVERFLOW_WARNING.test(line));
  assertEquals(warnings.length, incidents, "overflow warnings, one per incident");
  const counts = lines.flatMap((line) => {
    const match = INCIDENT_END.exec(line);
    return match ? [Number(match[1])] : [];
  });
  assertEquals(counts.length, incidents, "incident end lines with an ENOBUFS count");
  for (const count of counts) assert(count >= 1, `ENOBUFS count ${count}`);
}

/** Asserts that no port key was deleted and no readiness signal was published again. */
function assertNoDeletesOrRepublish(recorder: Recorder): void {
  const deletes = recorder.commands.filter((command) =>
    command.db === STATE_DB && command.args[0]?.toUpperCase() === "DEL"
  );
  assertEquals(deletes.map((command) => command.args), [], "STATE_DB keys deleted");
  const republished = recorder.commands.filter((command) =>
    command.db === APPL_DB &&
    command.args.some((arg) => arg === "PortConfigDone" || arg === "PortInitDone")
  );
  assertEquals(republished.map((command) => command.args), [], "readiness re-published");
}

Deno.test("B01 overflow resync 64 ports", async () => {
  const world = await startPortWorld({ ports: 64, tag: "b01", config: SMALL_BUFFER_CONFIG });
  let recorder: Recorder | undefined;
  try {
    recorder = await startRecorder(world.redis, { keyspace: false });
    const from = await settledLineCount(world);
    const resumedAt = await flapWhileStopped(world, flapCommands(world.names, 20, false));
    const expected = Object.fromEntries(world.names.map((name) => [name, quad(false)]));
    const tookMs = await waitConverged(world, expected, resumedAt);
    assertEquals(await readKernelPorts(world.ns, world.names), sortKeys(expected));
    assert(tookMs <= CONVERGE_MS, `converged after ${Math.round(tookMs)} ms`);
    await world.daemon.waitForLine(/receive buffer overflowed/, 1000);
    await world.daemon.waitForLine(/Requesting link dump .*reason=overflow/, 1000);
    await waitIncidentsEnded(world, from, 1);
    assertOverflowLoggedOnce(world, from, 1);
    await recorder.sync();
    assertNoDeletesOrRepublish(recorder);
    const status = await world.daemon.stop();
    assertEquals(status.code, 0);
  } finally {
    await recorder?.stop();
    await world.close();
  }
});

Deno.test("B01 overflow 256 ports down up", async () => {
  const world = await startPortWorld({ ports: 256, tag: "b01v", config: SMALL_BUFFER_CONFIG });
  let recorder: Recorder | undefined;
  try {
    recorder = await startRecorder(world.redis, { keyspace: false });
    const from = await settledLineCount(world);
    for (const [round, up] of [false, true].entries()) {
      const resumedAt = await flapWhileStopped(world, flapCommands(world.names, 2, up));
      const expected = Object.fromEntries(world.names.map((name) => [name, quad(up)]));
      const tookMs = await waitConverged(world, expected, resumedAt);
      assertEquals(await readKernelPorts(world.ns, world.names), sortKeys(expected));
      assert(tookMs <= CONVERGE_MS, `converged (up=${up}) after ${Math.round(tookMs)} ms`);
      await waitIncidentsEnded(world, from, round + 1);
    }
    assertOverflowLoggedOnce(world, from, 2);
    await recorder.sync();
    assertNoDeletesOrRepublish(recorder);
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await recorder?.stop();
    await world.close();
  }
});
