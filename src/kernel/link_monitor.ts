import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { decodeMessages } from "../netlink/decode_messages.ts";
import type { NetlinkDecodeError } from "../netlink/decode_error.ts";
import { encodeGetLinkDump } from "../netlink/requests.ts";
import type { NetlinkMessage } from "../netlink/types.ts";
import { type LinkEvent, toLinkEvent } from "../sync/link_event.ts";
import type { MonitorSocket } from "./monitor_socket.ts";

/** Flag of a dump reply whose data changed while it was being dumped (linux/netlink.h). */
const NLM_F_DUMP_INTR = 0x10;
/** Errno of a receive-buffer overflow: the kernel dropped messages. */
const ENOBUFS = 105;
/** Delay between resync attempts once the fast attempts are used up, in ms. */
export const SLOW_RETRY_MS = 30_000;

/** Reason for a dump request. */
export type DumpReason =
  | "startup"
  | "overflow"
  | "truncated"
  | "inconsistent"
  | "reconnect"
  | "receive_error";

/** One piece of a received batch, in kernel order. */
export type MonitorSegment =
  | { kind: "events"; events: LinkEvent[] }
  | { kind: "dump-done"; reason: DumpReason; seenNames: Set<string>; attempt: number };

/** Counters and callbacks for metrics; every method is optional. */
export interface MonitorObserver {
  messages?(kind: string, count: number): void;
  decodeError?(error: NetlinkDecodeError): void;
  receiveError?(errnoName: string): void;
  dumpStarted?(reason: DumpReason, attempt: number): void;
  dumpFailed?(reason: DumpReason, cause: string): void;
  batchReceived?(): void;
}

/** Options of {@link LinkMonitor}. */
export interface LinkMonitorOptions {
  socket: MonitorSocket;
  /** Called for every received batch; the next batch is read only once it resolves. */
  onBatch: (segments: MonitorSegment[], receivedAt: number) => Promise<void>;
  /** Time without a reply after which a dump is taken as lost. */
  dumpTimeoutMs: number;
  /** Fast dump attempts per resync; later attempts wait {@link slowRetryMs} each. */
  maxAttempts: number;
  /** Delay between attempts after the fast ones, in ms. @default {SLOW_RETRY_MS} */
  slowRetryMs?: number;
  /**
   * Wait before the next read during a burst, in ms; 0 reads at once. A batch that comes less
   * than {@link BURST_GAP_MS} after the previous one marks a burst, so an isolated change is
   * never delayed. @default {COALESCE_MS}
   */
  coalesceMs?: number;
  observer?: MonitorObserver;
}

/** Time between two batches below which they count as one burst, in ms. */
export const BURST_GAP_MS = 2;
/**
 * Default of {@link LinkMonitorOptions.coalesceMs}. In a storm of 15,000 changes per second a
 * batch otherwise carries one or two messages, each with its own Redis transaction. After a
 * 1 ms wait it carries about fifteen. That halved the CPU per write (bench/RESULTS.md, round 4)
 * and adds about 1 ms of latency, only while the storm lasts.
 */
export const COALESCE_MS = 1;

interface ActiveDump {
  sequence: number;
  reason: DumpReason;
  attempt: number;
  inconsistent: boolean;
  seenNames: Set<string>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const log = getLogger([ROOT_CATEGORY, "netlink"]);

/**
 * Reads link notifications and dump replies from one netlink socket and turns them into
 * ordered segments of link events.
 *
 * Any sign that events were lost (ENOBUFS or any other receive error, a truncated datagram, a
 * dump marked NLM_F_DUMP_INTR or one that stops replying) starts a resync: a new RTM_GETLINK
 * dump on the same socket, so its replies stay ordered with the events around them. Only one dump runs at a time; requests
 * made meanwhile are merged into one that follows. Failed attempts are retried with a backoff
 * of 100 ms doubling up to 5 s, `maxAttempts` times; after that every 30 s until one succeeds,
 * so the state never stays stale for want of a new fault. A new fault during that slow wait
 * starts a dump at once, with fast attempts again.
 *
 * An overflow incident runs from the first ENOBUFS to the end of the next complete dump. Its
 * first ENOBUFS is logged as a warning; the later ones are counted, and the count is logged
 * with the end of the incident.
 */
export class LinkMonitor {
  #options: LinkMonitorOptions;
  #sequence = 1000;
  #dump: ActiveDump | undefined;
  #queued: { reason: DumpReason; attempt: number } | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether {@link #retryTimer} waits for a slow retry, after the fast attempts. */
  #slowRetry = false;
  /** The overflow incident in progress: ENOBUFS reads so far and the time of the first. */
  #overflow: { count: number; since: number } | undefined;
  #closed = false;
  #lastReceiveAt = 0;

  constructor(options: LinkMonitorOptions) {
    this.#options = options;
  }

  /** Monotonic time in ms of the last received batch, 0 before the first. */
  get lastReceiveAt(): number {
    return this.#lastReceiveAt;
  }

  /** Whether a dump is running or waiting to be retried. */
  get resyncing(): boolean {
    return this.#dump !== undefined || this.#retryTimer !== undefined ||
      this.#queued !== undefined;
  }

  /** Requests a full link dump; merges with a dump that is already running or queued. */
  requestDump(reason: DumpReason): void {
    if (this.#closed) return;
    if (this.#slowRetry && this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#slowRetry = false;
    }
    if (this.#dump || this.#retryTimer !== undefined) {
      this.#queued ??= { reason, attempt: 1 };
      return;
    }
    this.#startDump(reason, 1);
  }

  /** Reads until the socket is closed. */
  async run(): Promise<void> {
    const coalesceMs = this.#options.coalesceMs ?? COALESCE_MS;
    let previousAt = Number.NEGATIVE_INFINITY;
    while (!this.#closed) {
      // Borrowed datagrams are decoded below, before the next call reuses their buffer.
      const batch = await this.#options.socket.receiveBatch(undefined, { borrow: true });
      if (batch.kind === "closed") break;
      const receivedAt = performance.now();
      const burst = receivedAt - previousAt < BURST_GAP_MS;
      previousAt = receivedAt;
      this.#lastReceiveAt = receivedAt;
      this.#options.observer?.batchReceived?.();
      const segments: MonitorSegment[] = [];
      for (const datagram of batch.datagrams) {
        this.#decode(datagram, segments);
      }
      if (batch.kind === "error") {
        this.#options.observer?.receiveError?.(batch.errnoName);
        if (batch.errno === ENOBUFS) {
          if (this.#overflow) {
            this.#overflow.count++;
          } else {
            this.#overflow = { count: 1, since: receivedAt };
            log.warning("Netlink receive buffer overflowed, events were lost; resyncing", {
              errno: batch.errnoName,
            });
          }
        } else {
          // Events may have been lost with the read. Also, once in a loaded test run, an ENOBUFS
          // was read back as ENOENT, so the errno itself is not fully trusted: resync too.
          log.error("Failed to receive from netlink socket; resyncing", {
            errno: batch.errnoName,
          });
        }
        if (this.#dump) this.#dump.inconsistent = true;
        this.requestDump(batch.errno === ENOBUFS ? "overflow" : "receive_error");
      } else {
        if (batch.truncated > 0) {
          log.warning("Dropped truncated netlink datagrams; resyncing", {
            count: batch.truncated,
          });
          if (this.#dump) this.#dump.inconsistent = true;
          this.requestDump("truncated");
        }
        if (batch.foreignSenders > 0) {
          this.#options.observer?.messages?.("foreign-sender", batch.foreignSenders);
          log.warning("Dropped netlink datagrams not sent by the kernel", {
            count: batch.foreignSenders,
          });
        }
      }
      if (log.isEnabledFor("debug")) {
        log.debug("Received netlink batch", {
          datagrams: batch.datagrams.length,
          segments: segments.length,
        });
      }
      if (segments.length > 0) {
        await this.#options.onBatch(segments, receivedAt);
      }
      if (burst && coalesceMs > 0 && !this.#closed) {
        await new Promise((resolve) => setTimeout(resolve, coalesceMs));
      }
    }
  }

  /** Stops reading and cancels pending dumps; a running {@link run} resolves. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#dump) clearTimeout(this.#dump.timer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#slowRetry = false;
    this.#dump = undefined;
    this.#retryTimer = undefined;
    this.#options.socket.close();
  }

  #decode(datagram: Uint8Array, segments: MonitorSegment[]): void {
    const { messages, errors } = decodeMessages(datagram);
    for (const error of errors) {
      this.#options.observer?.decodeError?.(error);
      log.warning("Skipped malformed netlink message", { error: error.message });
    }
    for (const message of messages) {
      this.#handleMessage(message, segments);
    }
  }

  #handleMessage(message: NetlinkMessage, segments: MonitorSegment[]): void {
    const observer = this.#options.observer;
    const dump = this.#dump;
    const sequence = message.header.sequence;
    const isDumpReply = dump !== undefined && sequence === dump.sequence && sequence !== 0;
    if (sequence !== 0 && !isDumpReply) {
      observer?.messages?.("stale-dump-reply", 1);
      return;
    }
    if (isDumpReply) {
      this.#restartDumpTimer(dump);
      if ((message.header.flags & NLM_F_DUMP_INTR) !== 0) dump.inconsistent = true;
    }
    switch (message.kind) {
      case "link": {
        const event = toLinkEvent(message, isDumpReply);
        observer?.messages?.(message.header.type === 16 ? "RTM_NEWLINK" : "RTM_DELLINK", 1);
        if (!event) return;
        // The kernel builds a dump lazily, as the socket is read, so events can arrive between
        // its parts. A netdev announced during the dump exists even if the dump missed it.
        if (dump && (isDumpReply || event.op === "new")) dump.seenNames.add(event.name);
        const last = segments.at(-1);
        if (last?.kind === "events") last.events.push(event);
        else segments.push({ kind: "events", events: [event] });
        return;
      }
      case "done":
        observer?.messages?.("NLMSG_DONE", 1);
        if (isDumpReply) this.#finishDump(dump, segments);
        return;
      case "error":
        observer?.messages?.("NLMSG_ERROR", 1);
        if (isDumpReply && message.errno !== 0) {
          this.#failDump(dump, `kernel returned errno ${message.errno}`);
        }
        return;
      case "other":
        observer?.messages?.("other", 1);
        return;
    }
  }

  #startDump(reason: DumpReason, attempt: number): void {
    const sequence = ++this.#sequence;
    const dump: ActiveDump = {
      sequence,
      reason,
      attempt,
      inconsistent: false,
      seenNames: new Set(),
      timer: undefined,
    };
    this.#dump = dump;
    this.#restartDumpTimer(dump);
    this.#options.observer?.dumpStarted?.(reason, attempt);
    log.info("Requesting link dump", { reason, attempt, sequence });
    try {
      this.#options.socket.send(encodeGetLinkDump(sequence));
    } catch (error) {
      this.#failDump(dump, String(error));
    }
  }

  #restartDumpTimer(dump: ActiveDump): void {
    clearTimeout(dump.timer);
    dump.timer = setTimeout(
      () => this.#failDump(dump, `no reply for ${this.#options.dumpTimeoutMs} ms`),
      this.#options.dumpTimeoutMs,
    );
  }

  #finishDump(dump: ActiveDump, segments: MonitorSegment[]): void {
    clearTimeout(dump.timer);
    this.#dump = undefined;
    if (dump.inconsistent) {
      this.#retry(dump, "the dump was interrupted or events were lost during it");
      return;
    }
    if (this.#overflow) {
      log.info("Resynced after netlink receive buffer overflow", {
        overflows: this.#overflow.count,
        duration_ms: Math.round(performance.now() - this.#overflow.since),
      });
      this.#overflow = undefined;
    }
    segments.push({
      kind: "dump-done",
      reason: dump.reason,
      seenNames: dump.seenNames,
      attempt: dump.attempt,
    });
    this.#startQueued();
  }

  #failDump(dump: ActiveDump, cause: string): void {
    if (this.#dump !== dump) return;
    clearTimeout(dump.timer);
    this.#dump = undefined;
    this.#options.observer?.dumpFailed?.(dump.reason, cause);
    this.#retry(dump, cause);
  }

  #retry(dump: ActiveDump, cause: string): void {
    if (this.#closed) return;
    const queued = this.#queued;
    this.#queued = undefined;
    if (dump.attempt >= this.#options.maxAttempts && queued) {
      // A fault reported meanwhile gets a new dump now, with fast attempts again.
      this.#startDump(queued.reason, 1);
      return;
    }
    const slow = dump.attempt >= this.#options.maxAttempts;
    const delayMs = slow
      ? this.#options.slowRetryMs ?? SLOW_RETRY_MS
      : Math.min(100 * 2 ** (dump.attempt - 1), 5000);
    const fields = { reason: dump.reason, attempt: dump.attempt + 1, delay_ms: delayMs, cause };
    if (slow) log.error("Link dump still failing after the fast attempts, retrying later", fields);
    else log.warning("Link dump incomplete, retrying", fields);
    this.#slowRetry = slow;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#slowRetry = false;
      this.#startDump(dump.reason, dump.attempt + 1);
    }, delayMs);
  }

  #startQueued(): void {
    const queued = this.#queued;
    this.#queued = undefined;
    if (queued) this.#startDump(queued.reason, queued.attempt);
  }
}
