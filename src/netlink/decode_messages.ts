/**
 * Decoding of a whole rtnetlink datagram into typed messages.
 *
 * @module
 */

import { nlmsgAlign } from "./align.ts";
import { NLMSG_DONE, NLMSG_ERROR, RTM_DELLINK, RTM_NEWLINK } from "./constants.ts";
import { NetlinkDecodeError } from "./decode_error.ts";
import { decodeErrorMessage } from "./error_message.ts";
import { decodeHeader } from "./header.ts";
import { decodeLinkMessage } from "./link_message.ts";
import type { NetlinkHeader, NetlinkMessage } from "./types.ts";

/** Messages decoded from one datagram, and the decode errors met on the way. */
export interface DecodeMessagesResult {
  /** Messages that decoded, in wire order. */
  messages: NetlinkMessage[];
  /** One error per message that failed, in wire order; a bad header is always the last. */
  errors: NetlinkDecodeError[];
}

/**
 * Decodes every netlink message in one datagram. `RTM_NEWLINK` and `RTM_DELLINK` become
 * `LinkMessage`, `NLMSG_DONE` becomes `DoneMessage`, `NLMSG_ERROR` becomes `ErrorMessage`
 * and any other type becomes `OtherMessage`.
 *
 * A message with a valid header but a malformed body is recorded in `errors` and skipped, and
 * decoding goes on at the next aligned message. A bad header (fewer than 16 bytes left,
 * `nlmsg_len` below 16 or past the end) is recorded and ends decoding, because the next
 * message boundary is then unknown. An empty datagram counts as a bad header.
 *
 * @param datagram The bytes of one receive call.
 * @returns The decoded messages and the errors. Bad input is reported in `errors`, not
 * thrown, which decode_fuzz_test.ts checks on mutated captures.
 */
export function decodeMessages(
  datagram: Uint8Array,
): DecodeMessagesResult {
  const messages: NetlinkMessage[] = [];
  const errors: NetlinkDecodeError[] = [];
  let offset = 0;
  // An empty datagram still goes through decodeHeader once, so it is reported, not ignored.
  do {
    let header: NetlinkHeader;
    try {
      header = decodeHeader(datagram, offset);
    } catch (error) {
      if (!(error instanceof NetlinkDecodeError)) throw error;
      errors.push(error);
      break;
    }
    try {
      messages.push(decodeBody(datagram, offset, header));
    } catch (error) {
      if (!(error instanceof NetlinkDecodeError)) throw error;
      errors.push(error);
    }
    // decodeHeader checked that header.length >= 16, so the loop always moves forward.
    offset += nlmsgAlign(header.length);
  } while (offset < datagram.length);
  return { messages, errors };
}

function decodeBody(datagram: Uint8Array, offset: number, header: NetlinkHeader): NetlinkMessage {
  switch (header.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return decodeLinkMessage(datagram, offset, header);
    case NLMSG_ERROR:
      return decodeErrorMessage(datagram, offset, header);
    case NLMSG_DONE:
      return { kind: "done", header };
    default:
      return { kind: "other", header };
  }
}
