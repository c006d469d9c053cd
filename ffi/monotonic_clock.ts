/**
 * The system's monotonic clock, which every process on the host reads alike, unlike
 * `performance.now()`, whose origin is the start of each process.
 *
 * @module
 */

import { checkSyscall } from "./errno.ts";
import { libc } from "./libc.ts";

/** `CLOCK_MONOTONIC` from <linux/time.h>. */
const CLOCK_MONOTONIC = 1;

const timespec = new BigInt64Array(2);
const timespecBytes = new Uint8Array(timespec.buffer);

/**
 * Reads `CLOCK_MONOTONIC` in microseconds, with nanosecond digits as the fraction. Times from
 * two processes on one host can be subtracted.
 *
 * @throws {SyscallError} When `clock_gettime` fails, which Linux does not do for this clock.
 */
export function monotonicMicroseconds(): number {
  checkSyscall(libc().clock_gettime(CLOCK_MONOTONIC, timespecBytes), "clock_gettime", "read clock");
  const [seconds = 0n, nanoseconds = 0n] = timespec;
  return Number(seconds) * 1e6 + Number(nanoseconds) / 1e3;
}
