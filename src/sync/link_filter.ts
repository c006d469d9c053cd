import type { LinkEvent } from "./link_event.ts";
import type { PortStatus } from "./port_status.ts";

/** Address family of bridge-port notifications (linux/socket.h). */
const AF_BRIDGE = 7;

/** Name prefixes of the netdevs the daemon manages: front-panel ports and LAGs. */
const PORT_PREFIXES = ["Ethernet", "PortChannel"] as const;

/** Reason a link event leads to no STATE_DB change. */
export type IgnoreReason =
  | "not-a-port-name"
  | "team-netdev"
  | "bridge-or-lag-removal"
  | "old-netdev";

/** Effect of one link event on STATE_DB. */
export type LinkDecision =
  | { action: "ignore"; name: string; reason: IgnoreReason }
  | { action: "set"; name: string; status: PortStatus }
  | { action: "delete"; name: string; reason: "dellink" | "renamed" };

/** Returns whether a netdev name is one the daemon manages (case-sensitive prefix). */
export function isPortName(name: string): boolean {
  return PORT_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * The LinkSync rules of SONiC, applied in order to each link event, plus rename tracking.
 *
 * 1. DELLINK with a master, or with family AF_BRIDGE, is a port leaving a bridge or a LAG,
 *    not a netdev going away: ignored.
 * 2. Events for netdevs that existed at a cold start ("old" ifindexes) are ignored, because
 *    the ASIC layer deletes and recreates them. Their DELLINK frees the ifindex for reuse.
 * 3. A NEWLINK with a known ifindex and a new name is a rename: the old name's entry goes.
 * 4. Names outside `Ethernet*` and `PortChannel*` are ignored, and so are `team` netdevs,
 *    which teamsyncd owns.
 * 5. DELLINK deletes the entry. NEWLINK sets it, if the caller finds the port in APPL_DB.
 */
export class LinkFilter {
  #oldIfindexes: Set<number>;
  #names = new Map<number, string>();

  /** @param oldIfindexes ifindexes of the netdevs to ignore; the filter takes ownership. */
  constructor(oldIfindexes: Iterable<number> = []) {
    this.#oldIfindexes = new Set(oldIfindexes);
  }

  /** Number of old ifindexes still ignored. */
  get oldCount(): number {
    return this.#oldIfindexes.size;
  }

  /** Returns whether an ifindex is ignored as old. */
  isOld(ifindex: number): boolean {
    return this.#oldIfindexes.has(ifindex);
  }

  /** Returns the name last seen for an ifindex. */
  nameOf(ifindex: number): string | undefined {
    return this.#names.get(ifindex);
  }

  /** Applies the rules to one event; a rename yields a delete before the event's own decision. */
  decide(event: LinkEvent): LinkDecision[] {
    const { name } = event;
    if (event.op === "del" && (event.master !== 0 || event.family === AF_BRIDGE)) {
      return [{ action: "ignore", name, reason: "bridge-or-lag-removal" }];
    }
    if (this.#oldIfindexes.has(event.ifindex)) {
      if (event.op === "del") this.#oldIfindexes.delete(event.ifindex);
      return [{ action: "ignore", name, reason: "old-netdev" }];
    }

    const decisions: LinkDecision[] = [];
    const previous = this.#names.get(event.ifindex);
    if (event.op === "new") {
      this.#names.set(event.ifindex, name);
      if (previous !== undefined && previous !== name && isPortName(previous)) {
        decisions.push({ action: "delete", name: previous, reason: "renamed" });
      }
    } else {
      this.#names.delete(event.ifindex);
    }

    if (!isPortName(name)) {
      decisions.push({ action: "ignore", name, reason: "not-a-port-name" });
    } else if (event.kind === "team") {
      decisions.push({ action: "ignore", name, reason: "team-netdev" });
    } else if (event.op === "del") {
      decisions.push({ action: "delete", name, reason: "dellink" });
    } else {
      decisions.push({
        action: "set",
        name,
        status: { ifindex: event.ifindex, admin: event.admin, oper: event.oper, mtu: event.mtu },
      });
    }
    return decisions;
  }
}
