/**
 * SIGTERM and SIGINT during a flap storm: the daemon exits 0 within 2 s, with Redis up (and its
 * last writes done) or unreachable (and a log of what was not written).
 */

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { peerName } from "../support/mod.ts";
import { type PortWorld, readKernelPorts, readStatePorts, startPortWorld } from "./port_world.ts";

const EXIT_BOUND_MS = 2000;

/** Starts a storm in the background: `rounds` carrier flips of every port, 20 ms apart. */
function storm(world: PortWorld, rounds: number): Promise<void> {
  const peers = world.names.map(peerName);
  return (async () => {
    for (let round = 0; round < rounds; round++) {
      await world.ns.batch(peers.map((peer) => `link set ${peer} ${round % 2 ? "up" : "down"}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
}

/** Sends `signal` and returns the exit code and the time to exit, in ms. */
async function signalAndTime(world: PortWorld, signal: Deno.Signal) {
  const sentAt = performance.now();
  world.daemon.signal(signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    world.daemon.exited,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), EXIT_BOUND_MS + 3000);
    }),
  ]);
  clearTimeout(timer);
  assert(
    status !== undefined,
    `no exit within ${EXIT_BOUND_MS + 3000} ms of ${signal}; log ends with:\n` +
      world.daemon.lines.slice(-12).join("\n"),
  );
  return { code: status.code, signal: status.signal, tookMs: performance.now() - sentAt };
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal} during storm exits 0`, async () => {
    const world = await startPortWorld({ ports: 32, tag: "sd" });
    try {
      const flaps = storm(world, 12);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const result = await signalAndTime(world, signal);
      await flaps;
      assertEquals([result.code, result.signal], [0, null]);
      assert(result.tookMs <= EXIT_BOUND_MS, `exit took ${Math.round(result.tookMs)} ms`);
      assert(world.daemon.lines.some((line) => /Stopped portsyncd/.test(line)), "no stop log");
      // Every written entry is a whole quad of a port that exists.
      const state = await readStatePorts(world.stateDb);
      const kernel = await readKernelPorts(world.ns, world.names);
      assertEquals(Object.keys(state).sort(), Object.keys(kernel).sort());
    } finally {
      await world.close();
    }
  });
}

Deno.test("SIGTERM with redis unreachable", async () => {
  const world = await startPortWorld({ ports: 8, tag: "sdr" });
  try {
    await world.redis.kill();
    await storm(world, 3);
    // Lookups fail first, so the ports wait unpublished rather than as failed writes.
    await world.daemon.waitForLine(
      /Failed to read APPL_DB PORT_TABLE|Failed to write STATE_DB/,
      2000,
    );
    const result = await signalAndTime(world, "SIGTERM");
    assertEquals([result.code, result.signal], [0, null]);
    assert(result.tookMs <= EXIT_BOUND_MS, `exit took ${Math.round(result.tookMs)} ms`);
    const notWritten = world.daemon.lines.find((line) => /not written to STATE_DB/.test(line));
    assert(notWritten !== undefined, "no log of the ports not written");
    for (const name of world.names) assertMatch(notWritten, new RegExp(`\\b${name}\\b`));
  } finally {
    await world.close();
  }
});

Deno.test("SIGTERM with redis frozen", async () => {
  const world = await startPortWorld({ ports: 8, tag: "sdf" });
  const redisPid = world.redis.pid;
  try {
    Deno.kill(redisPid, "SIGSTOP");
    await storm(world, 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await signalAndTime(world, "SIGTERM");
    assertEquals([result.code, result.signal], [0, null]);
    assert(result.tookMs <= EXIT_BOUND_MS, `exit took ${Math.round(result.tookMs)} ms`);
    // The command timeout ends the write in flight before the deadline, or the deadline does.
    assert(
      world.daemon.lines.some((line) => /not written to STATE_DB/.test(line)),
      "no log of the unfinished write",
    );
  } finally {
    Deno.kill(redisPid, "SIGCONT");
    await world.close();
  }
});
