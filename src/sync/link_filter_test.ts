import { assertEquals } from "../../tests/assert.ts";
import type { LinkEvent } from "./link_event.ts";
import { isPortName, LinkFilter } from "./link_filter.ts";

function event(fields: Partial<LinkEvent> & Pick<LinkEvent, "name" | "ifindex">): LinkEvent {
  return {
    op: "new",
    family: 0,
    admin: false,
    oper: false,
    mtu: 9100,
    master: 0,
    kind: undefined,
    fromDump: false,
    ...fields,
  };
}

const STATUS_DN = { admin: false, oper: false, mtu: 9100 };

Deno.test("isPortName checks case-sensitive prefixes", () => {
  assertEquals(
    ["Ethernet0", "Ethernet-Rec0", "Ethernet0.10", "PortChannel1", "ethernet0", "eth0", "Eth"]
      .map(isPortName),
    [true, true, true, true, false, false, false],
  );
});

Deno.test("LinkFilter sets and deletes ports", () => {
  const filter = new LinkFilter();
  assertEquals(filter.decide(event({ name: "Ethernet0", ifindex: 30 })), [
    { action: "set", name: "Ethernet0", status: { ifindex: 30, ...STATUS_DN } },
  ]);
  assertEquals(filter.decide(event({ name: "Ethernet0", ifindex: 30, op: "del" })), [
    { action: "delete", name: "Ethernet0", reason: "dellink" },
  ]);
  assertEquals(filter.nameOf(30), undefined);
});

Deno.test("LinkFilter ignores other names and team", () => {
  const filter = new LinkFilter();
  assertEquals(filter.decide(event({ name: "eth0", ifindex: 2 })), [
    { action: "ignore", name: "eth0", reason: "not-a-port-name" },
  ]);
  assertEquals(filter.decide(event({ name: "PortChannel1", ifindex: 60, kind: "team" })), [
    { action: "ignore", name: "PortChannel1", reason: "team-netdev" },
  ]);
  assertEquals(
    filter.decide(event({ name: "PortChannel1", ifindex: 60, op: "del", kind: "team" })),
    [
      { action: "ignore", name: "PortChannel1", reason: "team-netdev" },
    ],
  );
  // Only `team` is teamsyncd's: a bond or VLAN netdev with a port name is handled.
  assertEquals(
    filter.decide(event({ name: "PortChannel2", ifindex: 61, kind: "bond" }))[0]?.action,
    "set",
  );
  assertEquals(
    filter.decide(event({ name: "Ethernet0.10", ifindex: 62, kind: "vlan", op: "del" })),
    [
      { action: "delete", name: "Ethernet0.10", reason: "dellink" },
    ],
  );
});

Deno.test("LinkFilter ignores bridge and LAG removal", () => {
  const filter = new LinkFilter();
  assertEquals(filter.decide(event({ name: "Ethernet4", ifindex: 31, op: "del", master: 5 })), [
    { action: "ignore", name: "Ethernet4", reason: "bridge-or-lag-removal" },
  ]);
  assertEquals(filter.decide(event({ name: "Ethernet4", ifindex: 31, op: "del", family: 7 })), [
    { action: "ignore", name: "Ethernet4", reason: "bridge-or-lag-removal" },
  ]);
  // A NEWLINK with a master (LAG member) is still a port update.
  assertEquals(
    filter.decide(event({ name: "Ethernet0", ifindex: 30, master: 60, oper: true, admin: true })),
    [
      {
        action: "set",
        name: "Ethernet0",
        status: { ifindex: 30, admin: true, oper: true, mtu: 9100 },
      },
    ],
  );
});

Deno.test("LinkFilter ignores old ifindexes until DELLINK", () => {
  const filter = new LinkFilter([10, 11]);
  assertEquals(filter.oldCount, 2);
  assertEquals(filter.decide(event({ name: "Ethernet0", ifindex: 10, master: 5 })), [
    { action: "ignore", name: "Ethernet0", reason: "old-netdev" },
  ]);
  // Renamed while old: still ignored, the name does not matter.
  assertEquals(filter.decide(event({ name: "Ethernet9", ifindex: 10 })), [
    { action: "ignore", name: "Ethernet9", reason: "old-netdev" },
  ]);
  // A bridge-port DELLINK comes first and does not free the ifindex.
  assertEquals(
    filter.decide(event({ name: "Ethernet0", ifindex: 10, op: "del", family: 7, master: 5 }))[0]
      ?.action,
    "ignore",
  );
  assertEquals(filter.isOld(10), true);
  assertEquals(filter.decide(event({ name: "Ethernet0", ifindex: 10, op: "del" })), [
    { action: "ignore", name: "Ethernet0", reason: "old-netdev" },
  ]);
  assertEquals(filter.isOld(10), false);
  assertEquals(filter.oldCount, 1);
  // B22 variant: the kernel reuses the freed ifindex for a new netdev.
  assertEquals(filter.decide(event({ name: "Ethernet0", ifindex: 10 })), [
    { action: "set", name: "Ethernet0", status: { ifindex: 10, ...STATUS_DN } },
  ]);
  assertEquals(filter.decide(event({ name: "Ethernet4", ifindex: 11 }))[0]?.action, "ignore");
});

Deno.test("LinkFilter deletes old name on rename", () => {
  const filter = new LinkFilter();
  filter.decide(event({ name: "Ethernet8", ifindex: 44 }));
  assertEquals(filter.decide(event({ name: "Ethernet8tmp", ifindex: 44 })), [
    { action: "delete", name: "Ethernet8", reason: "renamed" },
    { action: "set", name: "Ethernet8tmp", status: { ifindex: 44, ...STATUS_DN } },
  ]);
  assertEquals(filter.decide(event({ name: "Ethernet8", ifindex: 44 })), [
    { action: "delete", name: "Ethernet8tmp", reason: "renamed" },
    { action: "set", name: "Ethernet8", status: { ifindex: 44, ...STATUS_DN } },
  ]);
  // Renamed to a name outside the prefixes: the port's entry goes, nothing else happens.
  assertEquals(filter.decide(event({ name: "tmp0", ifindex: 44 })), [
    { action: "delete", name: "Ethernet8", reason: "renamed" },
    { action: "ignore", name: "tmp0", reason: "not-a-port-name" },
  ]);
  // From a name outside the prefixes there is nothing to delete.
  assertEquals(filter.decide(event({ name: "Ethernet8", ifindex: 44 })), [
    { action: "set", name: "Ethernet8", status: { ifindex: 44, ...STATUS_DN } },
  ]);
  assertEquals(filter.nameOf(44), "Ethernet8");
});
