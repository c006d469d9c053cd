/**
 * Decoding and encoding of `struct ifinfomsg` (linux/rtnetlink.h), the fixed 16-byte part of
 * every link message body.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  ifi_family   |  __ifi_pad    |        ifi_type (u16)         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     ifi_index (s32)                           |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     ifi_flags (u32, IFF_*)                    |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     ifi_change (u32)                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * Host byte order. The pad byte is written as zero and ignored on decode.
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN } from "./byte_order.ts";
import { IFINFOMSG_LEN } from "./constants.ts";
import { NetlinkDecodeError } from "./decode_error.ts";

/** Offset of `ifi_family` in `struct ifinfomsg`. */
export const IFI_FAMILY_OFFSET = 0;
/** Offset of `ifi_type` in `struct ifinfomsg`. */
export const IFI_TYPE_OFFSET = 2;
/** Offset of `ifi_index` in `struct ifinfomsg`. */
export const IFI_INDEX_OFFSET = 4;
/** Offset of `ifi_flags` in `struct ifinfomsg`. */
export const IFI_FLAGS_OFFSET = 8;
/** Offset of `ifi_change` in `struct ifinfomsg`. */
export const IFI_CHANGE_OFFSET = 12;

/** The fields of `struct ifinfomsg`, named as in {@linkcode LinkMessage}. */
export interface InterfaceInfo {
  /** `ifi_family`, an `AF_*` value. */
  family: number;
  /** `ifi_type`, an `ARPHRD_*` value. */
  deviceType: number;
  /** `ifi_index`. */
  index: number;
  /** `ifi_flags`, `IFF_*` bits. */
  flags: number;
  /** `ifi_change`, the mask of `IFF_*` bits that a request changes. */
  change: number;
}

/**
 * Decodes the `struct ifinfomsg` at `offset`.
 *
 * @param bytes The datagram.
 * @param offset Byte offset of the struct in `bytes`.
 * @param end Offset just past the enclosing message.
 * @param messageType `nlmsg_type` of the enclosing message, for the error.
 * @throws {NetlinkDecodeError} When fewer than 16 bytes remain before `end`.
 */
export function decodeInterfaceInfo(
  bytes: Uint8Array,
  offset: number,
  end: number,
  messageType: number,
): InterfaceInfo {
  const available = Math.min(end, bytes.length) - offset;
  if (available < IFINFOMSG_LEN) {
    throw new NetlinkDecodeError({
      object: "ifinfomsg",
      offset,
      expected: IFINFOMSG_LEN,
      available: Math.max(available, 0),
      messageType,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, IFINFOMSG_LEN);
  return {
    family: view.getUint8(IFI_FAMILY_OFFSET),
    deviceType: view.getUint16(IFI_TYPE_OFFSET, HOST_LITTLE_ENDIAN),
    index: view.getInt32(IFI_INDEX_OFFSET, HOST_LITTLE_ENDIAN),
    flags: view.getUint32(IFI_FLAGS_OFFSET, HOST_LITTLE_ENDIAN),
    change: view.getUint32(IFI_CHANGE_OFFSET, HOST_LITTLE_ENDIAN),
  };
}

/**
 * Writes `info` as a `struct ifinfomsg` into `target` at `offset`, with a zero pad byte.
 *
 * @param target Buffer that has at least 16 bytes from `offset`.
 */
export function encodeInterfaceInfo(info: InterfaceInfo, target: Uint8Array, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, IFINFOMSG_LEN);
  view.setUint8(IFI_FAMILY_OFFSET, info.family);
  view.setUint8(IFI_FAMILY_OFFSET + 1, 0);
  view.setUint16(IFI_TYPE_OFFSET, info.deviceType, HOST_LITTLE_ENDIAN);
  view.setInt32(IFI_INDEX_OFFSET, info.index, HOST_LITTLE_ENDIAN);
  view.setUint32(IFI_FLAGS_OFFSET, info.flags, HOST_LITTLE_ENDIAN);
  view.setUint32(IFI_CHANGE_OFFSET, info.change, HOST_LITTLE_ENDIAN);
}
