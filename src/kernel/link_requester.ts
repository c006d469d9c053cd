import { decodeMessages } from "../netlink/decode_messages.ts";
import { encodeGetLinkDump, encodeSetLinkDown } from "../netlink/requests.ts";
import type { LinkMessage } from "../netlink/types.ts";
import type { MonitorSocket } from "./monitor_socket.ts";

/** A request that got no complete reply in time. */
export class NetlinkRequestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetlinkRequestError";
  }
}

/**
 * Sends requests on a netlink socket that joined no multicast group and waits for their
 * replies: a link dump for the start-up snapshot, and admin-down requests for old netdevs.
 * Requests run one at a time.
 */
export class LinkRequester {
  #socket: MonitorSocket;
  #timeoutMs: number;
  #sequence = 1;

  constructor(socket: MonitorSocket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Lists every link in the kernel with an RTM_GETLINK dump.
   *
   * @throws {NetlinkRequestError} when the dump does not finish within the timeout, is
   * interrupted by a change (NLM_F_DUMP_INTR), or the kernel returns an error.
   */
  async dumpLinks(): Promise<LinkMessage[]> {
    const sequence = ++this.#sequence;
    this.#socket.send(encodeGetLinkDump(sequence));
    const links: LinkMessage[] = [];
    await this.#collect(sequence, "link dump", (message) => {
      if (message.kind === "link") {
        if ((message.header.flags & 0x10) !== 0) {
          throw new NetlinkRequestError(
            "Link dump was interrupted by a concurrent change; request it again",
          );
        }
        links.push(message);
      } else if (message.kind === "error" && message.errno !== 0) {
        throw new NetlinkRequestError(`Link dump failed: kernel returned errno ${message.errno}`);
      }
      return message.kind === "done";
    });
    return links;
  }

  /**
   * Brings a netdev administratively down, as `ip link set DEV down` does. Returns the errno
   * of the kernel's reply, 0 on success.
   *
   * @throws {NetlinkRequestError} when no acknowledgement arrives within the timeout.
   */
  async setLinkDown(ifindex: number): Promise<number> {
    const sequence = ++this.#sequence;
    this.#socket.send(encodeSetLinkDown(sequence, ifindex));
    let errno = 0;
    await this.#collect(sequence, `link-down request for ifindex ${ifindex}`, (message) => {
      if (message.kind !== "error") return false;
      errno = message.errno;
      return true;
    });
    return errno;
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.close();
  }

  async #collect(
    sequence: number,
    what: string,
    onMessage: (message: ReturnType<typeof decodeMessages>["messages"][number]) => boolean,
  ): Promise<void> {
    const deadline = performance.now() + this.#timeoutMs;
    while (true) {
      const remaining = deadline - performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(remaining, 0));
      });
      const batch = await Promise.race([this.#socket.receiveBatch(), timeout]);
      clearTimeout(timer);
      if (batch === "timeout") {
        this.#socket.close();
        throw new NetlinkRequestError(
          `Timed out after ${this.#timeoutMs} ms waiting for the ${what} reply; check that the ` +
            "process may use netlink (CAP_NET_ADMIN)",
        );
      }
      if (batch.kind === "closed") {
        throw new NetlinkRequestError(`Socket closed while waiting for the ${what} reply`);
      }
      if (batch.kind === "error") {
        throw new NetlinkRequestError(
          `Failed to receive the ${what} reply: ${batch.errnoName}; the request will be retried`,
        );
      }
      for (const datagram of batch.datagrams) {
        for (const message of decodeMessages(datagram).messages) {
          if (message.header.sequence !== sequence) continue;
          if (onMessage(message)) return;
        }
      }
    }
  }
}
