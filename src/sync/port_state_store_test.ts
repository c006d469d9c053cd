import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { PortStateStore } from "./port_state_store.ts";
import type { PortStatus } from "./port_status.ts";

function status(admin: boolean, oper: boolean, mtu: number | undefined = 9100): PortStatus {
  return { ifindex: 30, admin, oper, mtu };
}

Deno.test("PortStateStore keeps event order per port", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", status(false, false));
  store.set("Ethernet0", status(true, false));
  store.set("Ethernet4", status(true, true));
  store.set("Ethernet0", status(true, true));
  assertEquals(store.pendingCount, 2);
  assertEquals(store.take(), [
    { op: "set", name: "Ethernet0", status: status(false, false) },
    { op: "set", name: "Ethernet0", status: status(true, false) },
    { op: "set", name: "Ethernet0", status: status(true, true) },
    { op: "set", name: "Ethernet4", status: status(true, true) },
  ]);
  store.confirm();
  assertEquals(store.pendingCount, 0);
  assertEquals(store.written("Ethernet0"), status(true, true));
});

Deno.test("PortStateStore wipes before set", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", status(true, true));
  store.take();
  store.confirm();
  store.delete("Ethernet0");
  store.set("Ethernet0", status(false, false));
  store.set("Ethernet0", status(true, false));
  assertEquals(store.take(), [
    { op: "delete", name: "Ethernet0" },
    { op: "set", name: "Ethernet0", status: status(false, false) },
    { op: "set", name: "Ethernet0", status: status(true, false) },
  ]);
  store.confirm();
  store.set("Ethernet0", status(true, true));
  store.delete("Ethernet0");
  assertEquals(store.take(), [
    { op: "set", name: "Ethernet0", status: status(true, true) },
    { op: "delete", name: "Ethernet0" },
  ]);
  store.confirm();
  assertEquals(store.written("Ethernet0"), null);
  assertEquals(store.presentNames(), new Set());
});

Deno.test("PortStateStore keeps MTU when missing", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", status(true, true, 9100));
  store.take();
  store.confirm();
  store.set("Ethernet0", status(false, false, undefined));
  assertEquals(store.take(), [{
    op: "set",
    name: "Ethernet0",
    status: status(false, false, 9100),
  }]);
});

Deno.test("PortStateStore skips unchanged dump sets", () => {
  const store = new PortStateStore();
  store.assumeWritten("Ethernet0", status(true, true));
  assertEquals(store.set("Ethernet0", { ...status(true, true), ifindex: 99 }, true), false);
  assertEquals(store.pendingCount, 0);
  assertEquals(store.set("Ethernet0", status(true, true)), true);
  assertEquals(store.pendingCount, 1);
});

Deno.test("PortStateStore restore merges newer changes", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", status(true, true));
  store.delete("Ethernet4");
  store.set("Ethernet8", status(true, true));
  store.take();
  assertThrows(() => store.take(), Error);
  // Newer changes arrive while the write is in flight.
  store.set("Ethernet0", status(false, false));
  store.set("Ethernet4", status(true, false));
  assertEquals(store.pendingCount, 3, "a port in flight and pending again counts once");
  store.restore();
  assertEquals(store.pendingCount, 3);
  assertEquals(store.take(), [
    { op: "set", name: "Ethernet0", status: status(false, false) },
    // The failed delete must still happen before the newer set.
    { op: "delete", name: "Ethernet4" },
    { op: "set", name: "Ethernet4", status: status(true, false) },
    { op: "set", name: "Ethernet8", status: status(true, true) },
  ]);
  store.confirm();
  assertEquals(
    store.writtenPorts(),
    new Map([
      ["Ethernet0", status(false, false)],
      ["Ethernet4", status(true, false)],
      ["Ethernet8", status(true, true)],
    ]),
  );
});

Deno.test("PortStateStore restore keeps failed wipe", () => {
  const store = new PortStateStore();
  store.delete("Ethernet0");
  store.set("Ethernet0", status(true, true));
  store.take();
  store.set("Ethernet0", status(false, false));
  store.restore();
  assertEquals(store.take(), [
    { op: "delete", name: "Ethernet0" },
    { op: "set", name: "Ethernet0", status: status(false, false) },
  ]);
});

Deno.test("PortStateStore dump set after pending delete", () => {
  const store = new PortStateStore();
  store.assumeWritten("Ethernet0", status(true, true));
  store.delete("Ethernet0");
  // A dump reply with the old fields after a DELLINK must recreate the entry.
  assertEquals(store.set("Ethernet0", status(true, true), true), true);
  assertEquals(store.take(), [
    { op: "delete", name: "Ethernet0" },
    { op: "set", name: "Ethernet0", status: status(true, true) },
  ]);
});

Deno.test("PortStateStore collapses after failed write", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", status(true, true));
  store.delete("Ethernet0");
  store.set("Ethernet0", status(false, false));
  store.set("Ethernet0", status(true, false));
  store.take();
  store.restore();
  assertEquals(store.take(), [
    { op: "delete", name: "Ethernet0" },
    { op: "set", name: "Ethernet0", status: status(true, false) },
  ]);
});

Deno.test("PortStateStore bounds changes per port", () => {
  const store = new PortStateStore();
  store.delete("Ethernet0");
  for (let mtu = 1000; mtu < 1040; mtu++) store.set("Ethernet0", status(true, true, mtu));
  const operations = store.take();
  assertEquals(operations.length, 16);
  assertEquals(operations[0], { op: "delete", name: "Ethernet0" });
  assertEquals(operations.at(-1), {
    op: "set",
    name: "Ethernet0",
    status: status(true, true, 1039),
  });
});
const UP = { ifindex: 5, admin: true, oper: true, mtu: 9100 };

Deno.test("PortStateStore skips unchanged resync set", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", UP);
  store.take();
  store.confirm();
  assertEquals(store.set("Ethernet0", { ...UP }, true), false);
  assertEquals(store.pendingCount, 0);
});

Deno.test("PortStateStore rewrites after unverified mark", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", UP);
  store.take();
  store.confirm();
  store.markWrittenUnverified();
  assertEquals(store.set("Ethernet0", { ...UP }, true), true);
  assertEquals(store.take(), [{ op: "set", name: "Ethernet0", status: UP }]);
  store.confirm();
  assertEquals(store.set("Ethernet0", { ...UP }, true), false);
});

Deno.test("PortStateStore keeps latest while down", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", UP);
  store.take();
  store.restore();
  store.delete("Ethernet0");
  store.set("Ethernet0", { ...UP, oper: false });
  assertEquals(store.pendingCount, 1);
  assertEquals(store.take(), [
    { op: "delete", name: "Ethernet0" },
    { op: "set", name: "Ethernet0", status: { ...UP, oper: false } },
  ]);
});
