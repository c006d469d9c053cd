import assert from "node:assert/strict";
import { formatDecodeError, NetlinkDecodeError } from "./decode_error.ts";

Deno.test("formatDecodeError without message type", () => {
  assert.equal(
    formatDecodeError({ object: "IFLA_MTU", offset: 36, expected: 4, available: 2 }),
    "Failed to decode IFLA_MTU at offset 36: expected 4 bytes, got 2",
  );
});

Deno.test("formatDecodeError with message type", () => {
  assert.equal(
    formatDecodeError({
      object: "ifinfomsg",
      offset: 16,
      expected: 16,
      available: 4,
      messageType: 16,
    }),
    "Failed to decode ifinfomsg in message type 16 at offset 16: expected 16 bytes, got 4",
  );
});

Deno.test("NetlinkDecodeError keeps its fields", () => {
  const error = new NetlinkDecodeError({
    object: "nlmsghdr",
    offset: 8,
    expected: 16,
    available: 3,
  });
  assert.ok(error instanceof Error);
  assert.equal(error.name, "NetlinkDecodeError");
  assert.equal(error.object, "nlmsghdr");
  assert.equal(error.offset, 8);
  assert.equal(error.expected, 16);
  assert.equal(error.available, 3);
  assert.equal(error.messageType, undefined);
  assert.equal(error.message, "Failed to decode nlmsghdr at offset 8: expected 16 bytes, got 3");
});
