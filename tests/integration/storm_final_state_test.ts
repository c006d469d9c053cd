/**
 * B02: after an unpaced flap storm, STATE_DB ends equal to the kernel, even when the kernel
 * applies the last carrier changes seconds later.
 *
 * The kernel turns carrier changes into operstate (and IFF_RUNNING) through linkwatch
 * (net/core/link_watch.c), which handles 100 devices per run, 200 when urgent, and delays
 * non-urgent runs to one per second. A storm that ends with a carrier-up on hundreds of veth
 * pairs therefore may keep changing links for seconds after the last command, in a trickle of
 * notifications. The daemon must follow that trickle to the end:
 * the final state comes from the kernel, read after it stopped changing, not from the commands.
 */

import { assertEquals } from "../assert.ts";
import { peerName, waitFor } from "../support/mod.ts";
import {
  type PortWorld,
  quad,
  readKernelPorts,
  readStatePorts,
  sortKeys,
  startPortWorld,
} from "./port_world.ts";

/** Enough veth pairs (two devices each) to exceed one linkwatch run's budget. */
const PORTS = 256;
/** Admin flips per port before the final carrier-up; an even count ends admin up. */
const FLIPS = 10;
/** Device group of the peers, so one command raises every carrier under one lock hold. */
const PEER_GROUP = 7;
/** Maximum wait for the kernel to apply every carrier change. */
const KERNEL_DEADLINE_MS = 20_000;
/** Convergence bound after the kernel's last change, plus slack for a loaded machine. */
const CONVERGE_MS = 3000;

/**
 * Admin flips of every port (round-robin), then one command that brings every peer up. The
 * kernel changes the whole group while holding the RTNL lock, so all carrier events queue up
 * at once and linkwatch applies them after the command returned.
 */
function stormCommands(names: string[]): string[] {
  const commands: string[] = [];
  for (let round = 0; round < FLIPS; round++) {
    for (const name of names) commands.push(`link set ${name} ${round % 2 === 0 ? "down" : "up"}`);
  }
  commands.push(`link set group ${PEER_GROUP} up`);
  return commands;
}

/** Waits until STATE_DB contains exactly `expected`. */
async function waitStateEquals(
  world: PortWorld,
  expected: Record<string, Record<string, string>>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const want = JSON.stringify(sortKeys(expected));
  await waitFor(async () => JSON.stringify(await readStatePorts(world.stateDb)) === want, {
    message: what,
    timeoutMs,
    intervalMs: 50,
  });
}

Deno.test("B02 storm final state 256 ports", async () => {
  const world = await startPortWorld({ ports: PORTS, tag: "b02", logLevel: "NOTICE" });
  try {
    const { ns, names } = world;
    const allDown = sortKeys(Object.fromEntries(names.map((name) => [name, quad(false)])));
    await ns.batch(names.map((name) => `link set ${peerName(name)} down group ${PEER_GROUP}`));
    await waitFor(
      async () => JSON.stringify(await readKernelPorts(ns, names)) === JSON.stringify(allDown),
      { message: "kernel carriers down before the storm", timeoutMs: KERNEL_DEADLINE_MS },
    );
    await waitStateEquals(world, allDown, "STATE_DB carriers down before the storm", CONVERGE_MS);

    await ns.batch(stormCommands(names));
    const allUp = sortKeys(Object.fromEntries(names.map((name) => [name, quad(true)])));
    await waitFor(
      async () => JSON.stringify(await readKernelPorts(ns, names)) === JSON.stringify(allUp),
      { message: "kernel at the storm's final state", timeoutMs: KERNEL_DEADLINE_MS },
    );
    await waitStateEquals(
      world,
      allUp,
      "STATE_DB equal to the kernel after the storm",
      CONVERGE_MS,
    );
    assertEquals(await readStatePorts(world.stateDb), await readKernelPorts(ns, names));
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});
