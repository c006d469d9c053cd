import { configure, type LogRecord, reset } from "@logtape/logtape";
import { assert, assertEquals } from "../../tests/assert.ts";
import { LinkMonitor, type MonitorSegment } from "../kernel/link_monitor.ts";
import type { MonitorSocket } from "../kernel/monitor_socket.ts";
import { NLM_F_MULTI, NLMSG_DONE, NLMSG_HDRLEN } from "../netlink/constants.ts";
import { encodeLinkMessage } from "../netlink/encode_link_message.ts";
import { encodeHeader } from "../netlink/header.ts";
import { LinkFilter } from "../sync/link_filter.ts";
import { PortStateStore, type StateOperation } from "../sync/port_state_store.ts";
import { PortSync } from "../sync/port_sync.ts";
import { SnapshotFile } from "./snapshot_file.ts";
import { type InitialSyncEnd, WarmRestart } from "./warm_restart.ts";
import type { WarmRestartPhase } from "./warm_restart_state_machine.ts";
import { createWarmRestartStats } from "./warm_restart_stats.ts";

const RTM_NEWLINK = 16;
const UP_RUNNING = 0x1 | 0x40;
const UP = 0x1;

type Batch = Awaited<ReturnType<MonitorSocket["receiveBatch"]>>;

/** A netlink socket whose batches the test pushes; it records the dump requests. */
class FakeSocket implements MonitorSocket {
  dumpSequences: number[] = [];
  #queue: Batch[] = [];
  #waiting: ((batch: Batch) => void) | undefined;

  send(bytes: Uint8Array): void {
    this.dumpSequences.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
  }

  push(...datagrams: Uint8Array[]): void {
    this.#deliver({ kind: "data", datagrams, foreignSenders: 0, truncated: 0 });
  }

  receiveBatch(): Promise<Batch> {
    const next = this.#queue.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => this.#waiting = resolve);
  }

  close(): void {
    this.#deliver({ kind: "closed" });
  }

  #deliver(batch: Batch): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(batch);
    else this.#queue.push(batch);
  }
}

function link(
  type: number,
  name: string,
  index: number,
  flags: number,
  mtu: number,
  sequence = 0,
): Uint8Array {
  return encodeLinkMessage({
    type,
    headerFlags: sequence === 0 ? 0 : NLM_F_MULTI,
    sequence,
    portId: 0,
    family: 0,
    deviceType: 1,
    index,
    flags,
    change: 0,
    name,
    mtu,
  });
}

function done(sequence: number): Uint8Array {
  const bytes = new Uint8Array(NLMSG_HDRLEN + 4);
  encodeHeader(
    { length: bytes.length, type: NLMSG_DONE, flags: NLM_F_MULTI, sequence, portId: 0 },
    bytes,
    0,
  );
  return bytes;
}

const STATE_ENTRIES = new Map<string, Record<string, string>>([
  ["Ethernet0", {
    state: "ok",
    netdev_oper_status: "up",
    admin_status: "up",
    mtu: "9100",
    host_tx_ready: "true",
  }],
  ["Ethernet4", { state: "ok", netdev_oper_status: "up", admin_status: "up", mtu: "9100" }],
  // Only orchagent's field: not the daemon's entry, so it is rewritten or removed.
  ["Ethernet8", { oper_status: "up" }],
]);

interface Rig {
  socket: FakeSocket;
  writes: StateOperation[][];
  phases: WarmRestartPhase[];
  logs: LogRecord[];
  warm: WarmRestart;
  stats: ReturnType<typeof createWarmRestartStats>;
  run: Promise<void>;
  stop(): Promise<void>;
}

/** Wires a monitor, a port sync and the warm restart the way the daemon does. */
async function startRig(folder: string, timeoutMs: number): Promise<Rig> {
  const logs: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => logs.push(record) },
    loggers: [
      { category: ["portsyncd"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });

  const store = new PortStateStore();
  const writes: StateOperation[][] = [];
  const phases: WarmRestartPhase[] = [];
  const stats = createWarmRestartStats();
  const warm = new WarmRestart({
    warm: true,
    store,
    snapshotFile: new SnapshotFile(`${folder}/port_state.json`),
    snapshotIntervalMs: 60_000,
    initialSyncTimeoutMs: timeoutMs,
    writePhase: (phase) => {
      phases.push(phase);
      return Promise.resolve();
    },
    readStatePorts: (names) =>
      Promise.resolve(new Map([...STATE_ENTRIES].filter(([name]) => names.includes(name)))),
    stats,
  });
  await warm.begin();
  await warm.prime(["Ethernet0", "Ethernet4", "Ethernet8"]);

  const sync = new PortSync({
    filter: new LinkFilter(),
    store,
    appl: { existing: (names) => Promise.resolve(new Set(names)) },
    state: {
      write: (operations) => {
        writes.push(operations);
        return Promise.resolve();
      },
    },
    announcePortInitDone: () => Promise.resolve(),
    pendingPorts: new Set(),
    observer: warm.syncObserver,
  });
  sync.holdWrites = true;

  let queue = Promise.resolve();
  const finish = (end: InitialSyncEnd) => warm.finishInitialSync(sync, end).then(() => {});
  const socket = new FakeSocket();
  const monitor = new LinkMonitor({
    socket,
    dumpTimeoutMs: 60_000,
    maxAttempts: 1,
    onBatch: async (segments: MonitorSegment[]) => {
      for (const segment of segments) {
        if (segment.kind === "events") {
          warm.observe(segment.events);
          await sync.handleEvents(segment.events);
        } else {
          await sync.removeVanished(segment.seenNames);
          await finish({ seenNames: segment.seenNames });
        }
      }
    },
  });
  monitor.requestDump("startup");
  warm.startInitialSync(() => queue = queue.then(() => finish(undefined)));
  const run = monitor.run();

  return {
    socket,
    writes,
    phases,
    logs,
    warm,
    stats,
    run,
    stop: async () => {
      monitor.close();
      await run;
      await queue;
      await warm.stop();
      await reset();
    },
  };
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Wait for ${what} failed: not true within 2 s`);
}

async function withFolder(fn: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "portsyncd-warm-unit-" });
  try {
    await fn(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("initial sync timeout names missing ports", async () => {
  await withFolder(async (folder) => {
    const rig = await startRig(folder, 150);
    try {
      const sequence = rig.socket.dumpSequences[0]!;
      // Dump replies and events interleave; the dump never ends with NLMSG_DONE.
      rig.socket.push(
        link(RTM_NEWLINK, "Ethernet0", 30, UP_RUNNING, 9100, sequence),
        link(RTM_NEWLINK, "Ethernet0", 30, UP, 9100),
        link(RTM_NEWLINK, "Ethernet4", 31, UP, 9100, sequence),
        link(RTM_NEWLINK, "Ethernet0", 30, UP_RUNNING, 9100),
        link(RTM_NEWLINK, "Ethernet4", 31, UP, 1500),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      assertEquals(rig.writes, [], "writes are held during the initial sync");
      await waitUntil(() => rig.warm.initialSyncDone, "the initial sync timeout");

      assertEquals(rig.writes, [[{
        op: "set",
        name: "Ethernet4",
        status: { ifindex: 31, admin: true, oper: false, mtu: 1500 },
      }]]);
      assertEquals(rig.phases, ["initialized", "reconciled"]);
      assertEquals(rig.stats.initialSyncTimeouts, 1);
      assertEquals(rig.stats.reconciledUpdated, 1);
      assertEquals(rig.stats.reconciledUnchanged, 1);
      assertEquals(rig.stats.reconciledRemoved, 0);
      const warning = rig.logs.find((record) => record.message.join("").includes("timed out"));
      assert(warning, "a timeout warning is logged");
      assertEquals(warning.level, "warning");
      assertEquals(warning.properties.ports_not_seen, "Ethernet8");

      // Events after reconciliation are written at once.
      rig.socket.push(link(RTM_NEWLINK, "Ethernet0", 30, UP, 9100));
      await waitUntil(() => rig.writes.length === 2, "the post-reconciliation write");
      assertEquals((rig.writes as StateOperation[][])[1]!.map((operation) => operation.name), [
        "Ethernet0",
      ]);
    } finally {
      await rig.stop();
    }
  });
});

Deno.test("initial sync events written once", async () => {
  await withFolder(async (folder) => {
    const rig = await startRig(folder, 60_000);
    try {
      const sequence = rig.socket.dumpSequences[0]!;
      rig.socket.push(
        link(RTM_NEWLINK, "Ethernet0", 30, UP_RUNNING, 9100, sequence),
        // Ethernet4 goes down twice during the dump; one write must result.
        link(RTM_NEWLINK, "Ethernet4", 31, UP, 9100),
        link(RTM_NEWLINK, "Ethernet4", 31, UP, 9100, sequence),
        link(RTM_NEWLINK, "Ethernet4", 31, UP, 9100),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      assertEquals(rig.writes, []);
      rig.socket.push(done(sequence));
      await waitUntil(() => rig.warm.initialSyncDone, "the end of the dump");

      assertEquals(rig.writes, [[
        {
          op: "set",
          name: "Ethernet4",
          status: { ifindex: 31, admin: true, oper: false, mtu: 9100 },
        },
        { op: "delete", name: "Ethernet8" },
      ]]);
      assertEquals(rig.stats.initialSyncTimeouts, 0);
      assertEquals(rig.stats.reconciliations, 1);
      const summary = rig.logs.find((record) =>
        record.message.join("") === "Warm restart reconciled"
      );
      assert(summary, "a summary is logged");
      assertEquals(
        [summary.properties.unchanged, summary.properties.updated, summary.properties.removed],
        [1, 1, 1],
      );
    } finally {
      await rig.stop();
    }
  });
});
