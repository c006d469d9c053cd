import { assertEquals } from "../../tests/assert.ts";
import { PortStateStore } from "./port_state_store.ts";

const UP = { ifindex: 5, admin: true, oper: true, mtu: 9100 };

Deno.test("store skips unchanged resync set", () => {
  const store = new PortStateStore();
  store.set("Ethernet0", UP);
  store.take();
  store.confirm();
  assertEquals(store.set("Ethernet0", { ...UP }, true), false);
  assertEquals(store.pendingCount, 0);
});

Deno.test("store rewrites after unverified mark", () => {
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

Deno.test("store keeps latest while down", () => {
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
