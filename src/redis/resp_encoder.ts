/**
 * Encodes Redis commands as RESP arrays of bulk strings into one growing buffer, so a batch of
 * commands becomes one socket write.
 *
 * @module
 */

/** A command argument; numbers are sent in their decimal form. */
export type CommandArgument = string | number;

const CR = 13;
const LF = 10;
const textEncoder = new TextEncoder();

/**
 * Appends commands to a buffer that grows as needed and is reused after {@link take}.
 */
export class CommandEncoder {
  #buffer: Uint8Array;
  #length = 0;

  /** @param initialSize Starting buffer size in bytes. */
  constructor(initialSize = 4096) {
    this.#buffer = new Uint8Array(initialSize);
  }

  /** Bytes appended since the last {@link take}. */
  get length(): number {
    return this.#length;
  }

  /** Appends one command: `*<count>` then `$<bytes>` and the bytes of each argument. */
  append(args: readonly CommandArgument[]): void {
    this.#header(42, /* '*' */ args.length);
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      this.#bulk(typeof arg === "string" ? arg : String(arg));
    }
  }

  /** Returns a copy of what was appended and empties the encoder. */
  take(): Uint8Array {
    const bytes = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    return bytes;
  }

  #bulk(text: string): void {
    // ASCII text, nearly every SONiC key and value, has one byte per UTF-16 unit.
    if (isAscii(text)) {
      this.#header(36, /* '$' */ text.length);
      this.#reserve(text.length + 2);
      const buffer = this.#buffer;
      let at = this.#length;
      for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
      buffer[at++] = CR;
      buffer[at++] = LF;
      this.#length = at;
      return;
    }
    const bytes = textEncoder.encode(text);
    this.#header(36, /* '$' */ bytes.length);
    this.#reserve(bytes.length + 2);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
    this.#buffer[this.#length++] = CR;
    this.#buffer[this.#length++] = LF;
  }

  #header(type: number, count: number): void {
    this.#reserve(24);
    const buffer = this.#buffer;
    let at = this.#length;
    buffer[at++] = type;
    const digits = String(count);
    for (let i = 0; i < digits.length; i++) buffer[at++] = digits.charCodeAt(i);
    buffer[at++] = CR;
    buffer[at++] = LF;
    this.#length = at;
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    // Start from at least 64 bytes, because doubling a zero-size buffer never reaches `needed`.
    let size = Math.max(this.#buffer.length * 2, 64);
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}

/** Encodes one command into new bytes. */
export function encodeCommand(args: readonly CommandArgument[]): Uint8Array {
  const encoder = new CommandEncoder(64);
  encoder.append(args);
  return encoder.take();
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
