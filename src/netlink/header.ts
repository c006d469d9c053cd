/**
 * Decoding and encoding of `struct nlmsghdr`, the 16-byte header of every netlink message.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      nlmsg_len (u32)                          |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       nlmsg_type (u16)        |       nlmsg_flags (u16)       |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      nlmsg_seq (u32)                          |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      nlmsg_pid (u32)                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * All fields are in host byte order. `nlmsg_len` counts the header and the body but not the
 * padding that `NLMSG_ALIGN` adds before the next message.
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN } from "./byte_order.ts";
import { NLMSG_HDRLEN } from "./constants.ts";
import { NetlinkDecodeError } from "./decode_error.ts";
import type { NetlinkHeader } from "./types.ts";

/** Offset of `nlmsg_len` in the header. */
export const NLMSG_LEN_OFFSET = 0;
/** Offset of `nlmsg_type` in the header. */
export const NLMSG_TYPE_OFFSET = 4;
/** Offset of `nlmsg_flags` in the header. */
export const NLMSG_FLAGS_OFFSET = 6;
/** Offset of `nlmsg_seq` in the header. */
export const NLMSG_SEQ_OFFSET = 8;
/** Offset of `nlmsg_pid` in the header. */
export const NLMSG_PID_OFFSET = 12;

/**
 * Reads the five header fields at `offset` without checking them. The caller must have made
 * sure that `NLMSG_HDRLEN` bytes are there.
 */
export function readHeaderFields(bytes: Uint8Array, offset: number): NetlinkHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, NLMSG_HDRLEN);
  return {
    length: view.getUint32(NLMSG_LEN_OFFSET, HOST_LITTLE_ENDIAN),
    type: view.getUint16(NLMSG_TYPE_OFFSET, HOST_LITTLE_ENDIAN),
    flags: view.getUint16(NLMSG_FLAGS_OFFSET, HOST_LITTLE_ENDIAN),
    sequence: view.getUint32(NLMSG_SEQ_OFFSET, HOST_LITTLE_ENDIAN),
    portId: view.getUint32(NLMSG_PID_OFFSET, HOST_LITTLE_ENDIAN),
  };
}

/**
 * Decodes the header of the message that starts at `offset` and checks its declared length:
 * `nlmsg_len` must cover at least the header and must end inside `bytes`.
 *
 * @param bytes The datagram.
 * @param offset Byte offset of the message in `bytes`.
 * @returns The header fields.
 * @throws {NetlinkDecodeError} When fewer than 16 bytes remain, when `nlmsg_len` is below 16
 * or when it runs past the end of `bytes`.
 */
export function decodeHeader(bytes: Uint8Array, offset: number): NetlinkHeader {
  const available = bytes.length - offset;
  if (available < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError({ object: "nlmsghdr", offset, expected: NLMSG_HDRLEN, available });
  }
  const header = readHeaderFields(bytes, offset);
  // A length below the header size would make the caller loop forever or read the header twice.
  if (header.length < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError({
      object: "nlmsg_len",
      offset: offset + NLMSG_LEN_OFFSET,
      expected: NLMSG_HDRLEN,
      available: header.length,
      messageType: header.type,
    });
  }
  if (header.length > available) {
    throw new NetlinkDecodeError({
      object: "nlmsghdr",
      offset,
      expected: header.length,
      available,
      messageType: header.type,
    });
  }
  return header;
}

/**
 * Writes `header` into `target` at `offset`, with `header.length` as `nlmsg_len`.
 *
 * @param header Header fields; each must fit its field (u16 or u32).
 * @param target Buffer that has at least 16 bytes from `offset`.
 * @param offset Byte offset in `target`.
 */
export function encodeHeader(header: NetlinkHeader, target: Uint8Array, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, NLMSG_HDRLEN);
  view.setUint32(NLMSG_LEN_OFFSET, header.length, HOST_LITTLE_ENDIAN);
  view.setUint16(NLMSG_TYPE_OFFSET, header.type, HOST_LITTLE_ENDIAN);
  view.setUint16(NLMSG_FLAGS_OFFSET, header.flags, HOST_LITTLE_ENDIAN);
  view.setUint32(NLMSG_SEQ_OFFSET, header.sequence, HOST_LITTLE_ENDIAN);
  view.setUint32(NLMSG_PID_OFFSET, header.portId, HOST_LITTLE_ENDIAN);
}
