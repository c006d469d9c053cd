/**
 * Typed netlink messages produced by the decoder. The layout of each kernel structure is
 * documented beside its decoder.
 *
 * @module
 */

/** A decoded `struct nlmsghdr` (16 bytes, host byte order). */
export interface NetlinkHeader {
  /** Length of the whole message in bytes, header included (`nlmsg_len`). */
  length: number;
  /** Message type (`nlmsg_type`), such as `RTM_NEWLINK` or `NLMSG_DONE`. */
  type: number;
  /** Flag bits (`nlmsg_flags`), such as `NLM_F_MULTI` or `NLM_F_DUMP_INTR`. */
  flags: number;
  /** Sequence number (`nlmsg_seq`). */
  sequence: number;
  /** Sender port ID (`nlmsg_pid`); the kernel sends with 0 in replies and events. */
  portId: number;
}

/** An `RTM_NEWLINK` or `RTM_DELLINK` message: `struct ifinfomsg` plus the attributes we use. */
export interface LinkMessage {
  kind: "link";
  header: NetlinkHeader;
  /** Address family (`ifi_family`): `AF_UNSPEC` (0) for interfaces, `AF_BRIDGE` (7) for bridge ports. */
  family: number;
  /** Device type (`ifi_type`), an `ARPHRD_*` value. */
  deviceType: number;
  /** Interface index (`ifi_index`). */
  index: number;
  /** Device flags (`ifi_flags`), `IFF_*` bits. */
  flags: number;
  /** Change mask (`ifi_change`). */
  change: number;
  /** `IFLA_IFNAME`, without the trailing NUL. */
  name?: string;
  /** `IFLA_MTU` in bytes. */
  mtu?: number;
  /** `IFLA_MASTER`: ifindex of the bridge or bond this device is enslaved to. */
  master?: number;
  /** `IFLA_OPERSTATE`, an RFC 2863 `IF_OPER_*` value. */
  operState?: number;
  /** `IFLA_ADDRESS`: the link-layer address. */
  address?: Uint8Array;
  /** `IFLA_LINKINFO` / `IFLA_INFO_KIND`, such as `veth`, `bridge` or `team`. */
  linkKind?: string;
  /** Types of top-level attributes that the decoder does not interpret, in wire order. */
  unknownAttributes: number[];
}

/** `NLMSG_DONE`: the end of a multipart (dump) reply. */
export interface DoneMessage {
  kind: "done";
  header: NetlinkHeader;
}

/** `NLMSG_ERROR`: an error reply, or an acknowledgement when `errno` is 0. */
export interface ErrorMessage {
  kind: "error";
  header: NetlinkHeader;
  /** Positive errno value (the kernel sends it negated); 0 means acknowledgement. */
  errno: number;
  /** Header of the request that failed, when the kernel echoed it. */
  request?: NetlinkHeader;
}

/** Any other message type (`NLMSG_NOOP`, `NLMSG_OVERRUN`, other `RTM_*` types). */
export interface OtherMessage {
  kind: "other";
  header: NetlinkHeader;
}

/** One decoded netlink message. */
export type NetlinkMessage = LinkMessage | DoneMessage | ErrorMessage | OtherMessage;
