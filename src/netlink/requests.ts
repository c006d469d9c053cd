/**
 * Encoders for the two requests the daemon sends to the kernel.
 *
 * @module
 */

import { checkInteger, S32_MAX, U32_MAX } from "./_check_integer.ts";
import {
  AF_UNSPEC,
  IFF_UP,
  IFINFOMSG_LEN,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  RTM_GETLINK,
  RTM_NEWLINK,
} from "./constants.ts";
import { encodeHeader } from "./header.ts";
import { encodeInterfaceInfo, type InterfaceInfo } from "./interface_info.ts";

/** Length of both requests: header plus `struct ifinfomsg`, no attributes. */
const LINK_REQUEST_LEN = NLMSG_HDRLEN + IFINFOMSG_LEN;

/**
 * Encodes a request for a dump of all links: `RTM_GETLINK` with `NLM_F_REQUEST | NLM_F_DUMP`
 * and a zeroed `struct ifinfomsg` (family `AF_UNSPEC`). The kernel replies with one
 * `RTM_NEWLINK` per link, flagged `NLM_F_MULTI`, then `NLMSG_DONE`.
 *
 * @param sequence `nlmsg_seq` that the replies will carry, a u32.
 * @returns The 32-byte request.
 * @throws {RangeError} When `sequence` is not an integer from 0 to 2^32 - 1.
 */
export function encodeGetLinkDump(sequence: number): Uint8Array {
  checkInteger("encode RTM_GETLINK dump request", "sequence", sequence, 0, U32_MAX);
  return encodeLinkRequest(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sequence, {
    family: AF_UNSPEC,
    deviceType: 0,
    index: 0,
    flags: 0,
    change: 0,
  });
}

/**
 * Encodes the request that `ip link set DEV down` sends: `RTM_NEWLINK` with
 * `NLM_F_REQUEST | NLM_F_ACK`, `ifi_index` set, `ifi_flags` 0 and `ifi_change` `IFF_UP`, so
 * only the up bit changes. The kernel replies with `NLMSG_ERROR` (errno 0 on success).
 *
 * @param sequence `nlmsg_seq` that the acknowledgement will carry, a u32.
 * @param ifindex Index of the interface to bring down, from 1 to 2^31 - 1.
 * @returns The 32-byte request.
 * @throws {RangeError} When `sequence` or `ifindex` is out of range.
 */
export function encodeSetLinkDown(sequence: number, ifindex: number): Uint8Array {
  checkInteger("encode link down request", "sequence", sequence, 0, U32_MAX);
  checkInteger("encode link down request", "ifindex", ifindex, 1, S32_MAX);
  return encodeLinkRequest(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, sequence, {
    family: AF_UNSPEC,
    deviceType: 0,
    index: ifindex,
    flags: 0,
    change: IFF_UP,
  });
}

function encodeLinkRequest(
  type: number,
  flags: number,
  sequence: number,
  info: InterfaceInfo,
): Uint8Array {
  const request = new Uint8Array(LINK_REQUEST_LEN);
  // The kernel ignores nlmsg_pid in a request and replies to the socket that sent it.
  encodeHeader({ length: LINK_REQUEST_LEN, type, flags, sequence, portId: 0 }, request, 0);
  encodeInterfaceInfo(info, request, NLMSG_HDRLEN);
  return request;
}
