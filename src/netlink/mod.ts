/**
 * A pure rtnetlink codec: bytes in, typed messages or a typed decode error out. It does no
 * I/O, logging or clock reads, so the socket layer and tests can share it.
 *
 * ```ts
 * import { decodeMessages, encodeGetLinkDump } from "./mod.ts";
 *
 * const request = encodeGetLinkDump(1); // send on a NETLINK_ROUTE socket
 * const { messages, errors } = decodeMessages(datagram); // for each received datagram
 * for (const message of messages) {
 *   if (message.kind === "link") console.log(message.index, message.name, message.mtu);
 * }
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export { nlaAlign, nlmsgAlign } from "./align.ts";
export { type DecodeErrorFields, formatDecodeError, NetlinkDecodeError } from "./decode_error.ts";
export { decodeHeader, encodeHeader } from "./header.ts";
export { AttributeDecoder, type NetlinkAttribute } from "./attributes.ts";
export { decodeInterfaceInfo, encodeInterfaceInfo, type InterfaceInfo } from "./interface_info.ts";
export { decodeLinkMessage } from "./link_message.ts";
export { decodeErrorMessage } from "./error_message.ts";
export { decodeMessages, type DecodeMessagesResult } from "./decode_messages.ts";
export { encodeGetLinkDump, encodeSetLinkDown } from "./requests.ts";
export { encodeLinkMessage, type LinkMessageInput } from "./encode_link_message.ts";
export type {
  DoneMessage,
  ErrorMessage,
  LinkMessage,
  NetlinkHeader,
  NetlinkMessage,
  OtherMessage,
} from "./types.ts";
