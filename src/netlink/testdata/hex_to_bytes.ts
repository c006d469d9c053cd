/**
 * Conversion of the hex strings in the larger fixtures to bytes.
 *
 * @module
 */

/**
 * Converts a string of hex digit pairs to bytes.
 *
 * @throws {SyntaxError} When the length is odd or a character is not a hex digit.
 */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new SyntaxError(
      `Cannot convert hex fixture: expected an even number of hex digits, got ${hex.length} characters`,
    );
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}
