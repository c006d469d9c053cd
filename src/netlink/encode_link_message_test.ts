import assert from "node:assert/strict";
import { AF_BRIDGE, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, NLM_F_MULTI } from "./constants.ts";
import { decodeMessages } from "./decode_messages.ts";
import { encodeLinkMessage, type LinkMessageInput } from "./encode_link_message.ts";

const BASE: LinkMessageInput = {
  type: 16,
  headerFlags: 0,
  sequence: 0,
  portId: 0,
  family: 0,
  deviceType: 1,
  index: 7,
  flags: 0,
  change: 0,
};

function roundTrip(input: LinkMessageInput) {
  const bytes = encodeLinkMessage(input);
  assert.equal(bytes.length % 4, 0);
  const { messages, errors } = decodeMessages(bytes);
  assert.deepEqual(errors, []);
  assert.equal(messages.length, 1);
  const message = messages[0];
  assert.ok(message?.kind === "link");
  assert.equal(message.header.length, bytes.length);
  return message;
}

Deno.test("encodeLinkMessage round trips team NEWLINK", () => {
  const input: LinkMessageInput = {
    ...BASE,
    headerFlags: NLM_F_MULTI,
    sequence: 0xffff_ffff,
    portId: 4242,
    index: 12,
    flags: IFF_UP | IFF_RUNNING | IFF_LOWER_UP,
    change: 0xffff_ffff,
    name: "PortChannel0001",
    mtu: 9100,
    master: 0,
    operState: 6,
    address: Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56),
    linkKind: "team",
  };
  const message = roundTrip(input);
  assert.deepEqual(message, {
    kind: "link",
    header: {
      length: message.header.length,
      type: 16,
      flags: NLM_F_MULTI,
      sequence: 0xffff_ffff,
      portId: 4242,
    },
    family: 0,
    deviceType: 1,
    index: 12,
    flags: IFF_UP | IFF_RUNNING | IFF_LOWER_UP,
    change: 0xffff_ffff,
    name: "PortChannel0001",
    mtu: 9100,
    master: 0,
    operState: 6,
    address: input.address,
    linkKind: "team",
    unknownAttributes: [],
  });
});

Deno.test("encodeLinkMessage round trips bond slave", () => {
  const message = roundTrip({ ...BASE, name: "Ethernet8", master: 12, linkKind: "bond" });
  assert.deepEqual([message.name, message.master, message.linkKind], ["Ethernet8", 12, "bond"]);
  assert.equal(message.mtu, undefined);
});

Deno.test("encodeLinkMessage round trips AF_BRIDGE DELLINK", () => {
  const message = roundTrip({ ...BASE, type: 17, family: AF_BRIDGE, name: "Ethernet0", master: 4 });
  assert.deepEqual(
    [message.header.type, message.family, message.name, message.master],
    [17, AF_BRIDGE, "Ethernet0", 4],
  );
});

Deno.test("encodeLinkMessage round trips bare and edge values", () => {
  const bare = roundTrip(BASE);
  assert.equal(bare.header.length, 32);
  assert.deepEqual(Object.keys(bare).sort(), [
    "change",
    "deviceType",
    "family",
    "flags",
    "header",
    "index",
    "kind",
    "unknownAttributes",
  ]);
  const edge = roundTrip({ ...BASE, name: "", address: new Uint8Array(0), linkKind: "" });
  assert.deepEqual([edge.name, edge.address, edge.linkKind], ["", new Uint8Array(0), ""]);
  assert.equal(roundTrip({ ...BASE, name: "\u00e9th0" }).name, "\u00e9th0");
});

Deno.test("encodeLinkMessage rejects bad input", () => {
  const cases: Array<[LinkMessageInput, string]> = [
    [
      { ...BASE, type: 18 },
      "Cannot encode link message: type must be RTM_NEWLINK (16) or RTM_DELLINK (17), got 18",
    ],
    [
      { ...BASE, mtu: -1 },
      "Cannot encode link message: mtu must be an integer from 0 to 4294967295, got -1",
    ],
    [
      { ...BASE, family: 256 },
      "Cannot encode link message: family must be an integer from 0 to 255, got 256",
    ],
    [
      { ...BASE, name: "x".repeat(70_000) },
      "Cannot encode link message: attribute type 3 has 70001 payload bytes, more than the 65531 that nla_len allows",
    ],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => encodeLinkMessage(input), (error: unknown) => {
      assert.ok(error instanceof RangeError, message);
      assert.equal(error.message, message);
      return true;
    });
  }
});
