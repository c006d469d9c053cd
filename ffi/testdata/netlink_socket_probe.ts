/**
 * Child process for `netlink_socket_test.ts`. The test runs it inside a throw-away network
 * namespace (`ip netns exec`), so the socket sees only that namespace's links.
 *
 * Protocol, one JSON object per stdout line:
 * 1. Opens a socket with `groups` and `receiveBufferBytes` from argv and prints
 *    `{ "event": "ready", portId, receiveBufferBytes }`.
 * 2. Waits for one line on stdin, so the parent can change links first.
 * 3. Runs the scenario from argv and prints `{ "event": "result", ... }`. Datagrams are
 *    base64 so the parent can decode them.
 *
 * Usage: `deno run --allow-all netlink_socket_probe.ts SCENARIO GROUPS RECEIVE_BUFFER_BYTES
 * [borrow] [poll-thread]`. With `borrow`, batches are read with `{ borrow: true }` and encoded
 * at once. With `poll-thread`, the socket waits in `poll` on a worker thread.
 * Scenario `drain` reads batches until one wait of 500 ms brings nothing. Scenario
 * `busy-overflow` starts a receive, prints `{ "event": "armed", "marker" }` and keeps the event
 * loop busy until the parent creates the file `marker` (at most {@link BUSY_MS}), so that what
 * the parent sends meanwhile overflows the socket before anything reads it. Then it reads like
 * `drain`, with {@link QUIET_MS} of silence as the end.
 * Scenario `foreign` sends a link message to its own port ID from a second socket and reports
 * the `sendto` result in `sendResult` and `sendErrno`.
 *
 * @module
 */

import { readErrno } from "../errno.ts";
import { libc } from "../libc.ts";
import { NetlinkSocket, type ReceiveBatch, type WaitMode } from "../mod.ts";

/** Bound on every wait in this probe, in milliseconds. */
const WAIT_MS = 5_000;
/** Maximum time `busy-overflow` keeps the event loop from reading, in milliseconds. */
const BUSY_MS = 5_000;
/** Silence that ends `busy-overflow`, in milliseconds. */
const QUIET_MS = 3_000;

type BatchSummary =
  | { kind: "data"; datagrams: string[]; foreignSenders: number; truncated: number }
  | { kind: "error"; errno: number; errnoName: string; datagrams: string[] }
  | { kind: "closed" }
  | { kind: "timeout" };

function emit(value: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
}

function summarize(batch: ReceiveBatch): BatchSummary {
  if (batch.kind === "closed") return batch;
  return { ...batch, datagrams: batch.datagrams.map((d) => d.toBase64()) };
}

/** Receives one batch, or closes the socket and reports a timeout after `WAIT_MS`. */
async function receiveBounded(socket: NetlinkSocket, waitMs = WAIT_MS): Promise<BatchSummary> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    socket.close();
  }, waitMs);
  try {
    const batch = await socket.receiveBatch(undefined, { borrow });
    return timedOut ? { kind: "timeout" } : summarize(batch);
  } finally {
    clearTimeout(timer);
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function waitForParent(): Promise<void> {
  const buffer = new Uint8Array(64);
  await Deno.stdin.read(buffer);
}

function hasDone(datagram: Uint8Array): boolean {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  for (let offset = 0; offset + 16 <= datagram.byteLength;) {
    const length = view.getUint32(offset, true);
    if (view.getUint16(offset + 4, true) === 3) return true;
    if (length < 16) return false;
    offset += (length + 3) & ~3;
  }
  return false;
}

/** `RTM_GETLINK` dump request: nlmsghdr (len 32, type 18, flags 0x301, seq 1) + ifinfomsg. */
function getLinkDump(): Uint8Array {
  const request = new Uint8Array(32);
  const view = new DataView(request.buffer);
  view.setUint32(0, 32, true);
  view.setUint16(4, 18, true);
  view.setUint16(6, 0x301, true);
  view.setUint32(8, 1, true);
  return request;
}

/** Whether batches are read with `{ borrow: true }`. */
const borrow = Deno.args.slice(3).includes("borrow");
/** The socket's wait mode. */
const wait: WaitMode = Deno.args.slice(3).includes("poll-thread") ? "poll-thread" : "event-loop";

/** Sends a 32-byte `RTM_NEWLINK` to `portId` from a new, unconnected netlink socket. */
function sendFromOtherSocket(portId: number): { sendResult: number; sendErrno: number } {
  const c = libc();
  const fd = c.socket(16, 3, 0);
  try {
    const message = new Uint8Array(32);
    const view = new DataView(message.buffer);
    view.setUint32(0, 32, true);
    view.setUint16(4, 16, true);
    const address = new Uint8Array(12);
    const addressView = new DataView(address.buffer);
    addressView.setUint16(0, 16, true);
    addressView.setUint32(4, portId, true);
    const sendResult = Number(c.sendto(fd, message, 32n, 0, address, 12));
    return { sendResult, sendErrno: sendResult === -1 ? readErrno() : 0 };
  } finally {
    c.close(fd);
  }
}

async function main(): Promise<void> {
  const [scenario, groups, bufferBytes] = Deno.args;
  const socket = NetlinkSocket.open({
    groups: Number(groups),
    receiveBufferBytes: Number(bufferBytes),
    wait,
  });
  emit({
    event: "ready",
    portId: socket.portId,
    receiveBufferBytes: socket.receiveBufferBytes,
    waitMode: socket.waitMode,
  });
  await waitForParent();
  const batches: BatchSummary[] = [];
  try {
    if (scenario === "dump") {
      socket.send(getLinkDump());
      for (let i = 0; i < 20; i++) {
        const batch = await receiveBounded(socket);
        batches.push(batch);
        if (batch.kind !== "data") break;
        if (batch.datagrams.some((d) => hasDone(Uint8Array.fromBase64(d)))) break;
      }
    } else if (scenario === "listen" || scenario === "overflow") {
      // overflow: the first batch should report ENOBUFS, the second the queued remainder.
      const count = scenario === "overflow" ? 2 : 1;
      for (let i = 0; i < count; i++) batches.push(await receiveBounded(socket));
    } else if (scenario === "drain") {
      for (let i = 0; i < 1000; i++) {
        const batch = await receiveBounded(socket, 500);
        if (batch.kind !== "data") break;
        batches.push(batch);
      }
    } else if (scenario === "busy-overflow") {
      const first = socket.receiveBatch(undefined, { borrow });
      const marker = `${await Deno.makeTempDir({ prefix: "ffi-probe-" })}/flooded`;
      emit({ event: "armed", marker });
      const until = performance.now() + BUSY_MS;
      // Busy on purpose: nothing reads the socket while the parent floods it.
      while (performance.now() < until && !exists(marker)) {
        await Promise.resolve();
      }
      await Deno.remove(marker.slice(0, marker.lastIndexOf("/")), { recursive: true });
      batches.push(summarize(await first));
      for (let i = 0; i < 1000; i++) {
        const batch = await receiveBounded(socket, QUIET_MS);
        if (batch.kind === "timeout" || batch.kind === "closed") break;
        batches.push(batch);
      }
    } else if (scenario === "foreign") {
      const sent = sendFromOtherSocket(socket.portId);
      batches.push(await receiveBounded(socket, 300));
      emit({ event: "result", batches, ...sent });
      return;
    } else if (scenario === "close") {
      const pending = receiveBounded(socket);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      socket.close();
      batches.push(await pending);
      emit({ event: "result", batches, closeMs: performance.now() - started });
      return;
    } else {
      throw new TypeError(
        `Cannot run probe scenario ${scenario}: use dump, listen, overflow, drain, ` +
          "busy-overflow, foreign or close",
      );
    }
  } finally {
    socket.close();
  }
  emit({ event: "result", batches });
}

await main();
