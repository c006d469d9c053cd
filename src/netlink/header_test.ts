import assert from "node:assert/strict";
import { NetlinkDecodeError } from "./decode_error.ts";
import { decodeHeader, encodeHeader } from "./header.ts";
import { LINK_DUMP_DONE } from "./testdata/link_dump.ts";

Deno.test("decodeHeader rejects bad lengths", () => {
  const declaring = (length: number, size: number) => {
    const bytes = new Uint8Array(size);
    encodeHeader({ length, type: 3, flags: 0, sequence: 0, portId: 0 }, bytes, 0);
    return bytes;
  };
  const cases: Array<{ name: string; bytes: Uint8Array; offset: number; message: string }> = [
    {
      name: "empty",
      bytes: new Uint8Array(0),
      offset: 0,
      message: "Failed to decode nlmsghdr at offset 0: expected 16 bytes, got 0",
    },
    {
      name: "short header",
      bytes: new Uint8Array(24),
      offset: 12,
      message: "Failed to decode nlmsghdr at offset 12: expected 16 bytes, got 12",
    },
    {
      name: "length below header",
      bytes: declaring(8, 16),
      offset: 0,
      message: "Failed to decode nlmsg_len in message type 3 at offset 0: expected 16 bytes, got 8",
    },
    {
      name: "length past end",
      bytes: declaring(40, 20),
      offset: 0,
      message: "Failed to decode nlmsghdr in message type 3 at offset 0: expected 40 bytes, got 20",
    },
  ];
  for (const { name, bytes, offset, message } of cases) {
    assert.throws(() => decodeHeader(bytes, offset), (error: unknown) => {
      assert.ok(error instanceof NetlinkDecodeError, name);
      assert.equal(error.message, message, name);
      return true;
    });
  }
});

Deno.test("decodeHeader reads captured NLMSG_DONE", () => {
  assert.deepEqual(decodeHeader(LINK_DUMP_DONE, 0), {
    length: 20,
    type: 3,
    flags: 0x2,
    sequence: 1,
    portId: 3_992_363_749,
  });
});

Deno.test("encodeHeader round trips at offset", () => {
  const header = { length: 20, type: 0x1234, flags: 0xfedc, sequence: 0xffff_ffff, portId: 7 };
  const bytes = new Uint8Array(28);
  encodeHeader(header, bytes, 4);
  assert.deepEqual(decodeHeader(bytes.subarray(0, 24), 4), header);
  assert.deepEqual(bytes.subarray(0, 4), new Uint8Array(4));
});
