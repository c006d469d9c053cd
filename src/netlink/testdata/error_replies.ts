/**
 * `NLMSG_ERROR` replies to the request that `encodeSetLinkDown` builds (`RTM_NEWLINK`,
 * `NLM_F_REQUEST | NLM_F_ACK`, `ifi_change = IFF_UP`), sent from a NETLINK_ROUTE socket in
 * a fresh network namespace by testdata/capture_rtnetlink.py.
 * Kernel: Linux 6.18.44 (x86-64, little-endian).
 *
 * @module
 */

/**
 * Acknowledgement (error 0) for sequence 2 on Ethernet0 (ifindex 3). `NLM_F_CAPPED` (0x100)
 * is set because the kernel echoes only the request header.
 */
// deno-fmt-ignore
export const ACK_SET_LINK_DOWN: Uint8Array = new Uint8Array([
  // struct nlmsghdr
  0x24, 0x00, 0x00, 0x00, // nlmsg_len = 36
  0x02, 0x00, // nlmsg_type = NLMSG_ERROR (2)
  0x00, 0x01, // nlmsg_flags = 0x100
  0x02, 0x00, 0x00, 0x00, // nlmsg_seq = 2
  0xe5, 0xa2, 0xf6, 0xed, // nlmsg_pid = 3992363749
  0x00, 0x00, 0x00, 0x00, // error = 0
  // echoed request: struct nlmsghdr
  0x20, 0x00, 0x00, 0x00, // nlmsg_len = 32
  0x10, 0x00, // nlmsg_type = RTM_NEWLINK (16)
  0x05, 0x00, // nlmsg_flags = 0x5
  0x02, 0x00, 0x00, 0x00, // nlmsg_seq = 2
  0x00, 0x00, 0x00, 0x00, // nlmsg_pid = 0
]);

/** Error -19 (`ENODEV`) for sequence 3 on ifindex 999999, with the whole request echoed. */
// deno-fmt-ignore
export const ENODEV_SET_LINK_DOWN: Uint8Array = new Uint8Array([
  // struct nlmsghdr
  0x34, 0x00, 0x00, 0x00, // nlmsg_len = 52
  0x02, 0x00, // nlmsg_type = NLMSG_ERROR (2)
  0x00, 0x00, // nlmsg_flags = 0x0
  0x03, 0x00, 0x00, 0x00, // nlmsg_seq = 3
  0xe5, 0xa2, 0xf6, 0xed, // nlmsg_pid = 3992363749
  0xed, 0xff, 0xff, 0xff, // error = -19
  // echoed request: struct nlmsghdr
  0x20, 0x00, 0x00, 0x00, // nlmsg_len = 32
  0x10, 0x00, // nlmsg_type = RTM_NEWLINK (16)
  0x05, 0x00, // nlmsg_flags = 0x5
  0x03, 0x00, 0x00, 0x00, // nlmsg_seq = 3
  0x00, 0x00, 0x00, 0x00, // nlmsg_pid = 0
  // echoed request: struct ifinfomsg (family 0, index 999999, flags 0, change IFF_UP)
  0x00, 0x00, 0x00, 0x00, 0x3f, 0x42, 0x0f, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
]);
