import assert from "node:assert/strict";
import { NetlinkDecodeError } from "./decode_error.ts";
import { decodeMessages } from "./decode_messages.ts";
import { encodeLinkMessage, type LinkMessageInput } from "./encode_link_message.ts";
import { encodeHeader } from "./header.ts";
import { BRIDGE_PORT_DELLINK } from "./testdata/bridge_port_dellink.ts";
import { ACK_SET_LINK_DOWN, ENODEV_SET_LINK_DOWN } from "./testdata/error_replies.ts";
import {
  LINK_DUMP_DONE,
  LINK_DUMP_PART_1,
  LINK_DUMP_PART_2,
  LINK_DUMP_WITH_DONE,
} from "./testdata/link_dump.ts";
import { VETH_DELLINK } from "./testdata/veth_dellink.ts";
import { VETH_MASTER_NEWLINK } from "./testdata/veth_master_newlink.ts";
import type { NetlinkMessage } from "./types.ts";

const FIXTURES: Record<string, Uint8Array> = {
  BRIDGE_PORT_DELLINK,
  ACK_SET_LINK_DOWN,
  ENODEV_SET_LINK_DOWN,
  LINK_DUMP_PART_1,
  LINK_DUMP_PART_2,
  LINK_DUMP_DONE,
  LINK_DUMP_WITH_DONE,
  VETH_DELLINK,
  VETH_MASTER_NEWLINK,
};

const ETHERNET0: LinkMessageInput = {
  type: 16,
  headerFlags: 0,
  sequence: 0,
  portId: 0,
  family: 0,
  deviceType: 1,
  index: 3,
  flags: 0x1002,
  change: 0,
  name: "Ethernet0",
  mtu: 9100,
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** Builds a valid header that declares `length` bytes, followed by `size - 16` zero bytes. */
function headerDeclaring(length: number, size: number, type = 3): Uint8Array {
  const bytes = new Uint8Array(size);
  encodeHeader({ length, type, flags: 0, sequence: 0, portId: 0 }, bytes, 0);
  return bytes;
}

/** ETHERNET0 whose IFLA_MTU (the second attribute, at byte 48) has its nla_len set to `length`. */
function withMtuLength(length: number): Uint8Array {
  const bytes = encodeLinkMessage(ETHERNET0);
  new DataView(bytes.buffer).setUint16(48, length, true);
  return bytes;
}

function linkNames(messages: NetlinkMessage[]): Array<string | undefined> {
  return messages.map((message) => message.kind === "link" ? message.name : message.kind);
}

Deno.test("decodeMessages reports malformed datagrams", () => {
  const cases: Array<{ name: string; datagram: Uint8Array; kinds: string[]; errors: string[] }> = [
    {
      name: "empty",
      datagram: new Uint8Array(0),
      kinds: [],
      errors: ["Failed to decode nlmsghdr at offset 0: expected 16 bytes, got 0"],
    },
    {
      name: "short header",
      datagram: LINK_DUMP_DONE.slice(0, 10),
      kinds: [],
      errors: ["Failed to decode nlmsghdr at offset 0: expected 16 bytes, got 10"],
    },
    {
      name: "length below header",
      datagram: headerDeclaring(12, 16),
      kinds: [],
      errors: [
        "Failed to decode nlmsg_len in message type 3 at offset 0: expected 16 bytes, got 12",
      ],
    },
    {
      name: "length past end",
      datagram: headerDeclaring(64, 20),
      kinds: [],
      errors: [
        "Failed to decode nlmsghdr in message type 3 at offset 0: expected 64 bytes, got 20",
      ],
    },
    {
      name: "attribute past end",
      datagram: concat(withMtuLength(40), LINK_DUMP_DONE),
      kinds: ["done"],
      errors: [
        "Failed to decode IFLA_MTU in message type 16 at offset 48: expected 40 bytes, got 8",
      ],
    },
    {
      name: "IFLA_MTU wrong size",
      datagram: concat(withMtuLength(6), BRIDGE_PORT_DELLINK),
      kinds: ["link"],
      errors: [
        "Failed to decode IFLA_MTU in message type 16 at offset 52: expected 4 bytes, got 2",
      ],
    },
    {
      name: "bad second header",
      datagram: concat(ACK_SET_LINK_DOWN, headerDeclaring(4096, 24)),
      kinds: ["error"],
      errors: [
        "Failed to decode nlmsghdr in message type 3 at offset 36: expected 4096 bytes, got 24",
      ],
    },
    {
      name: "bad body then bad header",
      datagram: concat(withMtuLength(6), LINK_DUMP_DONE.slice(0, 12)),
      kinds: [],
      errors: [
        "Failed to decode IFLA_MTU in message type 16 at offset 52: expected 4 bytes, got 2",
        "Failed to decode nlmsghdr at offset 56: expected 16 bytes, got 12",
      ],
    },
  ];
  for (const { name, datagram, kinds, errors } of cases) {
    const result = decodeMessages(datagram);
    assert.deepEqual(result.messages.map((message) => message.kind), kinds, name);
    assert.deepEqual(result.errors.map((error) => error.message), errors, name);
    for (const error of result.errors) assert.ok(error instanceof NetlinkDecodeError, name);
  }
});

Deno.test("decodeMessages reads OK link dump", () => {
  const first = decodeMessages(LINK_DUMP_PART_1);
  const second = decodeMessages(LINK_DUMP_PART_2);
  const done = decodeMessages(LINK_DUMP_DONE);
  assert.deepEqual([first.errors, second.errors, done.errors], [[], [], []]);
  assert.deepEqual(linkNames(first.messages), ["lo", "p0"]);
  assert.deepEqual(linkNames(second.messages), ["Ethernet0", "Bridge"]);
  assert.deepEqual(linkNames(done.messages), ["done"]);
  for (const message of [...first.messages, ...second.messages, ...done.messages]) {
    assert.equal(message.header.sequence, 1);
    assert.equal(message.header.flags & 0x2, 0x2, "NLM_F_MULTI");
  }
  const bridge = second.messages[1];
  assert.ok(bridge?.kind === "link");
  assert.deepEqual([bridge.index, bridge.mtu, bridge.linkKind], [4, 9100, "bridge"]);
});

Deno.test("decodeMessages reads OK datagram ending in DONE", () => {
  const { messages, errors } = decodeMessages(LINK_DUMP_WITH_DONE);
  assert.deepEqual(errors, []);
  assert.deepEqual(linkNames(messages), ["Ethernet0", "Bridge", "done"]);
  assert.deepEqual(messages[2], {
    kind: "done",
    header: { length: 20, type: 3, flags: 2, sequence: 1, portId: 3_992_363_749 },
  });
});

Deno.test("decodeMessages reads OK events and replies", () => {
  const kinds = (bytes: Uint8Array) => {
    const { messages, errors } = decodeMessages(bytes);
    assert.deepEqual(errors, []);
    return messages.map((message) => message.kind);
  };
  assert.deepEqual(kinds(BRIDGE_PORT_DELLINK), ["link"]);
  assert.deepEqual(kinds(VETH_DELLINK), ["link"]);
  assert.deepEqual(kinds(VETH_MASTER_NEWLINK), ["link"]);
  assert.deepEqual(kinds(concat(ACK_SET_LINK_DOWN, ENODEV_SET_LINK_DOWN)), ["error", "error"]);
  assert.deepEqual(kinds(headerDeclaring(16, 16, 1)), ["other"]);
  assert.deepEqual(kinds(headerDeclaring(20, 20, 24)), ["other"]);
});

Deno.test("decodeMessages handles unpadded last message", () => {
  // IFLA_OPERSTATE last, with nla_len 5 and the 3 padding bytes left out of the datagram.
  const bytes = encodeLinkMessage({ ...ETHERNET0, name: undefined, mtu: undefined, operState: 6 });
  const unpadded = bytes.slice(0, bytes.length - 3);
  new DataView(unpadded.buffer).setUint32(0, unpadded.length, true);
  const { messages, errors } = decodeMessages(unpadded);
  assert.deepEqual(errors, []);
  assert.equal(messages[0]?.kind === "link" && messages[0].operState, 6);
});

Deno.test("decodeMessages truncated prefixes raise decode errors", () => {
  for (const [name, fixture] of Object.entries(FIXTURES)) {
    const full = decodeMessages(fixture);
    assert.deepEqual(full.errors, [], name);
    const ends: number[] = [];
    let end = 0;
    for (const message of full.messages) {
      end += message.header.length;
      ends.push(end);
      end += (4 - end % 4) % 4;
    }
    for (let length = 0; length < fixture.length; length++) {
      const { messages, errors } = decodeMessages(fixture.subarray(0, length));
      const complete = ends.filter((messageEnd) => messageEnd <= length).length;
      const atBoundary = length > 0 && ends.includes(length);
      const label = `${name} cut at ${length}`;
      assert.equal(messages.length, complete, label);
      assert.equal(errors.length, atBoundary ? 0 : 1, label);
      for (const error of errors) assert.ok(error instanceof NetlinkDecodeError, label);
    }
  }
});
