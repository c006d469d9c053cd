/**
 * Child process of `bench/wake.ts`: listens to link notifications in the namespace it was
 * started in and reports when each batch reached it.
 *
 * Usage: `deno run --allow-all bench/_wake_listener.ts WAIT_MODE BATCHES TIMEOUT_MS`. Prints
 * `{ "event": "ready", "waitMode" }`, then, after BATCHES batches or TIMEOUT_MS, `{ "event":
 * "done", "times", "cpuMs" }`: the `CLOCK_MONOTONIC` time in µs at which each batch was
 * handed over, and the process's CPU time while it listened.
 *
 * @module
 */

import { monotonicMicroseconds } from "../ffi/monotonic_clock.ts";
import { NetlinkSocket, type WaitMode } from "../ffi/netlink_socket.ts";
import { cpuBetweenMs, threadCpu } from "./_proc_stats.ts";

/** Multicast group bit of link notifications (RTNLGRP_LINK = 1). */
const RTNLGRP_LINK_BIT = 1;

function emit(value: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
}

const [mode, batchesText, timeoutText] = Deno.args;
if (mode !== "event-loop" && mode !== "poll-thread") {
  throw new TypeError(`Wait mode ${mode} is invalid: use event-loop or poll-thread`);
}
const batches = Number(batchesText);
const timeoutMs = Number(timeoutText);
const socket = NetlinkSocket.open({
  groups: RTNLGRP_LINK_BIT,
  receiveBufferBytes: 1 << 20,
  wait: mode as WaitMode,
});
const timer = setTimeout(() => socket.close(), timeoutMs);
emit({ event: "ready", waitMode: socket.waitMode });
const times: number[] = [];
const cpuBefore = threadCpu(Deno.pid);
while (times.length < batches) {
  const batch = await socket.receiveBatch();
  if (batch.kind === "closed") break;
  times.push(monotonicMicroseconds());
}
const cpuMs = cpuBetweenMs(cpuBefore, threadCpu(Deno.pid));
clearTimeout(timer);
socket.close();
emit({ event: "done", times, cpuMs });
