import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DaemonState } from "../daemon/daemon.ts";
import type { DaemonObserver } from "../daemon/daemon_observer.ts";
import type { DaemonStatus } from "../daemon/daemon_status.ts";
import type { DumpReason, MonitorObserver } from "../kernel/link_monitor.ts";
import type { NetlinkDecodeError } from "../netlink/decode_error.ts";
import type { LinkEvent } from "../sync/link_event.ts";
import type { LinkDecision } from "../sync/link_filter.ts";
import type { SyncObserver } from "../sync/port_sync.ts";
import type { StateOperation } from "../sync/port_state_store.ts";
import type { EventLoopLag } from "./event_loop_lag.ts";

/** Latency buckets in seconds, from 10 µs (one Redis round trip on a unix socket) to 2.5 s. */
export const LATENCY_BUCKETS_SECONDS = [
  0.00001,
  0.000025,
  0.00005,
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
];

/** Databases whose connection state is exported. */
const DATABASES = ["CONFIG_DB", "APPL_DB", "STATE_DB"] as const;
/** Daemon states, one gauge series each. */
const STATES: readonly DaemonState[] = ["starting", "running", "stopping", "stopped"];

/** Sources of the gauges that are read at scrape time. */
export interface MetricsSources {
  status: DaemonStatus;
  lag: EventLoopLag;
}

/**
 * Every Prometheus metric of the daemon, registered in one place. It observes the netlink
 * monitor, the port sync and the daemon, and reads the rest from {@link DaemonStatus} at scrape
 * time. Names follow Prometheus conventions: `portsyncd_` prefix, base units, `_total` on
 * counters. Series with labels appear once they have a value, so none stays at a constant 0.
 */
export class DaemonMetrics implements SyncObserver, MonitorObserver, DaemonObserver {
  /** The registry to serve; it holds only this daemon's metrics. */
  readonly registry: Registry = new Registry();
  #sources: MetricsSources | undefined;
  #startedAt: number;
  #lastOper = new Map<string, boolean>();
  #now: () => number;

  #netlinkMessages: Counter<"type" | "outcome">;
  #linkEvents: Counter<"type" | "outcome">;
  #decodeErrors: Counter;
  #receiveErrors: Counter<"errno">;
  #overflows: Counter;
  #dumps: Counter<"reason">;
  #dumpFailures: Counter<"reason">;
  #redisWrites: Counter<"db">;
  #redisWriteFailures: Counter<"db">;
  #stateWriteDuration: Histogram;
  #eventLatency: Histogram;
  #reconnects: Counter<"db">;
  #portAdmin: Gauge<"port">;
  #portOper: Gauge<"port">;
  #operFlaps: Counter<"port">;
  #portInitDone: Gauge;
  #starts: Counter<"mode">;
  #reconciliation: Gauge | undefined;
  #reconciledPorts: Counter<"outcome"> | undefined;
  #resyncs: Counter;
  #lastReceiveAge!: Gauge;

  /** @param now Monotonic clock in ms; replaced in tests. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#startedAt = now();
    const registers = [this.registry];
    const sources = () => this.#sources;
    this.#netlinkMessages = new Counter({
      name: "portsyncd_netlink_messages_total",
      help: "Netlink messages read, by message type and what the monitor did with them " +
        "(decoded, or dropped as a stale dump reply or a datagram not sent by the kernel)",
      labelNames: ["type", "outcome"],
      registers,
    });
    this.#linkEvents = new Counter({
      name: "portsyncd_link_events_total",
      help: "Link messages by type and sync outcome (set, delete, renamed, or the ignore reason)",
      labelNames: ["type", "outcome"],
      registers,
    });
    this.#decodeErrors = new Counter({
      name: "portsyncd_netlink_decode_errors_total",
      help: "Malformed netlink messages skipped",
      registers,
    });
    this.#receiveErrors = new Counter({
      name: "portsyncd_netlink_receive_errors_total",
      help: "Failed netlink receives by errno name",
      labelNames: ["errno"],
      registers,
    });
    this.#overflows = new Counter({
      name: "portsyncd_netlink_overflows_total",
      help: "Netlink receive buffer overflows (ENOBUFS): the kernel dropped link events",
      registers,
    });
    this.#dumps = new Counter({
      name: "portsyncd_netlink_dumps_total",
      help: "Link dumps started, retries included, by reason (startup, or the resync cause)",
      labelNames: ["reason"],
      registers,
    });
    this.#resyncs = new Counter({
      name: "portsyncd_netlink_resyncs_total",
      help:
        "Link dumps other than the first start-up attempt: resyncs after lost events and retries",
      registers,
    });
    this.#dumpFailures = new Counter({
      name: "portsyncd_netlink_dump_failures_total",
      help: "Link dumps that failed and were retried, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.#redisWrites = new Counter({
      name: "portsyncd_redis_writes_total",
      help: "Entries written, by database (STATE_DB port operations, APPL_DB entries)",
      labelNames: ["db"],
      registers,
    });
    this.#redisWriteFailures = new Counter({
      name: "portsyncd_redis_write_failures_total",
      help: "Failed write transactions, by database; the changes are kept and written again",
      labelNames: ["db"],
      registers,
    });
    this.#stateWriteDuration = new Histogram({
      name: "portsyncd_state_db_write_duration_seconds",
      help: "Duration of one STATE_DB write transaction",
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.#eventLatency = new Histogram({
      name: "portsyncd_event_to_redis_latency_seconds",
      help: "Time from receiving a netlink batch to the confirmed STATE_DB write of its changes",
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.#reconnects = new Counter({
      name: "portsyncd_redis_reconnects_total",
      help: "Redis reconnect attempts, by database",
      labelNames: ["db"],
      registers,
    });
    new Gauge({
      name: "portsyncd_redis_connected",
      help: "1 while the connection to the database is ready, else 0",
      labelNames: ["db"],
      registers,
      collect() {
        const status = sources()?.status.redisStatus() ?? {};
        for (const db of DATABASES) {
          if (status[db] !== undefined) this.set({ db }, status[db] === "ready" ? 1 : 0);
        }
      },
    });
    this.#portAdmin = new Gauge({
      name: "portsyncd_port_admin_up",
      help: "Administrative state written to STATE_DB: 1 up, 0 down",
      labelNames: ["port"],
      registers,
    });
    this.#portOper = new Gauge({
      name: "portsyncd_port_oper_up",
      help: "Operational state written to STATE_DB: 1 up, 0 down",
      labelNames: ["port"],
      registers,
    });
    this.#operFlaps = new Counter({
      name: "portsyncd_port_oper_flaps_total",
      help: "Changes of a port's operational state seen in link messages",
      labelNames: ["port"],
      registers,
    });
    this.#portInitDone = new Gauge({
      name: "portsyncd_port_init_done_seconds",
      help: "Seconds from daemon start to the PortInitDone write",
      registers: [],
    });
    this.#starts = new Counter({
      name: "portsyncd_starts_total",
      help: "Starts of this process by mode (warm or cold)",
      labelNames: ["mode"],
      registers,
    });
    new Gauge({
      name: "portsyncd_daemon_state",
      help: "1 for the daemon's current lifecycle state, 0 for the others",
      labelNames: ["state"],
      registers,
      collect() {
        const current = sources()?.status.state;
        if (current === undefined) return;
        for (const state of STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: "portsyncd_ports_pending",
      help: "Ports with changes not yet confirmed by STATE_DB",
      registers,
      collect() {
        const status = sources()?.status;
        if (status) this.set(status.pendingPortCount);
      },
    });
    this.#lastReceiveAge = new Gauge({
      name: "portsyncd_netlink_last_receive_age_seconds",
      help: "Seconds since the last netlink batch was received",
      registers,
      collect: () => {
        const at = sources()?.status.lastNetlinkReceiveAt ?? 0;
        if (at > 0) {
          this.#lastReceiveAge.set(Math.max(0, this.#now() - at) / 1000);
        }
      },
    });
    new Gauge({
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes",
      registers,
      collect() {
        this.set(Deno.memoryUsage().rss);
      },
    });
    new Gauge({
      name: "portsyncd_event_loop_lag_seconds",
      help: "How late the event loop runs a timer that is due",
      registers,
      collect() {
        const lag = sources()?.lag;
        if (lag) this.set(lag.lagSeconds);
      },
    });
  }

  /** Connects the scrape-time gauges to the daemon and the lag probe. */
  attach(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  // MonitorObserver

  messages(kind: string, count: number): void {
    if (kind === "stale-dump-reply") {
      this.#netlinkMessages.inc({ type: "dump-reply", outcome: "stale" }, count);
    } else if (kind === "foreign-sender") {
      this.#netlinkMessages.inc({ type: "datagram", outcome: "foreign-sender" }, count);
    } else {
      this.#netlinkMessages.inc({ type: kind, outcome: "decoded" }, count);
    }
  }

  decodeError(_error: NetlinkDecodeError): void {
    this.#decodeErrors.inc();
  }

  receiveError(errnoName: string): void {
    this.#receiveErrors.inc({ errno: errnoName });
    if (errnoName === "ENOBUFS") this.#overflows.inc();
  }

  dumpStarted(reason: DumpReason, attempt: number): void {
    this.#dumps.inc({ reason });
    if (reason !== "startup" || attempt > 1) this.#resyncs.inc();
  }

  dumpFailed(reason: DumpReason, _cause: string): void {
    this.#dumpFailures.inc({ reason });
  }

  // SyncObserver

  decision(event: LinkEvent, decision: LinkDecision): void {
    const type = event.op === "new" ? "RTM_NEWLINK" : "RTM_DELLINK";
    let outcome: string;
    if (decision.action === "ignore") outcome = decision.reason;
    else if (decision.action === "delete") {
      outcome = decision.reason === "renamed" ? "renamed" : "delete";
    } else outcome = "set";
    this.#linkEvents.inc({ type, outcome });
    if (decision.action !== "set") return;
    const previous = this.#lastOper.get(decision.name);
    if (previous !== undefined && previous !== decision.status.oper) {
      this.#operFlaps.inc({ port: decision.name });
    }
    this.#lastOper.set(decision.name, decision.status.oper);
  }

  stateWritten(
    operations: StateOperation[],
    seconds: number,
    receivedAt: number | undefined,
  ): void {
    this.#redisWrites.inc({ db: "STATE_DB" }, operations.length);
    this.#stateWriteDuration.observe(seconds);
    if (receivedAt !== undefined) {
      this.#eventLatency.observe(Math.max(0, this.#now() - receivedAt) / 1000);
    }
    for (const operation of operations) {
      const port = operation.name;
      if (operation.op === "set") {
        this.#portAdmin.set({ port }, operation.status.admin ? 1 : 0);
        this.#portOper.set({ port }, operation.status.oper ? 1 : 0);
      } else {
        this.#portAdmin.remove({ port });
        this.#portOper.remove({ port });
      }
    }
  }

  stateWriteFailed(_operations: StateOperation[], _error: unknown): void {
    this.#redisWriteFailures.inc({ db: "STATE_DB" });
  }

  portInitDone(): void {
    this.#portInitDone.set((this.#now() - this.#startedAt) / 1000);
    if (!this.registry.getSingleMetric("portsyncd_port_init_done_seconds")) {
      this.registry.registerMetric(this.#portInitDone);
    }
  }

  // DaemonObserver

  startMode(warm: boolean): void {
    this.#starts.inc({ mode: warm ? "warm" : "cold" });
  }

  redisReconnect(db: string): void {
    this.#reconnects.inc({ db });
  }

  applWritten(entries: number): void {
    this.#redisWrites.inc({ db: "APPL_DB" }, entries);
  }

  applWriteFailed(_entries: number): void {
    this.#redisWriteFailures.inc({ db: "APPL_DB" });
  }

  /**
   * Records a finished warm-restart reconciliation. The series are registered on the first
   * call, so cold starts export none of them.
   */
  reconciled(
    seconds: number,
    ports: { unchanged: number; updated: number; removed: number },
  ): void {
    if (!this.#reconciliation) {
      this.#reconciliation = new Gauge({
        name: "portsyncd_warm_reconcile_seconds",
        help: "Time from process start to the end of the warm-restart reconciliation",
        registers: [this.registry],
      });
      this.#reconciledPorts = new Counter({
        name: "portsyncd_warm_reconciled_ports_total",
        help: "Ports compared at warm-restart reconciliation, by outcome",
        labelNames: ["outcome"],
        registers: [this.registry],
      });
    }
    this.#reconciliation.set(seconds);
    for (const [outcome, count] of Object.entries(ports)) {
      this.#reconciledPorts?.inc({ outcome }, count);
    }
  }
}
