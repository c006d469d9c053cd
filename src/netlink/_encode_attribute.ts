/** Attribute writing shared by the encoders. Internal to the netlink folder. */

import { nlaAlign } from "./align.ts";
import { HOST_LITTLE_ENDIAN } from "./byte_order.ts";
import { NLA_HDRLEN } from "./constants.ts";

/** Returns the bytes an attribute with this payload size takes, padding included. */
export function attributeSpace(payloadLength: number): number {
  return nlaAlign(NLA_HDRLEN + payloadLength);
}

/**
 * Writes one attribute (header, payload, zero padding) at `offset` and returns the offset of
 * the next one. `target` must have `attributeSpace(payload.length)` bytes from `offset`.
 */
export function encodeAttribute(
  target: Uint8Array,
  offset: number,
  type: number,
  payload: Uint8Array,
): number {
  const view = new DataView(target.buffer, target.byteOffset + offset, NLA_HDRLEN);
  view.setUint16(0, NLA_HDRLEN + payload.length, HOST_LITTLE_ENDIAN);
  view.setUint16(2, type, HOST_LITTLE_ENDIAN);
  target.set(payload, offset + NLA_HDRLEN);
  const next = offset + attributeSpace(payload.length);
  target.fill(0, offset + NLA_HDRLEN + payload.length, next);
  return next;
}

/** Returns a u32 in host byte order as attribute payload. */
export function uint32Payload(value: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, value, HOST_LITTLE_ENDIAN);
  return payload;
}

/** Returns a string as UTF-8 with the trailing NUL that the kernel expects. */
export function stringPayload(value: string): Uint8Array {
  const text = new TextEncoder().encode(value);
  const payload = new Uint8Array(text.length + 1);
  payload.set(text);
  return payload;
}
