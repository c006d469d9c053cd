/**
 * The benchmark's own view of the kernel: a listener on RTNLGRP_LINK and a request socket
 * that flips links administratively, both inside the benchmark namespace.
 *
 * @module
 */

import type { NetlinkSocket } from "../ffi/netlink_socket.ts";
import { decodeMessages } from "../src/netlink/decode_messages.ts";
import { encodeLinkMessage } from "../src/netlink/encode_link_message.ts";
import { encodeGetLinkDump } from "../src/netlink/requests.ts";
import { openSocketsIn } from "./_netns_sockets.ts";

/** Multicast group bit of link notifications (RTNLGRP_LINK = 1). */
const RTNLGRP_LINK_BIT = 1;
/** Message type of a link change (linux/rtnetlink.h). */
const RTM_NEWLINK = 16;
/** Header flag of a request (linux/netlink.h). */
const NLM_F_REQUEST = 0x1;
/** Device flag: administratively up (linux/if.h). */
const IFF_UP = 0x1;
/** Device flag: operationally up, what the daemon maps to `netdev_oper_status` (linux/if.h). */
const IFF_RUNNING = 0x40;
/** Maximum wait for one link dump of the namespace. */
const DUMP_TIMEOUT_MS = 5000;

/** The kernel's view of one link, from a dump. */
export interface KernelLink {
  admin: boolean;
  oper: boolean;
}
/** Receive buffer of the listener: large, so the observer never loses what it measures. */
const LISTENER_BUFFER_BYTES = 256 * 1024 * 1024;

/** Listens to link messages and sends link-up/down requests inside one namespace. */
export class LinkObserver {
  /** Link messages received so far. */
  messages = 0;
  /** `performance.now()` of the last link message, 0 before the first. */
  lastAt = 0;
  /** Receive errors such as ENOBUFS seen by the listener. */
  errors = 0;
  #listener: NetlinkSocket;
  #requester: NetlinkSocket;
  #dumper: NetlinkSocket;
  #waiters = new Map<number, (at: number) => void>();
  #sequence = 1;
  #loop: Promise<void>;

  constructor(namespace: string) {
    [this.#listener, this.#requester, this.#dumper] = openSocketsIn(namespace, [
      { groups: RTNLGRP_LINK_BIT, receiveBufferBytes: LISTENER_BUFFER_BYTES },
      { groups: 0, receiveBufferBytes: 1024 * 1024 },
      { groups: 0, receiveBufferBytes: 1024 * 1024 },
    ]) as [NetlinkSocket, NetlinkSocket, NetlinkSocket];
    this.#loop = this.#run();
  }

  /** Resolves with the arrival time of the next link message about `ifindex`. */
  next(ifindex: number): Promise<number> {
    return new Promise((resolve) => this.#waiters.set(ifindex, resolve));
  }

  /** Forgets a waiter that timed out. */
  cancel(ifindex: number): void {
    this.#waiters.delete(ifindex);
  }

  /** Sets `ifindex` administratively up or down, as `ip link set` does, without an ack. */
  setAdmin(ifindex: number, up: boolean): void {
    this.#requester.send(encodeLinkMessage({
      type: RTM_NEWLINK,
      headerFlags: NLM_F_REQUEST,
      sequence: this.#sequence++ & 0x7fffffff,
      portId: 0,
      family: 0,
      deviceType: 0,
      index: ifindex,
      flags: up ? IFF_UP : 0,
      change: IFF_UP,
    }));
  }

  /**
   * Reads the kernel's current state of every link, by name, with an RTM_GETLINK dump. This is
   * the reference for STATE_DB because the kernel applies carrier changes late and merges
   * repeated ones: linkwatch (net/core/link_watch.c) handles 100 devices per run, 200 when
   * urgent, and delays non-urgent runs to one per second. So neither the commands sent nor
   * the notifications counted give the final state.
   */
  async dump(): Promise<Map<string, KernelLink>> {
    const sequence = this.#sequence++ & 0x7fffffff;
    this.#dumper.send(encodeGetLinkDump(sequence));
    const links = new Map<string, KernelLink>();
    const deadline = performance.now() + DUMP_TIMEOUT_MS;
    while (performance.now() < deadline) {
      const batch = await this.#dumper.receiveBatch();
      if (batch.kind === "closed") break;
      if (batch.kind === "error") {
        throw new Error(`Link dump failed: receive error ${batch.errnoName}; rerun the benchmark`);
      }
      for (const datagram of batch.datagrams) {
        for (const message of decodeMessages(datagram).messages) {
          if (message.header.sequence !== sequence) continue;
          if (message.kind === "done") return links;
          if (message.kind === "error" && message.errno !== 0) {
            throw new Error(`Link dump failed: kernel errno ${message.errno}; rerun the benchmark`);
          }
          if (message.kind === "link" && message.name !== undefined) {
            links.set(message.name, {
              admin: (message.flags & IFF_UP) !== 0,
              oper: (message.flags & IFF_RUNNING) !== 0,
            });
          }
        }
      }
    }
    throw new Error(`Link dump failed: no NLMSG_DONE within ${DUMP_TIMEOUT_MS} ms`);
  }

  /** Closes the sockets and waits for the listener loop to end. */
  async close(): Promise<void> {
    this.#listener.close();
    this.#requester.close();
    this.#dumper.close();
    await this.#loop;
  }

  async #run(): Promise<void> {
    // Bounded by the socket: close() makes receiveBatch resolve "closed".
    while (true) {
      const batch = await this.#listener.receiveBatch(1024);
      if (batch.kind === "closed") return;
      const at = performance.now();
      if (batch.kind === "error") this.errors++;
      for (const datagram of batch.datagrams) {
        for (const message of decodeMessages(datagram).messages) {
          if (message.kind !== "link") continue;
          this.messages++;
          this.lastAt = at;
          const waiter = this.#waiters.get(message.index);
          if (waiter) {
            this.#waiters.delete(message.index);
            waiter(at);
          }
        }
      }
    }
  }
}
