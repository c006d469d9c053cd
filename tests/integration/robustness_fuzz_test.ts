/**
 * Malformed netlink data: random, truncated and mutated datagrams go through LinkMonitor (with
 * a scripted socket) into PortSync and a real redis-server. Only NetlinkDecodeError may come
 * out, each one is counted, and the valid message that follows the garbage is always applied.
 *
 * `FUZZ_SEED=<n>` replays one run; the seed is part of every failure message.
 */

import { assert, assertEquals, assertInstanceOf } from "../assert.ts";
import { startRedis } from "../support/mod.ts";
import { LinkMonitor, type MonitorSegment } from "../../src/kernel/link_monitor.ts";
import type { MonitorSocket } from "../../src/kernel/monitor_socket.ts";
import { StatePortTable } from "../../src/daemon/redis_port_tables.ts";
import { ApplPortTable } from "../../src/sync/appl_port_table.ts";
import { NetlinkDecodeError } from "../../src/netlink/decode_error.ts";
import { encodeLinkMessage } from "../../src/netlink/encode_link_message.ts";
import { LinkFilter } from "../../src/sync/link_filter.ts";
import { PortStateStore } from "../../src/sync/port_state_store.ts";
import { PortSync } from "../../src/sync/port_sync.ts";
import { quad } from "./port_world.ts";

const BATCHES = 400;
const GARBAGE_PER_BATCH = 12;
const PORT = "Ethernet0";
const PORT_IFINDEX = 7;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;

/** Small seeded PRNG (mulberry32), so a seed replays the same cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Batch = Awaited<ReturnType<MonitorSocket["receiveBatch"]>>;

/** A socket that hands out scripted batches, then reports itself closed. */
class ScriptedSocket implements MonitorSocket {
  #batches: Batch[];
  sent: Uint8Array[] = [];
  constructor(batches: Batch[]) {
    this.#batches = batches.reverse();
  }
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  receiveBatch(): Promise<Batch> {
    return Promise.resolve(this.#batches.pop() ?? { kind: "closed" });
  }
  close(): void {
    this.#batches = [];
  }
}

/** Builds the garbage of one case from the generator. */
function garbage(next: () => number): Uint8Array {
  const int = (below: number) => Math.floor(next() * below);
  const template = encodeLinkMessage({
    type: next() < 0.5 ? RTM_NEWLINK : RTM_DELLINK,
    headerFlags: 0,
    sequence: 0,
    portId: 0,
    family: next() < 0.1 ? 7 : 0,
    deviceType: 1,
    index: 1 + int(10),
    flags: int(0x20000),
    change: 0,
    name: next() < 0.5 ? `fuzz${int(100)}` : "PortChannel1",
    mtu: next() < 0.8 ? 1 + int(9216) : undefined,
    master: next() < 0.2 ? int(10) : undefined,
    linkKind: next() < 0.3 ? "veth" : undefined,
  });
  switch (int(5)) {
    case 0: // random bytes
      return Uint8Array.from({ length: int(120) }, () => int(256));
    case 1: // truncated
      return template.slice(0, int(template.length));
    case 2: { // a few bytes changed
      const bytes = template.slice();
      for (let count = 1 + int(4); count > 0; count--) bytes[int(bytes.length)] = int(256);
      return bytes;
    }
    case 3: { // nlmsg_len or an attribute length rewritten
      const bytes = template.slice();
      const view = new DataView(bytes.buffer);
      if (next() < 0.5) view.setUint32(0, int(bytes.length * 2), true);
      else view.setUint16(32 + 4 * int((bytes.length - 34) / 4), int(512), true);
      return bytes;
    }
    default: { // a valid message followed by a torn one in the same datagram
      const torn = template.slice(0, 16 + int(template.length - 16));
      const joined = new Uint8Array(template.length + torn.length);
      joined.set(template);
      joined.set(torn, template.length);
      return joined;
    }
  }
}

Deno.test("fuzz monitor and sync", async () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  const context = `FUZZ_SEED=${seed}`;
  const next = random(seed);
  const redis = await startRedis();
  try {
    const applDb = redis.client("APPL_DB");
    const stateDb = redis.client("STATE_DB");
    await applDb.hset(`PORT_TABLE:${PORT}`, "admin_status", "up");

    // Each batch: garbage datagrams, then one valid NEWLINK for the port with known fields.
    const batches: Batch[] = [];
    const expectedStates: Array<{ admin: boolean; oper: boolean; mtu: number }> = [];
    for (let index = 0; index < BATCHES; index++) {
      const datagrams = Array.from({ length: GARBAGE_PER_BATCH }, () => garbage(next));
      const want = { admin: next() < 0.5, oper: next() < 0.5, mtu: 1000 + (index % 9000) };
      datagrams.push(encodeLinkMessage({
        type: RTM_NEWLINK,
        headerFlags: 0,
        sequence: 0,
        portId: 0,
        family: 0,
        deviceType: 1,
        index: PORT_IFINDEX,
        flags: (want.admin ? 0x1 : 0) | (want.oper ? 0x40 : 0) | 0x1000,
        change: 0,
        name: PORT,
        mtu: want.mtu,
      }));
      expectedStates.push(want);
      batches.push({ kind: "data", datagrams, foreignSenders: 0, truncated: 0 });
    }

    const store = new PortStateStore();
    let initDone = 0;
    const sync = new PortSync({
      filter: new LinkFilter(),
      store,
      appl: new ApplPortTable(await redis.daemonClient("APPL_DB"), ":"),
      state: new StatePortTable(await redis.daemonClient("STATE_DB"), "|"),
      announcePortInitDone: () => Promise.resolve(void initDone++),
      pendingPorts: new Set([PORT]),
    });
    const decodeErrors: unknown[] = [];
    let handled = 0;
    const monitor = new LinkMonitor({
      socket: new ScriptedSocket(batches),
      dumpTimeoutMs: 1000,
      maxAttempts: 1,
      observer: { decodeError: (error) => decodeErrors.push(error) },
      onBatch: async (segments: MonitorSegment[]) => {
        for (const segment of segments) {
          if (segment.kind === "events") await sync.handleEvents(segment.events);
        }
        const want = expectedStates[handled]!;
        const written = store.written(PORT);
        assertEquals(
          written && { admin: written.admin, oper: written.oper, mtu: written.mtu },
          want,
          `${context}: batch ${handled} did not apply its valid message`,
        );
        handled++;
      },
    });
    const started = performance.now();
    await monitor.run();
    monitor.close();
    assertEquals(handled, BATCHES, `${context}: batches handled`);
    assert(decodeErrors.length > BATCHES, `${context}: only ${decodeErrors.length} errors`);
    for (const error of decodeErrors) assertInstanceOf(error, NetlinkDecodeError, context);
    const last = expectedStates.at(-1)!;
    assertEquals(
      await stateDb.hgetall(`PORT_TABLE:${PORT}`.replace(":", "|")),
      quad(last.oper, last.admin, last.mtu),
      context,
    );
    assertEquals(
      (await stateDb.keys("PORT_TABLE|*")).sort(),
      [`PORT_TABLE|${PORT}`],
      `${context}: entries of other names`,
    );
    assertEquals(initDone, 1, context);
    assert(performance.now() - started < 20000, `${context}: too slow`);
  } finally {
    await redis.stop();
  }
});
