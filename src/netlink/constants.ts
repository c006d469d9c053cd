/**
 * Kernel constants used by the rtnetlink codec, with the numbers written out so that readers
 * can compare them with hex dumps. Values match the Linux UAPI headers named in each section
 * (checked against Linux 6.18), and they have been stable since the headers introduced them.
 *
 * @module
 */

// --- linux/socket.h ---------------------------------------------------------------------

/** Unspecified address family: the family of ordinary link messages. */
export const AF_UNSPEC = 0;
/** Bridge address family: link messages about bridge ports carry this family. */
export const AF_BRIDGE = 7;

// --- linux/netlink.h --------------------------------------------------------------------

/** Netlink protocol for routing and link messages (rtnetlink). */
export const NETLINK_ROUTE = 0;

/** Message type of a message to ignore. */
export const NLMSG_NOOP = 0x1;
/** Message type of an error reply, or of an acknowledgement when the errno is 0. */
export const NLMSG_ERROR = 0x2;
/** Message type that ends a multipart (dump) reply. */
export const NLMSG_DONE = 0x3;
/** Message type that reports lost data. */
export const NLMSG_OVERRUN = 0x4;

/** Header flag: the message is a request. */
export const NLM_F_REQUEST = 0x1;
/** Header flag: the message is part of a multipart reply that ends with `NLMSG_DONE`. */
export const NLM_F_MULTI = 0x2;
/** Header flag: the sender requests an acknowledgement. */
export const NLM_F_ACK = 0x4;
/** Header flag: the sender requests that the kernel echo the request to its listeners. */
export const NLM_F_ECHO = 0x8;
/** Header flag: the dump was interrupted because the data changed, so it may be inconsistent. */
export const NLM_F_DUMP_INTR = 0x10;
/** Header flag: the kernel filtered the dump as the request asked. */
export const NLM_F_DUMP_FILTERED = 0x20;
/** GET request flag: return the whole table instead of one entry. */
export const NLM_F_ROOT = 0x100;
/** GET request flag: return every entry that matches the request. */
export const NLM_F_MATCH = 0x200;
/** GET request flags for a dump: `NLM_F_ROOT | NLM_F_MATCH`. */
export const NLM_F_DUMP = 0x300;
/** Acknowledgement flag: the kernel cut the echoed request down to its header. */
export const NLM_F_CAPPED = 0x100;

/** Size of `struct nlmsghdr` in bytes (`NLMSG_HDRLEN`). */
export const NLMSG_HDRLEN = 16;
/** Alignment of netlink messages in bytes (`NLMSG_ALIGNTO`). */
export const NLMSG_ALIGNTO = 4;

/** Attribute type flag: the payload is a list of nested attributes. */
export const NLA_F_NESTED = 0x8000;
/** Attribute type flag: the integer payload is in network (big-endian) byte order. */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** Mask that removes the flag bits from an attribute type. */
export const NLA_TYPE_MASK = 0x3fff;
/** Size of `struct nlattr` in bytes (`NLA_HDRLEN`). */
export const NLA_HDRLEN = 4;
/** Alignment of netlink attributes in bytes (`NLA_ALIGNTO`). */
export const NLA_ALIGNTO = 4;

// --- linux/rtnetlink.h ------------------------------------------------------------------

/** Multicast group for link events; bind with group mask `1 << (RTNLGRP_LINK - 1)`. */
export const RTNLGRP_LINK = 1;

/** Message type: a link was created or changed (also each entry of a link dump). */
export const RTM_NEWLINK = 16;
/** Message type: a link was deleted, or a port left a bridge (with family `AF_BRIDGE`). */
export const RTM_DELLINK = 17;
/** Message type: request one link or, with `NLM_F_DUMP`, all links. */
export const RTM_GETLINK = 18;
/** Message type: change a link's settings. */
export const RTM_SETLINK = 19;

/** Size of `struct ifinfomsg` in bytes. */
export const IFINFOMSG_LEN = 16;

// --- linux/if_link.h --------------------------------------------------------------------

/** Link attribute: the link-layer address (payload: bytes). */
export const IFLA_ADDRESS = 1;
/** Link attribute: the interface name (payload: NUL-terminated string). */
export const IFLA_IFNAME = 3;
/** Link attribute: the MTU in bytes (payload: u32). */
export const IFLA_MTU = 4;
/** Link attribute: ifindex of the master device, such as a bridge (payload: u32). */
export const IFLA_MASTER = 10;
/** Link attribute: the RFC 2863 operational state, an `IF_OPER_*` value (payload: u8). */
export const IFLA_OPERSTATE = 16;
/** Link attribute: nested `IFLA_INFO_*` attributes that describe the link kind. */
export const IFLA_LINKINFO = 18;
/** Nested in `IFLA_LINKINFO`: the link kind, such as `veth` (payload: string). */
export const IFLA_INFO_KIND = 1;

// --- linux/if.h -------------------------------------------------------------------------

/** Device flag: the interface is administratively up. */
export const IFF_UP = 0x1;
/** Device flag: the broadcast address is valid. */
export const IFF_BROADCAST = 0x2;
/** Device flag: the interface is operationally up (RFC 2863 `up`). */
export const IFF_RUNNING = 0x40;
/** Device flag: the interface supports multicast. */
export const IFF_MULTICAST = 0x1000;
/** Device flag: the driver reports that the carrier (layer 1) is up. */
export const IFF_LOWER_UP = 0x10000;
/** Device flag: the driver reports the interface as dormant. */
export const IFF_DORMANT = 0x20000;
