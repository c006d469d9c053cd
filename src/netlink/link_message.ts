/**
 * Decoding of `RTM_NEWLINK` and `RTM_DELLINK` message bodies.
 *
 * ```text
 * offset 0   struct nlmsghdr (16 bytes, see header.ts)
 *       16   struct ifinfomsg (16 bytes, see interface_info.ts)
 *            +------------+---------+------------+
 *            | ifi_family | pad     | ifi_type   |  16
 *            +------------+---------+------------+
 *            | ifi_index (s32)                   |  20
 *            | ifi_flags (u32)                   |  24
 *            | ifi_change (u32)                  |  28
 *            +-----------------------------------+
 *       32   attributes up to nlmsg_len: IFLA_IFNAME, IFLA_MTU, IFLA_MASTER,
 *            IFLA_OPERSTATE, IFLA_ADDRESS, IFLA_LINKINFO { IFLA_INFO_KIND }, ...
 * ```
 *
 * @module
 */

import { AttributeDecoder } from "./attributes.ts";
import {
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  NLMSG_HDRLEN,
} from "./constants.ts";
import { decodeInterfaceInfo } from "./interface_info.ts";
import type { LinkMessage, NetlinkHeader } from "./types.ts";

/** Kernel names of the top-level link attributes that error messages can name. */
const LINK_ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  [IFLA_ADDRESS]: "IFLA_ADDRESS",
  [IFLA_IFNAME]: "IFLA_IFNAME",
  [IFLA_MTU]: "IFLA_MTU",
  [IFLA_MASTER]: "IFLA_MASTER",
  [IFLA_OPERSTATE]: "IFLA_OPERSTATE",
  [IFLA_LINKINFO]: "IFLA_LINKINFO",
};

/** Kernel names of the attributes nested in `IFLA_LINKINFO`. */
const LINK_INFO_ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  [IFLA_INFO_KIND]: "IFLA_INFO_KIND",
};

/** Attribute types that decodeLinkMessage reads; the others are only listed by type. */
const READ_ATTRIBUTES: ReadonlySet<number> = new Set([
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_MASTER,
  IFLA_OPERSTATE,
  IFLA_ADDRESS,
  IFLA_LINKINFO,
]);
/** Attribute types not read by the message being decoded; see decodeLinkMessage. */
const unknownScratch: number[] = [];

/** Nested IFLA_LINKINFO types that decodeLinkMessage reads. */
const LINK_INFO_READ: ReadonlySet<number> = new Set([IFLA_INFO_KIND]);

/**
 * Decodes the link message whose header was already decoded and checked.
 *
 * @param bytes The datagram.
 * @param offset Byte offset of the message (its `nlmsghdr`) in `bytes`.
 * @param header The message header; `header.length` bounds the body.
 * @returns The link message. Attribute types it does not interpret go to `unknownAttributes`.
 * @throws {NetlinkDecodeError} When the body is shorter than `struct ifinfomsg`, when an
 * attribute does not fit the message or when a known attribute has the wrong size.
 */
export function decodeLinkMessage(
  bytes: Uint8Array,
  offset: number,
  header: NetlinkHeader,
): LinkMessage {
  const end = offset + header.length;
  const info = decodeInterfaceInfo(bytes, offset + NLMSG_HDRLEN, end, header.type);
  const message: LinkMessage = { kind: "link", header, ...info, unknownAttributes: [] };
  const attributes = new AttributeDecoder(bytes, offset + NLMSG_HDRLEN + IFINFOMSG_LEN, end, {
    names: LINK_ATTRIBUTE_NAMES,
    messageType: header.type,
  });
  // About 40 types per message are collected in one reused array and copied once, instead of
  // growing a new array several times per message.
  unknownScratch.length = 0;
  attributes.scan(READ_ATTRIBUTES, (type, attribute) => {
    if (attribute === undefined) {
      unknownScratch.push(type);
      return;
    }
    switch (type) {
      case IFLA_IFNAME:
        message.name = attributes.string(attribute);
        break;
      case IFLA_MTU:
        message.mtu = attributes.uint32(attribute);
        break;
      case IFLA_MASTER:
        message.master = attributes.uint32(attribute);
        break;
      case IFLA_OPERSTATE:
        message.operState = attributes.uint8(attribute);
        break;
      case IFLA_ADDRESS:
        message.address = attributes.bytes(attribute);
        break;
      case IFLA_LINKINFO: {
        // The kernel nests IFLA_LINKINFO without setting NLA_F_NESTED, so the flag is not checked.
        const linkInfo = attributes.nested(attribute, LINK_INFO_ATTRIBUTE_NAMES);
        linkInfo.scan(LINK_INFO_READ, (innerType, inner) => {
          if (innerType === IFLA_INFO_KIND) message.linkKind = linkInfo.string(inner!);
        });
        break;
      }
    }
  });
  message.unknownAttributes = unknownScratch.slice();
  return message;
}
