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
 * [borrow]`. With `borrow`, batches are read with `{ borrow: true }` and encoded at once.
 * Scenario `drain` reads batches until one wait of 500 ms brings nothing.
 *
 * @module
 */

import { NetlinkSocket, type ReceiveBatch } from "../mod.ts";

/** Bound on every wait in this probe, in milliseconds. */
const WAIT_MS = 5_000;

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
const borrow = Deno.args[3] === "borrow";

async function main(): Promise<void> {
  const [scenario, groups, bufferBytes] = Deno.args;
  const socket = NetlinkSocket.open({
    groups: Number(groups),
    receiveBufferBytes: Number(bufferBytes),
  });
  emit({
    event: "ready",
    portId: socket.portId,
    receiveBufferBytes: socket.receiveBufferBytes,
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
        `Cannot run probe scenario ${scenario}: use dump, listen, overflow, drain or close`,
      );
    }
  } finally {
    socket.close();
  }
  emit({ event: "result", batches });
}

await main();
