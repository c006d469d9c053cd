/**
 * The one error class that the netlink decoder raises.
 *
 * @module
 */

/** Facts about a decode failure, from which {@linkcode formatDecodeError} builds the message. */
export interface DecodeErrorFields {
  /** Kernel name of the object being decoded, such as `nlmsghdr`, `ifinfomsg` or `IFLA_MTU`. */
  object: string;
  /** Byte offset of the object in the datagram. For an attribute, the offset of its payload. */
  offset: number;
  /** Number of bytes the object needs (or, for a length field, the length it declares). */
  expected: number;
  /** Number of bytes that were there. */
  available: number;
  /** `nlmsg_type` of the message that contains the object, once its header was read. */
  messageType?: number;
}

/**
 * Builds the text of a decode error from its fields, so that every branch of the decoder
 * words the message the same way.
 *
 * @param fields Facts about the failure.
 * @returns A message such as "Failed to decode IFLA_MTU at offset 36: expected 4 bytes, got 2".
 */
export function formatDecodeError(fields: DecodeErrorFields): string {
  const where = fields.messageType === undefined
    ? `at offset ${fields.offset}`
    : `in message type ${fields.messageType} at offset ${fields.offset}`;
  return `Failed to decode ${fields.object} ${where}: ` +
    `expected ${fields.expected} bytes, got ${fields.available}`;
}

/**
 * A netlink datagram, message or attribute is shorter or longer than its structure requires.
 * The decoder raises no other error class for bad input, so callers can count and skip it.
 */
export class NetlinkDecodeError extends Error {
  override readonly name = "NetlinkDecodeError";
  /** Kernel name of the object being decoded, such as `nlmsghdr` or `IFLA_MTU`. */
  readonly object: string;
  /** Byte offset of the object in the datagram. For an attribute, the offset of its payload. */
  readonly offset: number;
  /** Number of bytes the object needs (or, for a length field, the length it declares). */
  readonly expected: number;
  /** Number of bytes that were there. */
  readonly available: number;
  /** `nlmsg_type` of the message that contains the object, once its header was read. */
  readonly messageType?: number;

  /** Creates the error and builds its message with {@linkcode formatDecodeError}. */
  constructor(fields: DecodeErrorFields) {
    super(formatDecodeError(fields));
    this.object = fields.object;
    this.offset = fields.offset;
    this.expected = fields.expected;
    this.available = fields.available;
    if (fields.messageType !== undefined) this.messageType = fields.messageType;
  }
}
