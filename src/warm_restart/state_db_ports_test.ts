import { assertEquals } from "../../tests/assert.ts";
import { parseOwnedFields } from "./state_db_ports.ts";

Deno.test("owned fields parse and reject", () => {
  const full = { state: "ok", netdev_oper_status: "down", admin_status: "up", mtu: "9100" };
  assertEquals(parseOwnedFields({ ...full, host_tx_ready: "true" }, 7), {
    ifindex: 7,
    admin: true,
    oper: false,
    mtu: 9100,
  });
  const { mtu: _mtu, ...withoutMtu } = full;
  assertEquals(parseOwnedFields(withoutMtu, 7)?.mtu, undefined);
  assertEquals(parseOwnedFields({ oper_status: "up" }, 7), undefined);
  assertEquals(parseOwnedFields({ ...full, state: "" }, 7), undefined);
  assertEquals(parseOwnedFields({ ...full, admin_status: "UP" }, 7), undefined);
  assertEquals(parseOwnedFields({ ...full, mtu: "9k" }, 7), undefined);
});
