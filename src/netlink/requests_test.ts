import assert from "node:assert/strict";
import { decodeHeader } from "./header.ts";
import { decodeInterfaceInfo } from "./interface_info.ts";
import { encodeGetLinkDump, encodeSetLinkDown } from "./requests.ts";
import { ENODEV_SET_LINK_DOWN } from "./testdata/error_replies.ts";

Deno.test("encodeGetLinkDump builds dump request", () => {
  const request = encodeGetLinkDump(0x0102_0304);
  // deno-fmt-ignore
  const expected = Uint8Array.of(
    0x20, 0x00, 0x00, 0x00, // nlmsg_len = 32
    0x12, 0x00, 0x01, 0x03, // RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP
    0x04, 0x03, 0x02, 0x01, // nlmsg_seq
    0x00, 0x00, 0x00, 0x00, // nlmsg_pid
    ...new Uint8Array(16), // ifinfomsg, all zero (AF_UNSPEC)
  );
  assert.deepEqual(request, expected);
});

Deno.test("encodeSetLinkDown matches request the kernel echoed", () => {
  // The capture script sent this request by hand, and the kernel echoed it after errno.
  assert.deepEqual(encodeSetLinkDown(3, 999_999), ENODEV_SET_LINK_DOWN.slice(20, 52));
});

Deno.test("encodeSetLinkDown sets index and change", () => {
  const request = encodeSetLinkDown(7, 42);
  assert.deepEqual(decodeHeader(request, 0), {
    length: 32,
    type: 16,
    flags: 0x5,
    sequence: 7,
    portId: 0,
  });
  assert.deepEqual(decodeInterfaceInfo(request, 16, 32, 16), {
    family: 0,
    deviceType: 0,
    index: 42,
    flags: 0,
    change: 1,
  });
});

Deno.test("request encoders reject bad arguments", () => {
  const cases: Array<[() => unknown, string]> = [
    [
      () => encodeGetLinkDump(-1),
      "Cannot encode RTM_GETLINK dump request: sequence must be an integer from 0 to 4294967295, got -1",
    ],
    [
      () => encodeGetLinkDump(1.5),
      "Cannot encode RTM_GETLINK dump request: sequence must be an integer from 0 to 4294967295, got 1.5",
    ],
    [
      () => encodeSetLinkDown(1, 0),
      "Cannot encode link down request: ifindex must be an integer from 1 to 2147483647, got 0",
    ],
    [
      () => encodeSetLinkDown(2 ** 32, 1),
      "Cannot encode link down request: sequence must be an integer from 0 to 4294967295, got 4294967296",
    ],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof RangeError, message);
      assert.equal(error.message, message);
      return true;
    });
  }
});
