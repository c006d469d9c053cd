/**
 * A pure rtnetlink codec: bytes in, typed messages or a typed decode error out. It does no
 * I/O, logging or clock reads, so the socket layer and tests can share it.
 *
 * ```ts
import { decodeMessages, encodeLinkMessage, RTM_NEWLINK } from "./mod.ts";

// Build a link event the way the kernel would send it, then decode it.
const datagram = encodeLinkMessage({
  type: RTM_NEWLINK,
  headerFlags: 0,
  sequence: 0,
  portId: 0,
  family: 0,
  deviceType: 1,
  index: 3,
  flags: 0,
  change: 0,
  name: "Ethernet0",
  mtu: 9100,
});
const { messages, errors } = decodeMessages(datagram);
// messages: [{ kind: "link", index: 3, name: "Ethernet0", mtu: 9100, ... }], errors: []
```
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
