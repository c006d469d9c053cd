import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { Redis } from "ioredis";
import { assert, assertEquals } from "../../tests/assert.ts";
import { waitFor } from "../../tests/support/wait_for.ts";
import { startRedis } from "../../tests/support/redis_server.ts";
import { StatePortTable } from "../daemon/redis_port_tables.ts";
import { ApplPortTable } from "../sync/appl_port_table.ts";
import { encodeHeader } from "../netlink/header.ts";
import { encodeLinkMessage, type LinkMessageInput } from "../netlink/encode_link_message.ts";
import { LinkFilter } from "../sync/link_filter.ts";
import { PortStateStore } from "../sync/port_state_store.ts";
import { PortSync } from "../sync/port_sync.ts";
import { LinkMonitor, type MonitorSegment } from "./link_monitor.ts";
import type { MonitorSocket } from "./monitor_socket.ts";

type Batch = Awaited<ReturnType<MonitorSocket["receiveBatch"]>>;

/** A socket that hands out queued datagrams and tells when the monitor waits for more. */
class FakeSocket implements MonitorSocket {
  readonly sent: Uint8Array[] = [];
  #queue: Batch[] = [];
  #reader: ((batch: Batch) => void) | undefined;
  #idle: Array<() => void> = [];

  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }

  receiveBatch(): Promise<Batch> {
    const next = this.#queue.shift();
    if (next) return Promise.resolve(next);
    for (const idle of this.#idle.splice(0)) idle();
    return new Promise((resolve) => this.#reader = resolve);
  }

  /** Queues one datagram per argument in one batch and waits until the monitor handled it. */
  deliver(...datagrams: Uint8Array[]): Promise<void> {
    return this.deliverBatch({ kind: "data", datagrams, foreignSenders: 0, truncated: 0 });
  }

  /** Queues one batch and waits until the monitor handled it. */
  async deliverBatch(batch: Batch): Promise<void> {
    const idle = new Promise<void>((resolve) => this.#idle.push(resolve));
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader) reader(batch);
    else this.#queue.push(batch);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      idle,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("Batch not handled within 2 s")), 2000);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.#reader?.({ kind: "closed" });
    this.#reader = undefined;
  }
}

/** Flag words of the scenarios: DN, UPNC, UPR and the ones veth cannot show. */
const DN = 0x1002;
const UPNC = 0x1003;
const UPR = 0x11043;

function link(
  type: "new" | "del",
  name: string,
  index: number,
  flags: number,
  extra: Partial<LinkMessageInput> = {},
): Uint8Array {
  return encodeLinkMessage({
    type: type === "new" ? 16 : 17,
    headerFlags: 0,
    sequence: 0,
    portId: 0,
    family: 0,
    deviceType: 1,
    index,
    flags,
    change: 0,
    name,
    mtu: 9100,
    ...extra,
  });
}

function done(sequence: number): Uint8Array {
  const bytes = new Uint8Array(20);
  encodeHeader({ length: 20, type: 3, flags: 2, sequence, portId: 0 }, bytes, 0);
  return bytes;
}

interface Pipeline {
  socket: FakeSocket;
  appl: Redis;
  state: Redis;
  sync: PortSync;
  monitor: LinkMonitor;
  announced: number;
}

/** Runs LinkMonitor -> PortSync -> a real redis-server, as the daemon wires them. */
async function withPipeline(
  pending: string[],
  body: (pipeline: Pipeline) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  const socket = new FakeSocket();
  try {
    const appl = redis.client("APPL_DB");
    const state = redis.client("STATE_DB");
    const pipeline: Pipeline = {
      socket,
      appl,
      state,
      sync: undefined!,
      monitor: undefined!,
      announced: 0,
    };
    pipeline.sync = new PortSync({
      filter: new LinkFilter(),
      store: new PortStateStore(),
      appl: new ApplPortTable(await redis.daemonClient("APPL_DB"), ":"),
      state: new StatePortTable(await redis.daemonClient("STATE_DB"), "|"),
      announcePortInitDone: () => {
        pipeline.announced++;
        return Promise.resolve();
      },
      pendingPorts: new Set(pending),
    });
    const handle = async (segments: MonitorSegment[]) => {
      for (const segment of segments) {
        if (segment.kind === "events") await pipeline.sync.handleEvents(segment.events);
        else await pipeline.sync.removeVanished(segment.seenNames);
      }
    };
    const monitor = new LinkMonitor({
      socket,
      onBatch: handle,
      dumpTimeoutMs: 1000,
      maxAttempts: 1,
    });
    pipeline.monitor = monitor;
    const running = monitor.run();
    try {
      await body(pipeline);
    } finally {
      monitor.close();
      await running;
    }
  } finally {
    await redis.stop();
  }
}

async function hash(client: Redis, key: string): Promise<Record<string, string>> {
  return await client.hgetall(key);
}

function quad(oper: string, admin: string, mtu = "9100"): Record<string, string> {
  return { state: "ok", netdev_oper_status: oper, admin_status: admin, mtu };
}

Deno.test("B10 team netdev and LAG members", async () => {
  await withPipeline(["Ethernet0", "Ethernet4"], async (pipeline) => {
    const { socket, appl, state } = pipeline;
    for (const name of ["Ethernet0", "Ethernet4"]) {
      await appl.hset(`PORT_TABLE:${name}`, { admin_status: "up" });
    }
    await state.hset("PORT_TABLE|Ethernet0", quad("down", "down"));
    await state.hset("PORT_TABLE|Ethernet4", quad("up", "up"));
    await appl.hset("PORT_TABLE:PortChannel111", { admin_status: "up" });
    await socket.deliver(link("new", "PortChannel111", 60, UPR, { linkKind: "team" }));
    await socket.deliver(link("new", "Ethernet0", 30, UPNC, { master: 60 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("down", "up"));
    await socket.deliver(link("new", "Ethernet0", 30, UPR, { master: 60 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("up", "up"));
    assertEquals(await state.exists("PORT_TABLE|PortChannel111"), 0);
    // The team netdev going away is teamsyncd's business too.
    await state.hset("PORT_TABLE|PortChannel111", { state: "ok" });
    await socket.deliver(link("del", "PortChannel111", 60, DN, { linkKind: "team" }));
    assertEquals(await hash(state, "PORT_TABLE|PortChannel111"), { state: "ok" });

    // Bridge part: the port leaves bridge 5 (AF_BRIDGE DELLINK with a master).
    await socket.deliver(link("new", "Bridge", 5, UPR, { linkKind: "bridge" }));
    await socket.deliver(link("new", "Ethernet4", 31, UPR, { master: 5 }));
    await socket.deliver(link("del", "Ethernet4", 31, UPR, { family: 7, master: 5 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet4"), quad("up", "up"));
    await socket.deliver(link("del", "Ethernet4", 31, UPR, { family: 7 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet4"), quad("up", "up"));
    await socket.deliver(link("new", "Ethernet4", 31, UPR));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet4"), quad("up", "up"));
    assertEquals(pipeline.announced, 1);
  });
});

Deno.test("B11 flags without RUNNING", async () => {
  await withPipeline(["Ethernet0"], async ({ socket, appl, state }) => {
    await appl.hset("PORT_TABLE:Ethernet0", { admin_status: "up" });
    const steps: Array<[number, Record<string, string>]> = [
      [0x10003, quad("down", "up")],
      [0x11043, quad("up", "up")],
      [0x31003, quad("down", "up")],
      [0x10002, quad("down", "down")],
    ];
    for (const [flags, expected] of steps) {
      await socket.deliver(link("new", "Ethernet0", 30, flags));
      assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), expected, `flags ${flags}`);
    }
  });
});

Deno.test("B20 message without IFLA_MTU", async () => {
  await withPipeline([], async ({ socket, appl, state }) => {
    await appl.hset("PORT_TABLE:Ethernet0", { admin_status: "up", mtu: "1" });
    await socket.deliver(link("new", "Ethernet0", 30, UPR));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("up", "up"));
    await socket.deliver(link("new", "Ethernet0", 30, DN, { mtu: undefined }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("down", "down"));
    await socket.deliver(link("new", "Ethernet0", 30, UPR, { mtu: 9000 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("up", "up", "9000"));
  });
});

Deno.test("vlan and bond kinds handled", async () => {
  await withPipeline([], async ({ socket, appl, state }) => {
    // intfmgrd owns the sub-port entry; a NEWLINK without an APPL_DB port entry writes nothing.
    await state.hset("PORT_TABLE|Ethernet0.10", { state: "ok" });
    await socket.deliver(link("new", "Ethernet0.10", 70, UPR, { linkKind: "vlan", master: 0 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0.10"), { state: "ok" });
    // Its DELLINK deletes the key, as upstream does.
    await socket.deliver(link("del", "Ethernet0.10", 70, DN, { linkKind: "vlan" }));
    assertEquals(await state.exists("PORT_TABLE|Ethernet0.10"), 0);
    // A bond with a LAG name is not a team: it is handled like any port.
    await appl.hset("PORT_TABLE:PortChannel5", { admin_status: "up" });
    await socket.deliver(link("new", "PortChannel5", 71, UPR, { linkKind: "bond" }));
    assertEquals(await hash(state, "PORT_TABLE|PortChannel5"), quad("up", "up"));
  });
});

Deno.test("B22 rename removes old name", async () => {
  await withPipeline([], async ({ socket, appl, state }) => {
    await appl.hset("PORT_TABLE:Ethernet8", { admin_status: "up" });
    await socket.deliver(link("new", "Ethernet8", 44, DN));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet8"), quad("down", "down"));
    await socket.deliver(link("new", "Ethernet8tmp", 44, DN));
    assertEquals(await state.keys("PORT_TABLE|*"), []);
    await socket.deliver(link("new", "Ethernet8", 44, DN));
    await socket.deliver(link("new", "Ethernet8", 44, UPR));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet8"), quad("up", "up"));
    assertEquals(await state.keys("PORT_TABLE|*"), ["PORT_TABLE|Ethernet8"]);
  });
});

Deno.test("dump drops vanished ports", async () => {
  await withPipeline([], async ({ socket, appl, state, monitor }) => {
    for (const name of ["Ethernet0", "Ethernet4"]) {
      await appl.hset(`PORT_TABLE:${name}`, { admin_status: "up" });
    }
    await socket.deliver(link("new", "Ethernet0", 30, UPR), link("new", "Ethernet4", 31, UPR));
    assertEquals((await state.keys("PORT_TABLE|*")).sort(), [
      "PORT_TABLE|Ethernet0",
      "PORT_TABLE|Ethernet4",
    ]);
    // A reply to a dump that is not running is dropped.
    await socket.deliver(link("new", "Ethernet4", 31, DN, { sequence: 77, headerFlags: 2 }));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet4"), quad("up", "up"));

    monitor.requestDump("overflow");
    const request = socket.sent.at(-1)!;
    const sequence = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
    const multi = { sequence, headerFlags: 2 };
    await socket.deliver(link("new", "Ethernet0", 30, DN, multi), done(sequence));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("down", "down"));
    assertEquals(await state.keys("PORT_TABLE|*"), ["PORT_TABLE|Ethernet0"]);
  });
});

Deno.test("dump keeps ports announced during it", async () => {
  await withPipeline([], async ({ socket, appl, state, monitor }) => {
    for (const name of ["Ethernet0", "Ethernet4"]) {
      await appl.hset(`PORT_TABLE:${name}`, { admin_status: "up" });
    }
    monitor.requestDump("startup");
    const request = socket.sent.at(-1)!;
    const sequence = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
    // The dump shows only lo; Ethernet0 and Ethernet4 appear as events before its NLMSG_DONE.
    await socket.deliver(link("new", "lo", 1, UPR, { sequence, headerFlags: 2 }));
    await socket.deliver(link("new", "Ethernet0", 30, UPR), link("new", "Ethernet4", 31, DN));
    await socket.deliver(done(sequence));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet0"), quad("up", "up"));
    assertEquals(await hash(state, "PORT_TABLE|Ethernet4"), quad("down", "down"));
  });
});

/** Sequence number of the last dump request sent on `socket`. */
function lastDumpSequence(socket: FakeSocket): number {
  const request = socket.sent.at(-1)!;
  return new DataView(request.buffer, request.byteOffset).getUint32(8, true);
}

Deno.test("LinkMonitor slow retry after failures", async () => {
  const socket = new FakeSocket();
  const started: Array<{ reason: string; attempt: number; at: number }> = [];
  const finished: Array<{ reason: string; attempt: number }> = [];
  const monitor = new LinkMonitor({
    socket,
    onBatch: (segments) => {
      for (const segment of segments) {
        if (segment.kind === "dump-done") finished.push(segment);
      }
      return Promise.resolve();
    },
    dumpTimeoutMs: 50,
    maxAttempts: 2,
    slowRetryMs: 400,
    observer: {
      dumpStarted: (reason, attempt) => started.push({ reason, attempt, at: performance.now() }),
    },
  });
  const running = monitor.run();
  const waitAttempts = (count: number) =>
    waitFor(() => Promise.resolve(started.length >= count), {
      message: `${count} dump attempts`,
      timeoutMs: 3000,
      intervalMs: 10,
    });
  try {
    // The socket never replies: two fast attempts, then slow ones.
    monitor.requestDump("overflow");
    await waitAttempts(3);
    const [, second, third] = started as [unknown, { at: number }, { at: number }];
    assert(third.at - second.at >= 400, `slow retry after ${third.at - second.at} ms`);
    assert(monitor.resyncing, "resync given up after the fast attempts");
    await waitAttempts(4);
    assertEquals(started.map((entry) => entry.attempt), [1, 2, 3, 4]);

    // A new fault during the slow wait starts at once with fast attempts again.
    await new Promise((resolve) => setTimeout(resolve, 80));
    monitor.requestDump("truncated");
    assertEquals(started.at(-1)?.reason, "truncated");
    assertEquals(started.at(-1)?.attempt, 1);

    // The kernel replies again: the dump completes and no retry follows.
    await socket.deliver(done(lastDumpSequence(socket)));
    assertEquals(finished, [{
      kind: "dump-done",
      reason: "truncated",
      seenNames: new Set(),
      attempt: 1,
    }]);
    const count = started.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assertEquals(started.length, count);
    assertEquals(monitor.resyncing, false);
  } finally {
    monitor.close();
    await running;
  }
});

Deno.test("LinkMonitor logs overflow once per incident", async () => {
  const logs: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => logs.push(record) },
    loggers: [
      { category: ["portsyncd"], sinks: ["memory"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  const socket = new FakeSocket();
  const monitor = new LinkMonitor({
    socket,
    onBatch: () => Promise.resolve(),
    dumpTimeoutMs: 1000,
    maxAttempts: 3,
  });
  const running = monitor.run();
  const enobufs: Batch = { kind: "error", errno: 105, errnoName: "ENOBUFS", datagrams: [] };
  const overflowWarnings = () =>
    logs.filter((record) => String(record.message.join("")).includes("buffer overflowed"));
  const incidentEnds = () =>
    logs.filter((record) => String(record.message.join("")).startsWith("Resynced after"));
  try {
    for (let read = 0; read < 3; read++) await socket.deliverBatch(enobufs);
    // The first dump ran while events were lost, so it is retried; the incident goes on.
    await socket.deliver(done(lastDumpSequence(socket)));
    assertEquals(incidentEnds().length, 0);
    const sent = socket.sent.length;
    await waitFor(() => Promise.resolve(socket.sent.length > sent), {
      message: "dump retried after the overflow",
      timeoutMs: 1000,
      intervalMs: 10,
    });
    await socket.deliverBatch(enobufs);
    await socket.deliver(done(lastDumpSequence(socket)));
    await waitFor(() => Promise.resolve(socket.sent.length > sent + 1), {
      message: "dump retried after the second overflow",
      timeoutMs: 1000,
      intervalMs: 10,
    });
    await socket.deliver(done(lastDumpSequence(socket)));
    assertEquals(overflowWarnings().map((record) => record.level), ["warning"]);
    assertEquals(incidentEnds().map((record) => record.properties.overflows), [4]);

    // A later overflow is a new incident with its own warning.
    await socket.deliverBatch(enobufs);
    await socket.deliver(done(lastDumpSequence(socket)));
    assertEquals(overflowWarnings().length, 2);
    assertEquals(incidentEnds().map((record) => record.properties.overflows), [4, 1]);
  } finally {
    monitor.close();
    await running;
    await reset();
  }
});

Deno.test("LinkMonitor resyncs after other receive errors", async () => {
  const socket = new FakeSocket();
  const reasons: string[] = [];
  const monitor = new LinkMonitor({
    socket,
    onBatch: () => Promise.resolve(),
    dumpTimeoutMs: 1000,
    maxAttempts: 3,
    observer: { dumpStarted: (reason) => reasons.push(reason) },
  });
  const running = monitor.run();
  try {
    await socket.deliverBatch({ kind: "error", errno: 2, errnoName: "ENOENT", datagrams: [] });
    assertEquals(reasons, ["receive_error"]);
    assertEquals(monitor.resyncing, true);
    await socket.deliver(done(lastDumpSequence(socket)));
    assertEquals(monitor.resyncing, false);
  } finally {
    monitor.close();
    await running;
  }
});

Deno.test("LinkMonitor waits during bursts", async () => {
  const socket = new FakeSocket();
  const handledAt: number[] = [];
  const monitor = new LinkMonitor({
    socket,
    onBatch: () => Promise.resolve(void handledAt.push(performance.now())),
    dumpTimeoutMs: 1000,
    maxAttempts: 3,
    coalesceMs: 100,
  });
  const running = monitor.run();
  try {
    const message = link("new", "Ethernet0", 5, DN);
    // Three batches back to back: the second is read at once, the third after the wait.
    const deliveries = [socket.deliver(message), socket.deliver(message), socket.deliver(message)];
    await Promise.all(deliveries);
    assertEquals(handledAt.length, 3);
    assert(
      handledAt[1]! - handledAt[0]! < 50,
      `second batch after ${handledAt[1]! - handledAt[0]!} ms`,
    );
    assert(
      handledAt[2]! - handledAt[1]! >= 95,
      `third batch after ${handledAt[2]! - handledAt[1]!} ms`,
    );
    // After a quiet gap, a batch is read at once again.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const before = performance.now();
    await socket.deliver(message);
    assert(handledAt[3]! - before < 50, `isolated batch after ${handledAt[3]! - before} ms`);
  } finally {
    monitor.close();
    await running;
  }
});
