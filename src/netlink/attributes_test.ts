import assert from "node:assert/strict";
import { AttributeDecoder, type NetlinkAttribute } from "./attributes.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER } from "./constants.ts";
import { NetlinkDecodeError } from "./decode_error.ts";

/** Builds attribute bytes from [nla_len, nla_type, ...payload and padding bytes] rows. */
function attributes(...rows: number[][]): Uint8Array {
  const bytes: number[] = [];
  for (const [length = 0, type = 0, ...rest] of rows) {
    bytes.push(length & 0xff, length >> 8, type & 0xff, type >> 8, ...rest);
  }
  return Uint8Array.from(bytes);
}

function collect(decoder: AttributeDecoder): NetlinkAttribute[] {
  return [...decoder];
}

function assertDecodeError(run: () => unknown, message: string, label = message): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof NetlinkDecodeError, label);
    assert.equal(error.message, message, label);
    return true;
  });
}

Deno.test("AttributeDecoder rejects malformed attributes", () => {
  const names = { 4: "IFLA_MTU" };
  const cases: Array<{ name: string; bytes: Uint8Array; message: string }> = [
    {
      name: "short attribute header",
      bytes: Uint8Array.of(8, 0, 4),
      message: "Failed to decode nlattr at offset 0: expected 4 bytes, got 3",
    },
    {
      name: "nla_len below header",
      bytes: attributes([2, 4]),
      message: "Failed to decode IFLA_MTU nla_len at offset 0: expected 4 bytes, got 2",
    },
    {
      name: "attribute past end",
      bytes: attributes([5, 16, 2, 0, 0, 0], [12, 4, 0, 0, 0, 0]),
      message: "Failed to decode IFLA_MTU at offset 8: expected 12 bytes, got 8",
    },
    {
      name: "unnamed attribute past end",
      bytes: attributes([9, 99, 1]),
      message: "Failed to decode attribute type 99 at offset 0: expected 9 bytes, got 5",
    },
  ];
  for (const { name, bytes, message } of cases) {
    assertDecodeError(
      () => collect(new AttributeDecoder(bytes, 0, bytes.length, { names })),
      message,
      name,
    );
  }
});

Deno.test("AttributeDecoder stops at first bad attribute", () => {
  const bytes = attributes([8, 4, 0x8c, 0x23, 0, 0], [3, 5], [8, 10, 4, 0, 0, 0]);
  const seen: number[] = [];
  assert.throws(() => {
    for (const attribute of new AttributeDecoder(bytes, 0, bytes.length)) seen.push(attribute.type);
  }, NetlinkDecodeError);
  assert.deepEqual(seen, [4]);
});

Deno.test("AttributeDecoder advances past empty attribute", () => {
  const bytes = attributes([4, 7], [4, 8], [8, 4, 0x8c, 0x23, 0, 0]);
  const decoder = new AttributeDecoder(bytes, 0, bytes.length);
  const found = collect(decoder);
  assert.deepEqual(found.map((attribute) => attribute.type), [7, 8, 4]);
  assert.equal(found[0]?.payload.length, 0);
  assert.equal(found[2] && decoder.uint32(found[2]), 9100);
});

Deno.test("AttributeDecoder splits type flags", () => {
  const bytes = attributes([8, 18 | NLA_F_NESTED, 4, 0, 1, 0], [
    8,
    4 | NLA_F_NET_BYTEORDER,
    0,
    0,
    0x23,
    0x8c,
  ]);
  const [linkInfo, mtu] = collect(new AttributeDecoder(bytes, 0, bytes.length));
  assert.deepEqual(
    [linkInfo?.type, linkInfo?.nested, linkInfo?.netByteOrder],
    [18, true, false],
  );
  assert.deepEqual([mtu?.type, mtu?.nested, mtu?.netByteOrder], [4, false, true]);
});

Deno.test("uint32 honours NLA_F_NET_BYTEORDER", () => {
  const bytes = attributes(
    [8, 4, 0x8c, 0x23, 0, 0],
    [8, 4 | NLA_F_NET_BYTEORDER, 0, 0, 0x23, 0x8c],
    [6, 5 | NLA_F_NET_BYTEORDER, 0x12, 0x34, 0, 0],
  );
  const decoder = new AttributeDecoder(bytes, 0, bytes.length);
  const [host, network, port] = collect(decoder);
  assert.ok(host);
  assert.ok(network);
  assert.ok(port);
  assert.equal(decoder.uint32(host), 9100);
  assert.equal(decoder.uint32(network), 9100);
  assert.equal(decoder.uint16(port), 0x1234);
});

Deno.test("typed getters check exact size", () => {
  const bytes = attributes([6, 4, 0x8c, 0x23, 0, 0], [6, 16, 2, 0, 0, 0]);
  // Eight leading bytes check that errors report offsets in the datagram.
  const shifted = new Uint8Array(8 + bytes.length);
  shifted.set(bytes, 8);
  const atOffset = new AttributeDecoder(shifted, 8, shifted.length, {
    names: { 4: "IFLA_MTU", 16: "IFLA_OPERSTATE" },
    messageType: 16,
  });
  const [mtu, operState] = collect(atOffset);
  assert.ok(mtu);
  assert.ok(operState);
  assertDecodeError(
    () => atOffset.uint32(mtu),
    "Failed to decode IFLA_MTU in message type 16 at offset 12: expected 4 bytes, got 2",
  );
  assertDecodeError(
    () => atOffset.uint8(operState),
    "Failed to decode IFLA_OPERSTATE in message type 16 at offset 20: expected 1 bytes, got 2",
  );
});

Deno.test("string trims NUL and decodes UTF-8", () => {
  const name = [...new TextEncoder().encode("Ethernet\u00e9")];
  const bytes = attributes([4 + name.length + 1, 3, ...name, 0, 0], [7, 3, 0x61, 0x62, 0x63, 0]);
  const decoder = new AttributeDecoder(bytes, 0, bytes.length);
  const [first, second] = collect(decoder);
  assert.ok(first);
  assert.ok(second);
  assert.equal(decoder.string(first), "Ethernet\u00e9");
  assert.equal(decoder.string(second), "abc");
});

Deno.test("nested decoder stays inside parent", () => {
  // IFLA_LINKINFO whose inner attribute claims more bytes than the parent holds.
  const bytes = attributes([12, 18, 12, 0, 1, 0, 0x74, 0x65, 0x61, 0x6d], [8, 4, 0, 0, 0, 0]);
  const decoder = new AttributeDecoder(bytes, 0, bytes.length);
  const [linkInfo] = collect(decoder);
  assert.ok(linkInfo);
  assertDecodeError(
    () => collect(decoder.nested(linkInfo, { 1: "IFLA_INFO_KIND" })),
    "Failed to decode IFLA_INFO_KIND at offset 4: expected 12 bytes, got 8",
  );
});

Deno.test("AttributeDecoder scan builds wanted types", () => {
  const bytes = attributes([8, 4, 0xdc, 0x05, 0, 0], [5, 16, 6, 0, 0, 0], [8, 10, 7, 0, 0, 0]);
  const decoder = new AttributeDecoder(bytes, 0, bytes.length);
  const visited: Array<[number, number | undefined]> = [];
  decoder.scan(new Set([4, 10]), (type, attribute) => {
    visited.push([type, attribute && decoder.uint32(attribute)]);
  });
  assert.deepEqual(visited, [[4, 1500], [16, undefined], [10, 7]]);
  assert.deepEqual(collect(decoder).map((attribute) => attribute.type), [4, 16, 10]);
});

Deno.test("AttributeDecoder scan rejects bad lengths", () => {
  const bytes = attributes([8, 4, 1, 0, 0, 0], [12, 5, 0, 0]);
  const seen: number[] = [];
  assertDecodeError(
    () => new AttributeDecoder(bytes, 0, bytes.length).scan(new Set(), (type) => seen.push(type)),
    "Failed to decode attribute type 5 at offset 8: expected 12 bytes, got 6",
  );
  assert.deepEqual(seen, [4]);
});
