/**
 * The host byte order, which netlink uses for every integer that is not flagged
 * `NLA_F_NET_BYTEORDER`.
 *
 * @module
 */

/**
 * `true` when this process runs on a little-endian CPU (x86-64 and arm64 Linux), detected once
 * at load. The codec passes it to every `DataView` read and write, so endianness is fixed here.
 */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
