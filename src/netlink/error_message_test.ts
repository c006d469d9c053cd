import assert from "node:assert/strict";
import { NetlinkDecodeError } from "./decode_error.ts";
import { decodeErrorMessage } from "./error_message.ts";
import { decodeHeader, encodeHeader } from "./header.ts";
import { ACK_SET_LINK_DOWN, ENODEV_SET_LINK_DOWN } from "./testdata/error_replies.ts";

const ENODEV = 19;
const PORT_ID = 3_992_363_749;

function decode(bytes: Uint8Array) {
  return decodeErrorMessage(bytes, 0, decodeHeader(bytes, 0));
}

Deno.test("decodeErrorMessage reads captured ack", () => {
  const message = decode(ACK_SET_LINK_DOWN);
  assert.deepEqual(message, {
    kind: "error",
    header: { length: 36, type: 2, flags: 0x100, sequence: 2, portId: PORT_ID },
    errno: 0,
    request: { length: 32, type: 16, flags: 0x5, sequence: 2, portId: 0 },
  });
  assert.ok(Object.is(message.errno, 0), "errno is -0");
});

Deno.test("decodeErrorMessage reads captured ENODEV", () => {
  assert.deepEqual(decode(ENODEV_SET_LINK_DOWN), {
    kind: "error",
    header: { length: 52, type: 2, flags: 0, sequence: 3, portId: PORT_ID },
    errno: ENODEV,
    request: { length: 32, type: 16, flags: 0x5, sequence: 3, portId: 0 },
  });
});

Deno.test("decodeErrorMessage omits short echo", () => {
  const bytes = ACK_SET_LINK_DOWN.slice(0, 35);
  new DataView(bytes.buffer).setUint32(0, 35, true);
  assert.equal(decode(bytes).request, undefined);
});

Deno.test("decodeErrorMessage rejects missing errno", () => {
  const bytes = new Uint8Array(18);
  encodeHeader({ length: 18, type: 2, flags: 0, sequence: 9, portId: 0 }, bytes, 0);
  assert.throws(() => decode(bytes), (error: unknown) => {
    assert.ok(error instanceof NetlinkDecodeError);
    assert.equal(
      error.message,
      "Failed to decode nlmsgerr in message type 2 at offset 16: expected 4 bytes, got 2",
    );
    return true;
  });
});
