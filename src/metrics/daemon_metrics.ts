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
import { type AnyMetricFamily, Counter, Gauge, Histogram, Registry } from "./registry/mod.ts";

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

  #netlinkMessages: Counter<readonly ["type", "outcome"]>;
  #linkEvents: Counter<readonly ["type", "outcome"]>;
  #decodeErrors: Counter;
  #receiveErrors: Counter<readonly ["errno"]>;
  #overflows: Counter;
  #dumps: Counter<readonly ["reason"]>;
  #dumpFailures: Counter<readonly ["reason"]>;
  #redisWrites: Counter<readonly ["db"]>;
  #redisWriteFailures: Counter<readonly ["db"]>;
  #stateWriteDuration: Histogram;
  #eventLatency: Histogram;
  #reconnects: Counter<readonly ["db"]>;
  #portAdmin: Gauge<readonly ["port"]>;
  #portOper: Gauge<readonly ["port"]>;
  #operFlaps: Counter<readonly ["port"]>;
  #portInitDone: Gauge;
  #starts: Counter<readonly ["mode"]>;
  #reconciliation: Gauge | undefined;
  #reconciledPorts: Counter<readonly ["outcome"]> | undefined;
  #resyncs: Counter;

  /** @param now Monotonic clock in ms; replaced in tests. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#startedAt = now();
    const add = <F extends AnyMetricFamily>(family: F): F => this.registry.register(family);
    const sources = () => this.#sources;
    this.#netlinkMessages = add(
      new Counter({
        name: "portsyncd_netlink_messages_total",
        help: "Netlink messages read, by message type and what the monitor did with them " +
          "(decoded, or dropped as a stale dump reply or a datagram not sent by the kernel)",
        labelNames: ["type", "outcome"],
      }),
    );
    this.#linkEvents = add(
      new Counter({
        name: "portsyncd_link_events_total",
        help: "Link messages by type and sync outcome (set, delete, renamed, or the ignore reason)",
        labelNames: ["type", "outcome"],
      }),
    );
    this.#decodeErrors = add(
      new Counter({
        name: "portsyncd_netlink_decode_errors_total",
        help: "Malformed netlink messages skipped",
      }),
    );
    this.#receiveErrors = add(
      new Counter({
        name: "portsyncd_netlink_receive_errors_total",
        help: "Failed netlink receives by errno name",
        labelNames: ["errno"],
      }),
    );
    this.#overflows = add(
      new Counter({
        name: "portsyncd_netlink_overflows_total",
        help: "Netlink receive buffer overflows (ENOBUFS): the kernel dropped link events",
      }),
    );
    this.#dumps = add(
      new Counter({
        name: "portsyncd_netlink_dumps_total",
        help: "Link dumps started, retries included, by reason (startup, or the resync cause)",
        labelNames: ["reason"],
      }),
    );
    this.#resyncs = add(
      new Counter({
        name: "portsyncd_netlink_resyncs_total",
        help:
          "Link dumps after lost or cut events, and retries of any dump; not the first dump at " +
          "start-up or after a Redis reconnect",
      }),
    );
    this.#dumpFailures = add(
      new Counter({
        name: "portsyncd_netlink_dump_failures_total",
        help: "Link dumps that failed and were retried, by reason",
        labelNames: ["reason"],
      }),
    );
    this.#redisWrites = add(
      new Counter({
        name: "portsyncd_redis_writes_total",
        help: "Entries written, by database (STATE_DB port operations, APPL_DB entries)",
        labelNames: ["db"],
      }),
    );
    this.#redisWriteFailures = add(
      new Counter({
        name: "portsyncd_redis_write_failures_total",
        help: "Failed write transactions, by database; the changes are kept and written again",
        labelNames: ["db"],
      }),
    );
    this.#stateWriteDuration = add(
      new Histogram({
        name: "portsyncd_state_db_write_duration_seconds",
        help: "Duration of one STATE_DB write transaction",
        buckets: LATENCY_BUCKETS_SECONDS,
      }),
    );
    this.#eventLatency = add(
      new Histogram({
        name: "portsyncd_event_to_redis_latency_seconds",
        help: "Time from receiving a netlink batch to the confirmed STATE_DB write of its changes",
        buckets: LATENCY_BUCKETS_SECONDS,
      }),
    );
    this.#reconnects = add(
      new Counter({
        name: "portsyncd_redis_reconnects_total",
        help: "Redis reconnect attempts, by database",
        labelNames: ["db"],
      }),
    );
    add(
      new Gauge({
        name: "portsyncd_redis_connected",
        help: "1 while the connection to the database is ready, else 0",
        labelNames: ["db"],
        collect(gauge) {
          const status = sources()?.status.redisStatus() ?? {};
          for (const db of DATABASES) {
            if (status[db] !== undefined) gauge.labels(db).set(status[db] === "ready" ? 1 : 0);
          }
        },
      }),
    );
    this.#portAdmin = add(
      new Gauge({
        name: "portsyncd_port_admin_up",
        help: "Administrative state written to STATE_DB: 1 up, 0 down",
        labelNames: ["port"],
      }),
    );
    this.#portOper = add(
      new Gauge({
        name: "portsyncd_port_oper_up",
        help: "Operational state written to STATE_DB: 1 up, 0 down",
        labelNames: ["port"],
      }),
    );
    this.#operFlaps = add(
      new Counter({
        name: "portsyncd_port_oper_flaps_total",
        help: "Changes of a port's operational state seen in link messages",
        labelNames: ["port"],
      }),
    );
    // Registered at PortInitDone, so it is absent rather than 0 until then.
    this.#portInitDone = new Gauge({
      name: "portsyncd_port_init_done_seconds",
      help: "Seconds from daemon start to the PortInitDone write",
    });
    this.#starts = add(
      new Counter({
        name: "portsyncd_starts_total",
        help: "Starts of this process by mode (warm or cold)",
        labelNames: ["mode"],
      }),
    );
    add(
      new Gauge({
        name: "portsyncd_daemon_state",
        help: "1 for the daemon's current lifecycle state, 0 for the others",
        labelNames: ["state"],
        collect(gauge) {
          const current = sources()?.status.state;
          if (current === undefined) return;
          for (const state of STATES) gauge.labels(state).set(state === current ? 1 : 0);
        },
      }),
    );
    add(
      new Gauge({
        name: "portsyncd_ports_pending",
        help: "Ports with changes not yet confirmed by STATE_DB",
        collect(gauge) {
          const status = sources()?.status;
          if (status) gauge.set(status.pendingPortCount);
        },
      }),
    );
    add(
      new Gauge({
        name: "portsyncd_netlink_last_receive_age_seconds",
        help: "Seconds since the last netlink batch was received",
        collect: (gauge) => {
          const at = sources()?.status.lastNetlinkReceiveAt ?? 0;
          if (at > 0) gauge.set(Math.max(0, this.#now() - at) / 1000);
        },
      }),
    );
    add(
      new Gauge({
        name: "process_resident_memory_bytes",
        help: "Resident memory size in bytes",
        collect(gauge) {
          gauge.set(Deno.memoryUsage().rss);
        },
      }),
    );
    add(
      new Gauge({
        name: "portsyncd_event_loop_lag_seconds",
        help:
          "How late the event loop runs a timer that is due; kept from the last probe while idle",
        collect(gauge) {
          const lag = sources()?.lag;
          if (lag) gauge.set(lag.lagSeconds);
        },
      }),
    );
  }

  /** Connects the scrape-time gauges to the daemon and the lag probe. */
  attach(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** Prometheus text exposition of every metric. */
  text(): string {
    return this.registry.render();
  }

  /** Content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  // MonitorObserver

  batchReceived(): void {
    this.#sources?.lag.touch();
  }

  messages(kind: string, count: number): void {
    if (kind === "stale-dump-reply") {
      this.#netlinkMessages.labels("dump-reply", "stale").inc(count);
    } else if (kind === "foreign-sender") {
      this.#netlinkMessages.labels("datagram", "foreign-sender").inc(count);
    } else {
      this.#netlinkMessages.labels(kind, "decoded").inc(count);
    }
  }

  decodeError(_error: NetlinkDecodeError): void {
    this.#decodeErrors.inc();
  }

  receiveError(errnoName: string): void {
    this.#receiveErrors.labels(errnoName).inc();
    if (errnoName === "ENOBUFS") this.#overflows.inc();
  }

  dumpStarted(reason: DumpReason, attempt: number): void {
    this.#dumps.labels(reason).inc();
    // The first dump after start-up or after Redis came back is routine, not lost events.
    // Its retries mean the dump itself was cut short, so they count.
    if ((reason !== "startup" && reason !== "reconnect") || attempt > 1) this.#resyncs.inc();
  }

  dumpFailed(reason: DumpReason, _cause: string): void {
    this.#dumpFailures.labels(reason).inc();
  }

  // SyncObserver

  decision(event: LinkEvent, decision: LinkDecision): void {
    const type = event.op === "new" ? "RTM_NEWLINK" : "RTM_DELLINK";
    let outcome: string;
    if (decision.action === "ignore") outcome = decision.reason;
    else if (decision.action === "delete") {
      outcome = decision.reason === "renamed" ? "renamed" : "delete";
    } else outcome = "set";
    this.#linkEvents.labels(type, outcome).inc();
    if (decision.action !== "set") return;
    const previous = this.#lastOper.get(decision.name);
    if (previous !== undefined && previous !== decision.status.oper) {
      this.#operFlaps.labels(decision.name).inc();
    }
    this.#lastOper.set(decision.name, decision.status.oper);
  }

  stateWritten(
    operations: StateOperation[],
    seconds: number,
    receivedAt: number | undefined,
  ): void {
    this.#redisWrites.labels("STATE_DB").inc(operations.length);
    this.#stateWriteDuration.observe(seconds);
    if (receivedAt !== undefined) {
      this.#eventLatency.observe(Math.max(0, this.#now() - receivedAt) / 1000);
    }
    for (const operation of operations) {
      const port = operation.name;
      if (operation.op === "set") {
        this.#portAdmin.labels(port).set(operation.status.admin ? 1 : 0);
        this.#portOper.labels(port).set(operation.status.oper ? 1 : 0);
      } else {
        this.#portAdmin.remove(port);
        this.#portOper.remove(port);
      }
    }
  }

  stateWriteFailed(_operations: StateOperation[], _error: unknown): void {
    this.#redisWriteFailures.labels("STATE_DB").inc();
  }

  portInitDone(): void {
    this.#portInitDone.set((this.#now() - this.#startedAt) / 1000);
    if (!this.registry.get(this.#portInitDone.name)) this.registry.register(this.#portInitDone);
  }

  // DaemonObserver

  startMode(warm: boolean): void {
    this.#starts.labels(warm ? "warm" : "cold").inc();
  }

  redisReconnect(db: string): void {
    this.#reconnects.labels(db).inc();
  }

  applWritten(entries: number): void {
    this.#redisWrites.labels("APPL_DB").inc(entries);
  }

  applWriteFailed(_entries: number): void {
    this.#redisWriteFailures.labels("APPL_DB").inc();
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
      this.#reconciliation = this.registry.register(
        new Gauge({
          name: "portsyncd_warm_reconcile_seconds",
          help: "Time from process start to the end of the warm-restart reconciliation",
        }),
      );
      this.#reconciledPorts = this.registry.register(
        new Counter({
          name: "portsyncd_warm_reconciled_ports_total",
          help: "Ports compared at warm-restart reconciliation, by outcome",
          labelNames: ["outcome"],
        }),
      );
    }
    this.#reconciliation.set(seconds);
    for (const [outcome, count] of Object.entries(ports)) {
      this.#reconciledPorts?.labels(outcome).inc(count);
    }
  }
}
