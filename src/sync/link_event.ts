import type { LinkMessage } from "../netlink/types.ts";

/** RTM_NEWLINK message type (linux/rtnetlink.h). */
const RTM_NEWLINK = 16;
/** Device flag: administratively up (linux/if.h). */
const IFF_UP = 0x1;
/** Device flag: operationally up per RFC 2863, as the routing stack reads it (linux/if.h). */
const IFF_RUNNING = 0x40;

/** Fields of one RTM_NEWLINK or RTM_DELLINK message that the daemon uses. */
export interface LinkEvent {
  op: "new" | "del";
  name: string;
  ifindex: number;
  /** `ifi_family`: 7 (AF_BRIDGE) for bridge-port notifications. */
  family: number;
  /** Administrative state, from IFF_UP. */
  admin: boolean;
  /** Operational state, from IFF_RUNNING (not IFF_LOWER_UP, not IFLA_OPERSTATE). */
  oper: boolean;
  /** Kernel MTU, absent when the message carries no IFLA_MTU. */
  mtu: number | undefined;
  /** Ifindex of the master device, 0 when none. */
  master: number;
  /** IFLA_INFO_KIND, such as `veth` or `team`. */
  kind: string | undefined;
  /** True for replies to the daemon's own dump requests, false for multicast events. */
  fromDump: boolean;
}

/** Derives a link event from a decoded message; returns undefined when it carries no name. */
export function toLinkEvent(message: LinkMessage, fromDump: boolean): LinkEvent | undefined {
  if (message.name === undefined) return undefined;
  return {
    op: message.header.type === RTM_NEWLINK ? "new" : "del",
    name: message.name,
    ifindex: message.index,
    family: message.family,
    admin: (message.flags & IFF_UP) !== 0,
    oper: (message.flags & IFF_RUNNING) !== 0,
    mtu: message.mtu,
    master: message.master ?? 0,
    kind: message.linkKind,
    fromDump,
  };
}
