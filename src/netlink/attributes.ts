/**
 * Iteration over netlink attributes (`struct nlattr` plus payload) with typed getters.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        nla_len (u16)          |N|O|     nla_type (14 bits)    |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            payload (nla_len - 4 bytes), padded to 4            |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * N = NLA_F_NESTED, O = NLA_F_NET_BYTEORDER (the top bits of the host-order u16)
 * ```
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN } from "./byte_order.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";
import { nlaAlign } from "./align.ts";
import { NetlinkDecodeError } from "./decode_error.ts";

/** Offset of `nla_len` in the attribute header. */
export const NLA_LEN_OFFSET = 0;
/** Offset of `nla_type` in the attribute header. */
export const NLA_TYPE_OFFSET = 2;

/** One attribute as the iterator yields it. */
export interface NetlinkAttribute {
  /** Attribute type with the flag bits removed (`nla_type & NLA_TYPE_MASK`). */
  type: number;
  /** Whether `NLA_F_NESTED` was set. */
  nested: boolean;
  /** Whether `NLA_F_NET_BYTEORDER` was set, so integers are big-endian. */
  netByteOrder: boolean;
  /** Byte offset of the payload in the datagram, for error messages. */
  offset: number;
  /** The payload without header or padding; a view into the datagram, not a copy. */
  payload: Uint8Array;
}

const utf8 = new TextDecoder("utf-8");

/** The datagram seen last and its view: the decoders of one datagram share a single DataView. */
let lastBytes: Uint8Array | undefined;
let lastView: DataView | undefined;

function viewOf(bytes: Uint8Array): DataView {
  if (bytes !== lastBytes || lastView === undefined) {
    lastView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    lastBytes = bytes;
  }
  return lastView;
}

/**
 * An iterator over the attributes in one byte range of a datagram, with getters that check
 * each payload's exact size. Iteration stops with a {@linkcode NetlinkDecodeError} at the
 * first attribute whose header or length does not fit the range.
 *
 * @example
 * ```ts ignore
 * const decoder = new AttributeDecoder(datagram, 32, header.length, { names: { 4: "IFLA_MTU" } });
 * for (const attribute of decoder) {
 *   if (attribute.type === 4) mtu = decoder.uint32(attribute);
 * }
 * ```
 */
export class AttributeDecoder implements Iterable<NetlinkAttribute> {
  readonly #bytes: Uint8Array;
  /** One view over all of `#bytes`, so reading a header allocates nothing. */
  readonly #view: DataView;
  readonly #start: number;
  readonly #end: number;
  readonly #names: Readonly<Record<number, string>>;
  readonly #messageType: number | undefined;

  /**
   * @param bytes The datagram.
   * @param start Offset of the first attribute in `bytes`.
   * @param end Offset just past the last attribute; must not exceed `bytes.length`.
   * @param options `names` maps attribute types to kernel names for error messages, and
   * `messageType` is the `nlmsg_type` that errors report.
   */
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    options: { names?: Readonly<Record<number, string>>; messageType?: number } = {},
  ) {
    this.#bytes = bytes;
    this.#view = viewOf(bytes);
    this.#start = start;
    this.#end = Math.min(end, bytes.length);
    this.#names = options.names ?? {};
    this.#messageType = options.messageType;
  }

  /**
   * Yields each attribute in wire order.
   *
   * @throws {NetlinkDecodeError} At the first attribute that has fewer than 4 header bytes,
   * an `nla_len` below 4 or an `nla_len` that runs past the end of the range.
   */
  *[Symbol.iterator](): Iterator<NetlinkAttribute> {
    let offset = this.#start;
    while (offset < this.#end) {
      const length = this.#checkHeader(offset);
      yield this.#attribute(offset, length);
      // nla_len >= NLA_HDRLEN, so even an empty attribute moves the loop forward. The padding
      // after the last attribute may be missing, which ends the loop as well.
      offset += nlaAlign(length);
    }
  }

  /**
   * Calls `visit` for each attribute in wire order, with the same checks as the iterator, but
   * builds the attribute object (and its payload view) only for the types in `readTypes`; the
   * others get only their type. A link message carries about 40 attributes of which the
   * daemon reads 6, so this saves most of the per-message garbage of a storm.
   *
   * @throws {NetlinkDecodeError} As the iterator does, after visiting the attributes before
   * the bad one.
   */
  scan(
    readTypes: ReadonlySet<number>,
    visit: (type: number, attribute: NetlinkAttribute | undefined) => void,
  ): void {
    let offset = this.#start;
    while (offset < this.#end) {
      const length = this.#checkHeader(offset);
      const type = this.#view.getUint16(offset + NLA_TYPE_OFFSET, HOST_LITTLE_ENDIAN) &
        NLA_TYPE_MASK;
      visit(type, readTypes.has(type) ? this.#attribute(offset, length) : undefined);
      offset += nlaAlign(length);
    }
  }

  /** Checks the attribute header at `offset` and returns its `nla_len`. */
  #checkHeader(offset: number): number {
    const available = this.#end - offset;
    if (available < NLA_HDRLEN) {
      throw this.#error("nlattr", offset, NLA_HDRLEN, available);
    }
    const length = this.#view.getUint16(offset + NLA_LEN_OFFSET, HOST_LITTLE_ENDIAN);
    if (length < NLA_HDRLEN || length > available) {
      const type = this.#view.getUint16(offset + NLA_TYPE_OFFSET, HOST_LITTLE_ENDIAN) &
        NLA_TYPE_MASK;
      if (length < NLA_HDRLEN) {
        throw this.#error(`${this.nameOf(type)} nla_len`, offset, NLA_HDRLEN, length);
      }
      throw this.#error(this.nameOf(type), offset, length, available);
    }
    return length;
  }

  #attribute(offset: number, length: number): NetlinkAttribute {
    const rawType = this.#view.getUint16(offset + NLA_TYPE_OFFSET, HOST_LITTLE_ENDIAN);
    return {
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      offset: offset + NLA_HDRLEN,
      payload: this.#bytes.subarray(offset + NLA_HDRLEN, offset + length),
    };
  }

  /** Returns the kernel name of an attribute type, or `attribute type N` when none is known. */
  nameOf(type: number): string {
    return this.#names[type] ?? `attribute type ${type}`;
  }

  /**
   * Reads a one-byte unsigned payload.
   *
   * @throws {NetlinkDecodeError} When the payload is not exactly 1 byte.
   */
  uint8(attribute: NetlinkAttribute): number {
    this.#expectSize(attribute, 1);
    return attribute.payload[0] ?? 0;
  }

  /**
   * Reads a two-byte unsigned payload in host byte order, or big-endian when the attribute
   * has `NLA_F_NET_BYTEORDER`.
   *
   * @throws {NetlinkDecodeError} When the payload is not exactly 2 bytes.
   */
  uint16(attribute: NetlinkAttribute): number {
    this.#expectSize(attribute, 2);
    return this.#payloadView(attribute).getUint16(
      this.#payloadOffset(attribute),
      !attribute.netByteOrder && HOST_LITTLE_ENDIAN,
    );
  }

  /**
   * Reads a four-byte unsigned payload in host byte order, or big-endian when the attribute
   * has `NLA_F_NET_BYTEORDER`.
   *
   * @throws {NetlinkDecodeError} When the payload is not exactly 4 bytes.
   */
  uint32(attribute: NetlinkAttribute): number {
    this.#expectSize(attribute, 4);
    return this.#payloadView(attribute).getUint32(
      this.#payloadOffset(attribute),
      !attribute.netByteOrder && HOST_LITTLE_ENDIAN,
    );
  }

  /**
   * Reads a string payload as UTF-8, cut at the first NUL. Invalid UTF-8 decodes to U+FFFD
   * instead of raising an error.
   */
  string(attribute: NetlinkAttribute): string {
    const nul = attribute.payload.indexOf(0);
    return utf8.decode(nul === -1 ? attribute.payload : attribute.payload.subarray(0, nul));
  }

  /** Copies the payload, so that the result does not keep the datagram alive. */
  bytes(attribute: NetlinkAttribute): Uint8Array {
    return attribute.payload.slice();
  }

  /**
   * Returns a decoder for the attributes nested in this attribute's payload.
   *
   * @param names Kernel names of the nested attribute types, for error messages.
   */
  nested(
    attribute: NetlinkAttribute,
    names: Readonly<Record<number, string>> = {},
  ): AttributeDecoder {
    return new AttributeDecoder(
      this.#bytes,
      attribute.offset,
      attribute.offset + attribute.payload.length,
      { names, messageType: this.#messageType },
    );
  }

  #expectSize(attribute: NetlinkAttribute, size: number): void {
    if (attribute.payload.length !== size) {
      throw this.#error(
        this.nameOf(attribute.type),
        attribute.offset,
        size,
        attribute.payload.length,
      );
    }
  }

  /** The decoder's own view when the payload lies in its datagram, else one over the payload. */
  #payloadView(attribute: NetlinkAttribute): DataView {
    return attribute.payload.buffer === this.#bytes.buffer ? this.#view : payloadView(attribute);
  }

  #payloadOffset(attribute: NetlinkAttribute): number {
    return attribute.payload.buffer === this.#bytes.buffer
      ? attribute.payload.byteOffset - this.#bytes.byteOffset
      : 0;
  }

  #error(object: string, offset: number, expected: number, available: number) {
    return new NetlinkDecodeError(
      this.#messageType === undefined
        ? { object, offset, expected, available }
        : { object, offset, expected, available, messageType: this.#messageType },
    );
  }
}

function payloadView(attribute: NetlinkAttribute): DataView {
  const { payload } = attribute;
  return new DataView(payload.buffer, payload.byteOffset, payload.length);
}
