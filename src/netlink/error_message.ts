/**
 * Decoding of `NLMSG_ERROR` bodies (`struct nlmsgerr` in linux/netlink.h).
 *
 * ```text
 * offset 0   struct nlmsghdr (16 bytes)
 *       16   error (s32): 0 for an acknowledgement, else a negative errno
 *       20   struct nlmsghdr of the request (16 bytes), then the request body unless
 *            NLM_F_CAPPED is set, then extended-ack attributes (not decoded here)
 * ```
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN } from "./byte_order.ts";
import { NLMSG_HDRLEN } from "./constants.ts";
import { NetlinkDecodeError } from "./decode_error.ts";
import { readHeaderFields } from "./header.ts";
import type { ErrorMessage, NetlinkHeader } from "./types.ts";

/** Size of the `error` field of `struct nlmsgerr` in bytes. */
export const NLMSGERR_ERROR_LEN = 4;

/**
 * Decodes the error message whose header was already decoded and checked.
 *
 * @param bytes The datagram.
 * @param offset Byte offset of the message (its `nlmsghdr`) in `bytes`.
 * @param header The message header; `header.length` bounds the body.
 * @returns The errno as a positive number (0 for an acknowledgement) and the echoed request
 * header when at least 16 bytes follow the errno.
 * @throws {NetlinkDecodeError} When the body is shorter than the 4-byte errno.
 */
export function decodeErrorMessage(
  bytes: Uint8Array,
  offset: number,
  header: NetlinkHeader,
): ErrorMessage {
  const bodyOffset = offset + NLMSG_HDRLEN;
  const bodyLength = header.length - NLMSG_HDRLEN;
  if (bodyLength < NLMSGERR_ERROR_LEN) {
    throw new NetlinkDecodeError({
      object: "nlmsgerr",
      offset: bodyOffset,
      expected: NLMSGERR_ERROR_LEN,
      available: bodyLength,
      messageType: header.type,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + bodyOffset, NLMSGERR_ERROR_LEN);
  const error = view.getInt32(0, HOST_LITTLE_ENDIAN);
  // `0 - error` rather than `-error`, so an acknowledgement gives +0 and not -0.
  const message: ErrorMessage = { kind: "error", header, errno: 0 - error };
  if (bodyLength - NLMSGERR_ERROR_LEN >= NLMSG_HDRLEN) {
    // The echoed nlmsg_len is the request's original length, which may exceed what the kernel
    // copied back, so it is reported as sent and not checked against this datagram.
    message.request = readHeaderFields(bytes, bodyOffset + NLMSGERR_ERROR_LEN);
  }
  return message;
}
