import assert from "node:assert/strict";
import { AF_BRIDGE, AF_UNSPEC, IFF_BROADCAST, IFF_MULTICAST } from "./constants.ts";
import { NetlinkDecodeError } from "./decode_error.ts";
import { decodeHeader } from "./header.ts";
import { decodeLinkMessage } from "./link_message.ts";
import { BRIDGE_PORT_DELLINK } from "./testdata/bridge_port_dellink.ts";
import { VETH_DELLINK } from "./testdata/veth_dellink.ts";
import { VETH_MASTER_NEWLINK } from "./testdata/veth_master_newlink.ts";

const ETHERNET0_ADDRESS = Uint8Array.of(0x8a, 0x1d, 0xbd, 0xbe, 0x55, 0x28);
const IF_OPER_DOWN = 2;

function decode(bytes: Uint8Array) {
  return decodeLinkMessage(bytes, 0, decodeHeader(bytes, 0));
}

Deno.test("decodeLinkMessage reads bridge port DELLINK", () => {
  assert.deepEqual(decode(BRIDGE_PORT_DELLINK), {
    kind: "link",
    header: { length: 92, type: 17, flags: 0, sequence: 0, portId: 0 },
    family: AF_BRIDGE,
    deviceType: 1,
    index: 3,
    flags: IFF_BROADCAST | IFF_MULTICAST,
    change: 0,
    name: "Ethernet0",
    master: 4,
    mtu: 9100,
    operState: IF_OPER_DOWN,
    address: ETHERNET0_ADDRESS,
    // IFLA_LINK (5), the ifindex of the veth peer.
    unknownAttributes: [5],
  });
});

Deno.test("decodeLinkMessage reads veth NEWLINK with master", () => {
  const message = decode(VETH_MASTER_NEWLINK);
  assert.deepEqual(message.header, { length: 1856, type: 16, flags: 0, sequence: 0, portId: 0 });
  assert.equal(message.family, AF_UNSPEC);
  assert.equal(message.index, 3);
  assert.equal(message.name, "Ethernet0");
  assert.equal(message.mtu, 9100);
  assert.equal(message.master, 4);
  assert.equal(message.linkKind, "veth");
  assert.equal(message.operState, IF_OPER_DOWN);
  assert.deepEqual(message.address, ETHERNET0_ADDRESS);
  assert.ok(message.unknownAttributes.length > 20, `${message.unknownAttributes}`);
  for (const known of [1, 3, 4, 10, 16, 18]) {
    assert.ok(!message.unknownAttributes.includes(known), `${known} listed as unknown`);
  }
});

Deno.test("decodeLinkMessage reads plain DELLINK", () => {
  const message = decode(VETH_DELLINK);
  assert.equal(message.header.type, 17);
  assert.equal(message.family, AF_UNSPEC);
  assert.equal(message.index, 3);
  assert.equal(message.name, "Ethernet0");
  assert.equal(message.mtu, 9100);
  assert.equal(message.master, undefined);
  assert.equal(message.linkKind, "veth");
});

Deno.test("decodeLinkMessage copies the address", () => {
  const bytes = BRIDGE_PORT_DELLINK.slice();
  const message = decode(bytes);
  bytes.fill(0);
  assert.deepEqual(message.address, ETHERNET0_ADDRESS);
});

Deno.test("decodeLinkMessage rejects short ifinfomsg", () => {
  const bytes = BRIDGE_PORT_DELLINK.slice(0, 24);
  new DataView(bytes.buffer).setUint32(0, 24, true);
  assert.throws(() => decode(bytes), (error: unknown) => {
    assert.ok(error instanceof NetlinkDecodeError);
    assert.equal(
      error.message,
      "Failed to decode ifinfomsg in message type 17 at offset 16: expected 16 bytes, got 8",
    );
    return true;
  });
});
