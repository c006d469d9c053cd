import { assertEquals } from "../tests/assert.ts";
import { comparePorts, type PortRow, renderPortTable, sameRows } from "./port_table.ts";

function row(port: string, oper = "up", mtu = "9100"): PortRow {
  return { port, state: "ok", admin: "up", oper, mtu };
}

Deno.test("port order numeric", () => {
  const rows = [row("Ethernet12"), row("Ethernet4"), row("Ethernet0")].sort(comparePorts);
  assertEquals(rows.map((r) => r.port), ["Ethernet0", "Ethernet4", "Ethernet12"]);
});

Deno.test("port table marks changes", () => {
  const previous = [row("Ethernet0"), row("Ethernet4"), row("Ethernet8")];
  const current = [row("Ethernet0"), row("Ethernet4", "down")];
  assertEquals(renderPortTable(current, previous), [
    "  port       state  admin  oper  mtu",
    "  Ethernet0  ok     up     up    9100",
    "* Ethernet4  ok     up     down  9100",
    "  removed: Ethernet8",
  ]);
});

Deno.test("port table empty and first", () => {
  assertEquals(renderPortTable([]), ["  port  state  admin  oper  mtu", "  (no ports)"]);
  assertEquals(renderPortTable([row("Ethernet0")], []), [
    "  port       state  admin  oper  mtu",
    "* Ethernet0  ok     up     up    9100",
  ]);
});

Deno.test("port rows compare values", () => {
  assertEquals(sameRows([row("Ethernet0")], [row("Ethernet0")]), true);
  assertEquals(sameRows([row("Ethernet0")], [row("Ethernet0", "up", "1500")]), false);
  assertEquals(sameRows([row("Ethernet0")], []), false);
});
