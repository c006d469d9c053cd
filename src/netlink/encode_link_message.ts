/**
 * Encoding of complete `RTM_NEWLINK` and `RTM_DELLINK` messages, used to build test input
 * that this kernel cannot produce (team or bond devices) and to check decoding round trips.
 *
 * @module
 */

import { checkInteger, S32_MAX, U16_MAX, U32_MAX, U8_MAX } from "./_check_integer.ts";
import {
  attributeSpace,
  encodeAttribute,
  stringPayload,
  uint32Payload,
} from "./_encode_attribute.ts";
import {
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  NLA_HDRLEN,
  NLMSG_HDRLEN,
  RTM_DELLINK,
  RTM_NEWLINK,
} from "./constants.ts";
import { encodeHeader } from "./header.ts";
import { encodeInterfaceInfo } from "./interface_info.ts";

/** Fields of a link message to encode. They mirror {@linkcode LinkMessage}. */
export interface LinkMessageInput {
  /** `RTM_NEWLINK` (16) or `RTM_DELLINK` (17). */
  type: number;
  /** `nlmsg_flags`, such as `NLM_F_MULTI` for a dump entry or 0 for an event. */
  headerFlags: number;
  /** `nlmsg_seq`, a u32. */
  sequence: number;
  /** `nlmsg_pid`, a u32; 0 for messages from the kernel. */
  portId: number;
  /** `ifi_family`, a u8: `AF_UNSPEC` (0) or `AF_BRIDGE` (7). */
  family: number;
  /** `ifi_type`, a u16 `ARPHRD_*` value. */
  deviceType: number;
  /** `ifi_index`, from 0 to 2^31 - 1. */
  index: number;
  /** `ifi_flags`, u32 `IFF_*` bits. */
  flags: number;
  /** `ifi_change`, a u32 mask. */
  change: number;
  /** `IFLA_IFNAME`; written as UTF-8 with a trailing NUL. */
  name?: string;
  /** `IFLA_MTU` in bytes, a u32. */
  mtu?: number;
  /** `IFLA_MASTER`, a u32 ifindex. */
  master?: number;
  /** `IFLA_OPERSTATE`, a u8 `IF_OPER_*` value. */
  operState?: number;
  /** `IFLA_ADDRESS`, the link-layer address. */
  address?: Uint8Array;
  /** `IFLA_INFO_KIND`, written nested in `IFLA_LINKINFO` with a trailing NUL. */
  linkKind?: string;
}

const ACTION = "encode link message";

/**
 * Encodes a link message with the attributes that are set in `input`, in the order
 * `IFLA_IFNAME`, `IFLA_MTU`, `IFLA_MASTER`, `IFLA_OPERSTATE`, `IFLA_ADDRESS`,
 * `IFLA_LINKINFO`. Decoding the result gives back the same fields.
 *
 * @param input The header, `struct ifinfomsg` and attribute values.
 * @returns The whole message; its length is a multiple of 4.
 * @throws {RangeError} When `type` is not `RTM_NEWLINK` or `RTM_DELLINK`, when a number does
 * not fit its field or when the message would exceed the 65535-byte attribute limit.
 */
export function encodeLinkMessage(input: LinkMessageInput): Uint8Array {
  if (input.type !== RTM_NEWLINK && input.type !== RTM_DELLINK) {
    throw new RangeError(
      `Cannot ${ACTION}: type must be RTM_NEWLINK (${RTM_NEWLINK}) or ` +
        `RTM_DELLINK (${RTM_DELLINK}), got ${input.type}`,
    );
  }
  checkInteger(ACTION, "headerFlags", input.headerFlags, 0, U16_MAX);
  checkInteger(ACTION, "sequence", input.sequence, 0, U32_MAX);
  checkInteger(ACTION, "portId", input.portId, 0, U32_MAX);
  checkInteger(ACTION, "family", input.family, 0, U8_MAX);
  checkInteger(ACTION, "deviceType", input.deviceType, 0, U16_MAX);
  checkInteger(ACTION, "index", input.index, 0, S32_MAX);
  checkInteger(ACTION, "flags", input.flags, 0, U32_MAX);
  checkInteger(ACTION, "change", input.change, 0, U32_MAX);

  const attributes: Array<[number, Uint8Array]> = [];
  if (input.name !== undefined) attributes.push([IFLA_IFNAME, stringPayload(input.name)]);
  if (input.mtu !== undefined) {
    checkInteger(ACTION, "mtu", input.mtu, 0, U32_MAX);
    attributes.push([IFLA_MTU, uint32Payload(input.mtu)]);
  }
  if (input.master !== undefined) {
    checkInteger(ACTION, "master", input.master, 0, U32_MAX);
    attributes.push([IFLA_MASTER, uint32Payload(input.master)]);
  }
  if (input.operState !== undefined) {
    checkInteger(ACTION, "operState", input.operState, 0, U8_MAX);
    attributes.push([IFLA_OPERSTATE, Uint8Array.of(input.operState)]);
  }
  if (input.address !== undefined) attributes.push([IFLA_ADDRESS, input.address]);
  if (input.linkKind !== undefined) {
    const kind = stringPayload(input.linkKind);
    const linkInfo = new Uint8Array(attributeSpace(kind.length));
    encodeAttribute(linkInfo, 0, IFLA_INFO_KIND, kind);
    attributes.push([IFLA_LINKINFO, linkInfo]);
  }
  for (const [type, payload] of attributes) {
    if (NLA_HDRLEN + payload.length > U16_MAX) {
      throw new RangeError(
        `Cannot ${ACTION}: attribute type ${type} has ${payload.length} payload bytes, ` +
          `more than the ${U16_MAX - NLA_HDRLEN} that nla_len allows`,
      );
    }
  }

  const length = NLMSG_HDRLEN + IFINFOMSG_LEN +
    attributes.reduce((sum, [, payload]) => sum + attributeSpace(payload.length), 0);
  const message = new Uint8Array(length);
  encodeHeader(
    {
      length,
      type: input.type,
      flags: input.headerFlags,
      sequence: input.sequence,
      portId: input.portId,
    },
    message,
    0,
  );
  encodeInterfaceInfo(input, message, NLMSG_HDRLEN);
  let offset = NLMSG_HDRLEN + IFINFOMSG_LEN;
  for (const [type, payload] of attributes) {
    offset = encodeAttribute(message, offset, type, payload);
  }
  return message;
}
