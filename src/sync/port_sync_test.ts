import { assertEquals } from "../../tests/assert.ts";
import type { LinkEvent } from "./link_event.ts";
import { LinkFilter } from "./link_filter.ts";
import { PortStateStore, type StateOperation } from "./port_state_store.ts";
import { PortSync } from "./port_sync.ts";

function event(name: string, flags: { admin: boolean; oper: boolean }, op: "new" | "del" = "new") {
  return {
    op,
    name,
    ifindex: Number(name.replace(/\D/g, "")) + 100,
    family: 0,
    mtu: 9100,
    master: 0,
    kind: undefined,
    fromDump: false,
    ...flags,
  } satisfies LinkEvent;
}

const DN = { admin: false, oper: false };
const UPR = { admin: true, oper: true };

/** A PortSync over fakes: APPL_DB holds `appl`, STATE_DB writes are recorded per call. */
function makeSync(appl: Set<string>, pending: string[] = []) {
  const writes: StateOperation[][] = [];
  const lookups: string[][] = [];
  let announced = 0;
  const sync = new PortSync({
    filter: new LinkFilter(),
    store: new PortStateStore(),
    appl: {
      existing: (names) => {
        lookups.push(names);
        return Promise.resolve(new Set(names.filter((name) => appl.has(name))));
      },
    },
    state: {
      write: (operations) => {
        writes.push(operations);
        return Promise.resolve();
      },
    },
    announcePortInitDone: () => {
      announced++;
      return Promise.resolve();
    },
    pendingPorts: new Set(pending),
  });
  return { sync, writes, lookups, announced: () => announced };
}

function summary(writes: StateOperation[][]): string[][] {
  return writes.map((operations) =>
    operations.map((operation) =>
      operation.op === "delete"
        ? `del ${operation.name}`
        : `set ${operation.name} ${operation.status.admin ? "up" : "down"}`
    )
  );
}

Deno.test("PortSync writes each event of a batch", async () => {
  // B12: every message yields its own HSET, in order, even when read in one batch.
  const { sync, writes, lookups } = makeSync(new Set(["Ethernet0", "Ethernet4"]));
  await sync.handleEvents([
    event("Ethernet0", DN),
    event("Ethernet4", UPR),
    event("Ethernet0", UPR),
    event("Ethernet0", DN),
  ]);
  assertEquals(summary(writes), [
    ["set Ethernet0 down", "set Ethernet0 up", "set Ethernet0 down", "set Ethernet4 up"],
  ]);
  assertEquals(lookups.length, 1);
});

Deno.test("PortSync keeps delete before set", async () => {
  const { sync, writes } = makeSync(new Set(["Ethernet4"]));
  await sync.handleEvents([event("Ethernet4", UPR)]);
  await sync.handleEvents([event("Ethernet4", DN, "del"), event("Ethernet4", UPR)]);
  assertEquals(summary(writes), [["set Ethernet4 up"], ["del Ethernet4", "set Ethernet4 up"]]);
});

Deno.test("PortSync awaits the APPL_DB entry", async () => {
  const appl = new Set<string>();
  const { sync, writes, announced } = makeSync(appl, ["Ethernet4"]);
  await sync.handleEvents([event("Ethernet4", UPR)]);
  assertEquals(writes, []);
  assertEquals(sync.awaitingNames(), ["Ethernet4"]);
  await sync.recheckAwaiting();
  assertEquals(writes, []);
  assertEquals(announced(), 0);
  appl.add("Ethernet4");
  await sync.recheckAwaiting();
  assertEquals(summary(writes), [["set Ethernet4 up"]]);
  assertEquals(sync.awaitingNames(), []);
  assertEquals(announced(), 1);
  await sync.handleEvents([event("Ethernet4", DN)]);
  assertEquals(announced(), 1);
});

Deno.test("PortSync drops awaiting port on DELLINK", async () => {
  const appl = new Set<string>();
  const { sync, writes } = makeSync(appl);
  await sync.handleEvents([event("Ethernet4", UPR)]);
  await sync.handleEvents([event("Ethernet4", DN, "del")]);
  appl.add("Ethernet4");
  await sync.recheckAwaiting();
  // Upstream deletes unconditionally on DELLINK; the old status is never published.
  assertEquals(summary(writes), [["del Ethernet4"]]);
});

Deno.test("PortSync failed lookup defers writes", async () => {
  const appl = new Set(["Ethernet4", "Ethernet8"]);
  let applDown = false;
  const writes: StateOperation[][] = [];
  const sync = new PortSync({
    filter: new LinkFilter(),
    store: new PortStateStore(),
    appl: {
      existing: (names) =>
        applDown
          ? Promise.reject(new Error("connection closed"))
          : Promise.resolve(new Set(names.filter((name) => appl.has(name)))),
    },
    state: {
      write: (operations) => {
        writes.push(operations);
        return Promise.resolve();
      },
    },
    announcePortInitDone: () => Promise.resolve(),
    pendingPorts: new Set(),
  });
  await sync.handleEvents([event("Ethernet4", UPR), event("Ethernet8", UPR)]);
  applDown = true;
  await sync.handleEvents([event("Ethernet4", DN), event("Ethernet8", DN)]);
  // Both entries existed at the last lookup; one is deleted while APPL_DB is away.
  appl.delete("Ethernet8");
  assertEquals(sync.awaitingNames().sort(), ["Ethernet4", "Ethernet8"]);
  await sync.recheckAwaiting();
  applDown = false;
  await sync.recheckAwaiting();
  assertEquals(summary(writes), [["set Ethernet4 up", "set Ethernet8 up"], [
    "set Ethernet4 down",
  ]]);
  assertEquals(sync.awaitingNames(), ["Ethernet8"]);
});

Deno.test("PortSync holds writes when unwritable", async () => {
  let writable = false;
  const writes: StateOperation[][] = [];
  const store = new PortStateStore();
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
    canWrite: () => writable,
    announcePortInitDone: () => Promise.resolve(),
    pendingPorts: new Set(),
  });
  await sync.handleEvents([event("Ethernet4", UPR)]);
  await sync.handleEvents([event("Ethernet4", DN)]);
  assertEquals(writes, []);
  assertEquals(store.pendingNames(), ["Ethernet4"]);
  writable = true;
  assertEquals(await sync.flush(), true);
  assertEquals(summary(writes), [["set Ethernet4 up", "set Ethernet4 down"]]);
});
