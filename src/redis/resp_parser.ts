/**
 * Incremental parser of RESP2 replies: bytes in, reply values out. It keeps a partial reply
 * across reads and never touches a socket.
 *
 * @module
 */
import { RedisReplyError } from "./redis_errors.ts";

/**
 * A reply: simple and bulk strings as text, integers as numbers, a null bulk string or array
 * as `null`, error replies as {@link RedisReplyError} values, arrays as arrays.
 */
export type RespValue = string | number | null | RedisReplyError | RespValue[];

/** Returned by {@link RespParser.next} when the buffered bytes hold no complete reply. */
export const NEED_MORE: unique symbol = Symbol("NEED_MORE");

/** Thrown on bytes that are not RESP2; the connection must be closed, as framing is lost. */
export class RespProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespProtocolError";
  }
}

/** Nesting depth above which a reply is taken as malformed. */
const MAX_DEPTH = 32;
/** Largest bulk string accepted, Redis's own default `proto-max-bulk-len` (512 MiB). */
const MAX_BULK_BYTES = 512 * 1024 * 1024;
/** Maximum array length accepted: the JavaScript array limit, 2^32 - 1. */
const MAX_ARRAY_ITEMS = 2 ** 32 - 1;
const CR = 13;
const textDecoder = new TextDecoder();

/**
 * Feed it reads with {@link push}, then call {@link next} until it returns {@link NEED_MORE}
 * before the next push: bytes of a partial reply are copied, the rest is only borrowed.
 */
export class RespParser {
  #data: Uint8Array = new Uint8Array(0);
  #offset = 0;

  /** Adds bytes read from the connection. */
  push(chunk: Uint8Array): void {
    if (this.#offset >= this.#data.length) {
      this.#data = chunk;
    } else {
      const rest = this.#data.subarray(this.#offset);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest);
      joined.set(chunk, rest.length);
      this.#data = joined;
    }
    this.#offset = 0;
  }

  /**
   * Returns the next complete reply, or {@link NEED_MORE}, after which the partial bytes are
   * kept as a copy.
   * NOTE: a reply that spans reads is parsed again from its start on each read, so a reply of
   * n reads costs O(n²). The daemon's largest replies (KEYS, SCAN at 1024 ports) are a few reads.
   *
   * @throws {RespProtocolError} On bytes that are not RESP2.
   */
  next(): RespValue | typeof NEED_MORE {
    if (this.#offset >= this.#data.length) return NEED_MORE;
    const start = this.#offset;
    const value = this.#value(0);
    if (value === NEED_MORE) {
      this.#offset = start;
      this.#data = this.#data.slice(start);
      this.#offset = 0;
    }
    return value;
  }

  /** Bytes held for a reply that is not complete yet. */
  get buffered(): number {
    return this.#data.length - this.#offset;
  }

  #value(depth: number): RespValue | typeof NEED_MORE {
    const data = this.#data;
    if (this.#offset >= data.length) return NEED_MORE;
    const type = data[this.#offset]!;
    switch (type) {
      case 43: { // '+'
        const end = this.#lineEnd();
        if (end < 0) return NEED_MORE;
        const text = decode(data, this.#offset + 1, end);
        this.#offset = end + 2;
        return text;
      }
      case 45: { // '-'
        const end = this.#lineEnd();
        if (end < 0) return NEED_MORE;
        const text = decode(data, this.#offset + 1, end);
        this.#offset = end + 2;
        return new RedisReplyError(text);
      }
      case 58: { // ':'
        const end = this.#lineEnd();
        if (end < 0) return NEED_MORE;
        const number = this.#integer(this.#offset + 1, end);
        this.#offset = end + 2;
        return number;
      }
      case 36: { // '$'
        const end = this.#lineEnd();
        if (end < 0) return NEED_MORE;
        const length = this.#integer(this.#offset + 1, end);
        if (length === -1) {
          this.#offset = end + 2;
          return null;
        }
        if (length < 0 || length > MAX_BULK_BYTES) {
          throw new RespProtocolError(`Failed to parse a Redis reply: bulk length ${length}`);
        }
        const from = end + 2;
        if (from + length + 2 > data.length) return NEED_MORE;
        if (data[from + length] !== CR || data[from + length + 1] !== 10) {
          throw new RespProtocolError(
            `Failed to parse a Redis reply: bulk string of ${length} bytes has no CRLF after it`,
          );
        }
        this.#offset = from + length + 2;
        return decode(data, from, from + length);
      }
      case 42: { // '*'
        const end = this.#lineEnd();
        if (end < 0) return NEED_MORE;
        const count = this.#integer(this.#offset + 1, end);
        this.#offset = end + 2;
        if (count === -1) return null;
        if (count < 0 || count > MAX_ARRAY_ITEMS) {
          throw new RespProtocolError(`Failed to parse a Redis reply: array length ${count}`);
        }
        if (depth >= MAX_DEPTH) {
          throw new RespProtocolError(
            `Failed to parse a Redis reply: arrays nested deeper than ${MAX_DEPTH}`,
          );
        }
        const items: RespValue[] = new Array(count);
        for (let i = 0; i < count; i++) {
          const item = this.#value(depth + 1);
          if (item === NEED_MORE) return NEED_MORE;
          items[i] = item;
        }
        return items;
      }
      default:
        throw new RespProtocolError(
          `Failed to parse a Redis reply: unknown type byte 0x${
            type.toString(16).padStart(2, "0")
          }; only RESP2 is spoken`,
        );
    }
  }

  /** Index of the CR of the line starting at the offset, or -1 when it is not complete. */
  #lineEnd(): number {
    const data = this.#data;
    for (let i = this.#offset + 1; i + 1 < data.length; i++) {
      if (data[i] === CR) {
        if (data[i + 1] !== 10) {
          throw new RespProtocolError("Failed to parse a Redis reply: CR without LF");
        }
        return i;
      }
    }
    return -1;
  }

  #integer(from: number, to: number): number {
    const data = this.#data;
    let negative = false;
    let at = from;
    if (data[at] === 45) {
      negative = true;
      at++;
    }
    if (at >= to) throw new RespProtocolError("Failed to parse a Redis reply: empty integer");
    let value = 0;
    for (; at < to; at++) {
      const digit = data[at]! - 48;
      if (digit < 0 || digit > 9) {
        throw new RespProtocolError(
          `Failed to parse a Redis reply: integer ${
            JSON.stringify(decode(data, from, to))
          } has a non-digit`,
        );
      }
      value = value * 10 + digit;
    }
    return negative ? -value : value;
  }
}

function decode(data: Uint8Array, from: number, to: number): string {
  // Short ASCII text, nearly every SONiC reply, is cheaper by hand than through TextDecoder.
  if (to - from <= 64) {
    let text = "";
    for (let i = from; i < to; i++) {
      const byte = data[i]!;
      if (byte > 0x7f) return textDecoder.decode(data.subarray(from, to));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return textDecoder.decode(data.subarray(from, to));
}
