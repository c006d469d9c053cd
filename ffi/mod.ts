/**
 * The libc FFI layer: a `NETLINK_ROUTE` socket that moves bytes between the kernel and the
 * netlink codec, and the error class for failed system calls. Needs `--allow-ffi`.
 *
 * ```ts ignore
 * import { NetlinkSocket } from "./mod.ts";
 *
 * // Subscribe to RTNLGRP_LINK (bit value 1) with a 16 MiB receive buffer.
 * const socket = NetlinkSocket.open({ groups: 1, receiveBufferBytes: 16 << 20 });
 * const batch = await socket.receiveBatch();
 * if (batch.kind === "error" && batch.errnoName === "ENOBUFS") {
 *   // The kernel dropped events: resynchronize with a dump.
 * }
 * socket.close();
 * ```
 *
 * @module
 */

export { NetlinkSocket } from "./netlink_socket.ts";
export type { NetlinkSocketOptions, ReceiveBatch, WaitMode } from "./netlink_socket.ts";
export { ERRNO_NAMES, errnoName, readErrno, SyscallError } from "./errno.ts";
export { encodeUnixAddress, UnixDatagramSocket } from "./unix_datagram_socket.ts";
export type { UnixAddress } from "./unix_datagram_socket.ts";
