/**
 * errno names, errno reads on the calling thread and the error class for failed system calls.
 *
 * The numbers are the Linux generic values (`include/uapi/asm-generic/errno-base.h` and
 * `errno.h`), which x86-64 and arm64 share.
 *
 * @module
 */

import { libc } from "./libc.ts";

/** Linux errno values by number, for the names callers and logs need. */
export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "EPERM"],
  [2, "ENOENT"],
  [3, "ESRCH"],
  [4, "EINTR"],
  [5, "EIO"],
  [6, "ENXIO"],
  [7, "E2BIG"],
  [9, "EBADF"],
  [11, "EAGAIN"],
  [12, "ENOMEM"],
  [13, "EACCES"],
  [14, "EFAULT"],
  [16, "EBUSY"],
  [17, "EEXIST"],
  [19, "ENODEV"],
  [22, "EINVAL"],
  [23, "ENFILE"],
  [24, "EMFILE"],
  [28, "ENOSPC"],
  [32, "EPIPE"],
  [34, "ERANGE"],
  [38, "ENOSYS"],
  [61, "ENODATA"],
  [71, "EPROTO"],
  [88, "ENOTSOCK"],
  [90, "EMSGSIZE"],
  [92, "ENOPROTOOPT"],
  [93, "EPROTONOSUPPORT"],
  [95, "EOPNOTSUPP"],
  [97, "EAFNOSUPPORT"],
  [98, "EADDRINUSE"],
  [99, "EADDRNOTAVAIL"],
  [100, "ENETDOWN"],
  [101, "ENETUNREACH"],
  [104, "ECONNRESET"],
  [105, "ENOBUFS"],
  [107, "ENOTCONN"],
  [110, "ETIMEDOUT"],
  [111, "ECONNREFUSED"],
]);

/** `EINTR` (4): the call was interrupted by a signal and may be retried. */
export const EINTR = 4;
/** `EAGAIN` (11): a non-blocking call found nothing to do (same value as `EWOULDBLOCK`). */
export const EAGAIN = 11;
/** `ENOBUFS` (105): on a netlink socket, the kernel dropped messages because the receive buffer was full. */
export const ENOBUFS = 105;

/**
 * Returns the symbolic name of an errno value, or `E<number>` for values not in
 * {@linkcode ERRNO_NAMES}, so a log line always has a name to show.
 */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/**
 * Reads errno for the current thread. Call it straight after a failed synchronous FFI call,
 * because after a `nonblocking` call the value belongs to another thread and means nothing.
 */
export function readErrno(): number {
  const location = libc().__errno_location();
  if (location === null) return 0;
  return new Deno.UnsafePointerView(location).getInt32(0);
}

/** A system call that returned -1, with the errno the kernel reported. */
export class SyscallError extends Error {
  /** The system call that failed, such as `"bind"`. */
  readonly syscall: string;
  /** The errno value, such as 1 for `EPERM`. */
  readonly errno: number;
  /** The errno name, such as `"EPERM"`. */
  readonly errnoName: string;

  /**
   * @param syscall The system call that failed.
   * @param errno The errno value read right after the call.
   * @param action What the caller tried, opening the message ("bind netlink socket").
   */
  constructor(syscall: string, errno: number, action: string) {
    const name = errnoName(errno);
    super(`Failed to ${action}: ${name} (errno ${errno})`);
    this.name = "SyscallError";
    this.syscall = syscall;
    this.errno = errno;
    this.errnoName = name;
  }
}

/**
 * Returns `result` as a number when it is not -1, and otherwise reads errno and throws.
 *
 * @param result The return value of a synchronous libc call (`isize` results may be bigint).
 * @param syscall The system call name for {@linkcode SyscallError.syscall}.
 * @param action What the caller tried, used to open the message ("bind netlink socket").
 * @throws {SyscallError} When `result` is -1.
 */
export function checkSyscall(result: number | bigint, syscall: string, action: string): number {
  const value = Number(result);
  if (value === -1) throw new SyscallError(syscall, readErrno(), action);
  return value;
}
