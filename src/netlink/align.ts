/**
 * Alignment helpers for netlink messages and attributes. Each one implements the kernel C
 * macro of the same name from linux/netlink.h.
 *
 * @module
 */

import { NLA_ALIGNTO, NLMSG_ALIGNTO } from "./constants.ts";

/**
 * Rounds a message length up to the 4-byte netlink boundary.
 * Implements `NLMSG_ALIGN(len)`: `((len) + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1)`.
 *
 * @param length Length in bytes, a non-negative integer below 2^32.
 * @returns The aligned length in bytes.
 */
export function nlmsgAlign(length: number): number {
  // Math.ceil instead of a bit mask: `&` would wrap lengths at or above 2^31 to negatives.
  return Math.ceil(length / NLMSG_ALIGNTO) * NLMSG_ALIGNTO;
}

/**
 * Rounds an attribute length up to the 4-byte attribute boundary.
 * Implements `NLA_ALIGN(len)`: `((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)`.
 *
 * @param length Length in bytes, a non-negative integer.
 * @returns The aligned length in bytes.
 */
export function nlaAlign(length: number): number {
  return Math.ceil(length / NLA_ALIGNTO) * NLA_ALIGNTO;
}
