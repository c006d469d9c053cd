import { getLogger } from "@logtape/logtape";
import type { RedisClient } from "../redis/redis_client.ts";
import { NetlinkSocket } from "../../ffi/netlink_socket.ts";
import type { Config } from "../config/config_schema.ts";
import { LinkMonitor, type MonitorObserver, type MonitorSegment } from "../kernel/link_monitor.ts";
import { LinkRequester } from "../kernel/link_requester.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { createConnection } from "../sonic_db/connection.ts";
import type { DatabaseConfig } from "../sonic_db/database_config.ts";
import { ProducerStateTable } from "../sonic_db/producer_state_table.ts";
import { checkWarmStart, setWarmStartState } from "../sonic_db/warm_start.ts";
import { ApplPortCache } from "../sync/appl_port_cache.ts";
import { chainSyncObservers } from "../sync/chain_sync_observers.ts";
import { LinkFilter } from "../sync/link_filter.ts";
import { PortStateStore } from "../sync/port_state_store.ts";
import { PortSync, type SyncObserver } from "../sync/port_sync.ts";
import { type PortFields, readConfigPorts, readSwitchType } from "./config_db_ports.ts";
import type { DaemonObserver } from "./daemon_observer.ts";
import type { DaemonStatus } from "./daemon_status.ts";
import { PORT_TABLE } from "../sync/appl_port_table.ts";
import { StatePortTable } from "./redis_port_tables.ts";
import { retryRedis, waitReady } from "./retry_redis.ts";
import { StallGuard } from "./stall_guard.ts";
import { SnapshotFile } from "../warm_restart/snapshot_file.ts";
import { readStatePorts } from "../warm_restart/state_db_ports.ts";
import { type InitialSyncEnd, WarmRestart } from "../warm_restart/warm_restart.ts";
import {
  createWarmRestartStats,
  type WarmRestartStats,
} from "../warm_restart/warm_restart_stats.ts";
import { untilAborted } from "./until_aborted.ts";

/** Multicast group bit of link notifications (RTNLGRP_LINK = 1, so bit value 1). */
const RTNLGRP_LINK_BIT = 1;
/** Receive buffer of the short-lived request socket. */
const REQUEST_SOCKET_BUFFER_BYTES = 1024 * 1024;
/** Maximum wait for the reply to one start-up netlink request. */
const REQUEST_TIMEOUT_MS = 5000;
/** Maximum wait for the last STATE_DB write at shutdown. */
const SHUTDOWN_FLUSH_TIMEOUT_MS = 1500;

/** Lifecycle of the daemon. */
export type DaemonState = "starting" | "running" | "stopping" | "stopped";

/** Options of {@link Daemon}. */
export interface DaemonOptions {
  config: Config;
  databaseConfig: DatabaseConfig;
  syncObserver?: SyncObserver;
  monitorObserver?: MonitorObserver;
  /** Counters the daemon adds warm-restart results to; a new object when absent. */
  warmRestartStats?: WarmRestartStats;
  observer?: DaemonObserver;
}

interface Connections {
  config: RedisClient;
  appl: RedisClient;
  state: RedisClient;
}

const log = getLogger([ROOT_CATEGORY, "daemon"]);
const redisLog = getLogger([ROOT_CATEGORY, "redis"]);

/**
 * The port synchronization daemon: start-up sequence of the C++ portsyncd, then the netlink
 * loop. Work that touches the sync state (batches, rechecks, reconnect handling) runs one item
 * at a time on an internal queue, so their Redis round trips never interleave.
 */
export class Daemon implements DaemonStatus {
  #options: DaemonOptions;
  #abort = new AbortController();
  #state: DaemonState = "starting";
  #connections: Connections | undefined;
  #monitor: LinkMonitor | undefined;
  #sync: PortSync | undefined;
  #applPorts: ApplPortCache | undefined;
  #store = new PortStateStore();
  #queue: Promise<void> = Promise.resolve();
  #recheckTimer: ReturnType<typeof setInterval> | undefined;
  #recheck: { intervalMs: number; run: () => void } | undefined;
  #warm = false;
  #initialSyncDone = false;
  #warmRestart: WarmRestart | undefined;
  #warmRestartStats: WarmRestartStats;
  #readyReported = false;
  #readerRunning = false;
  #busySince: number | undefined;
  #stallGuards: StallGuard[] = [];

  constructor(options: DaemonOptions) {
    this.#options = options;
    this.#warmRestartStats = options.warmRestartStats ?? createWarmRestartStats();
  }

  /** Warm and cold start counts and reconciliation results, for the metrics exporter. */
  get warmRestartStats(): Readonly<WarmRestartStats> {
    return this.#warmRestartStats;
  }

  /** Current lifecycle state. */
  get state(): DaemonState {
    return this.#state;
  }

  /** Whether this process started warm. */
  get warm(): boolean {
    return this.#warm;
  }

  /** Whether the start-up link dump has been handled. */
  get initialSyncDone(): boolean {
    return this.#initialSyncDone;
  }

  /** Whether APPL_DB `PortInitDone` has been written. */
  get portInitDone(): boolean {
    return this.#sync?.initDone ?? false;
  }

  /** Whether the netlink reader loop runs. */
  get netlinkReaderRunning(): boolean {
    return this.#readerRunning;
  }

  /** Monotonic ms since which the reader waits for a batch to be handled, if it does. */
  get netlinkBusySince(): number | undefined {
    return this.#busySince;
  }

  /** Whether a resync dump is running or queued. */
  get netlinkResyncing(): boolean {
    return this.#monitor?.resyncing ?? false;
  }

  /** Monotonic ms of the last received netlink batch, 0 before the first. */
  get lastNetlinkReceiveAt(): number {
    return this.#monitor?.lastReceiveAt ?? 0;
  }

  /** Ports whose confirmed STATE_DB entry has no pending change. */
  get syncedPortCount(): number {
    const pending = new Set(this.#store.pendingNames());
    let count = 0;
    for (const name of this.#store.writtenPorts().keys()) if (!pending.has(name)) count++;
    return count;
  }

  /** Ports with changes not yet confirmed by STATE_DB. */
  get pendingPortCount(): number {
    return this.#store.pendingCount;
  }

  /** Netdevs waiting for their APPL_DB entry. */
  get awaitingPortCount(): number {
    return this.#sync?.awaitingCount ?? 0;
  }

  /** Connection status per database name; empty before the connections are opened. */
  redisStatus(): Record<string, string> {
    const connections = this.#connections;
    if (!connections) return {};
    return {
      CONFIG_DB: connections.config.status,
      APPL_DB: connections.appl.status,
      STATE_DB: connections.state.status,
    };
  }

  /** Runs until {@link stop}; resolves when every socket is closed. */
  async run(): Promise<void> {
    log.info("Starting portsyncd", { pid: Deno.pid });
    try {
      await this.#start();
      if (this.#state === "starting") this.#setState("running");
      this.#readerRunning = this.#monitor !== undefined;
      try {
        // The reader waits for each batch's work; a stop must not wait for a Redis that hangs.
        await untilAborted(this.#monitor?.run() ?? Promise.resolve(), this.#abort.signal);
      } finally {
        this.#readerRunning = false;
      }
      await untilAborted(this.#queue, this.#abort.signal);
    } catch (error) {
      if (!this.#abort.signal.aborted) throw error;
    } finally {
      await this.#shutdown();
    }
  }

  /** Stops reading netlink, writes what is pending, and closes every connection. */
  stop(reason: string): void {
    if (this.#state === "stopping" || this.#state === "stopped") return;
    log.info("Stopping portsyncd", { reason });
    this.#setState("stopping");
    if (this.#recheckTimer !== undefined) clearInterval(this.#recheckTimer);
    this.#abort.abort(new Error(`stopped: ${reason}`));
    this.#monitor?.close();
  }

  async #start(): Promise<void> {
    const { config, databaseConfig } = this.#options;
    const signal = this.#abort.signal;
    const maxDelayMs = config.redis.reconnect_max_delay_ms;
    const connections = this.#connect();
    this.#connections = connections;
    for (const client of Object.values(connections)) await waitReady(client, signal);

    const configDb = databaseConfig.database("CONFIG_DB");
    const applDb = databaseConfig.database("APPL_DB");
    const stateDb = databaseConfig.database("STATE_DB");
    const producer = new ProducerStateTable(
      connections.appl,
      PORT_TABLE,
      applDb.id,
      applDb.separator,
    );

    const switchType = await retryRedis(
      "read DEVICE_METADATA switch_type",
      () => readSwitchType(connections.config, configDb.separator),
      { maxDelayMs, signal },
    );
    const warmStart = await retryRedis(
      "check warm start",
      () => checkWarmStart(connections.state, "portsyncd", "swss", stateDb.separator),
      { maxDelayMs, signal },
    );
    this.#warm = warmStart.warm;
    this.#options.observer?.startMode?.(warmStart.warm);
    log.info("Start mode", {
      mode: warmStart.warm ? "warm" : "cold",
      switch_type: switchType,
      restore_count: warmStart.restoreCount,
    });
    const warmRestart = new WarmRestart({
      warm: warmStart.warm,
      store: this.#store,
      snapshotFile: new SnapshotFile(config.warm_restart.state_file),
      snapshotIntervalMs: config.warm_restart.snapshot_interval_ms,
      initialSyncTimeoutMs: config.warm_restart.initial_sync_timeout_ms,
      writePhase: (phase) =>
        retryRedis(
          `write warm restart state ${phase}`,
          () => setWarmStartState(connections.state, "portsyncd", phase, stateDb.separator),
          { maxDelayMs, signal },
        ),
      readStatePorts: (names) => readStatePorts(connections.state, stateDb.separator, names),
      stats: this.#warmRestartStats,
    });
    this.#warmRestart = warmRestart;
    await warmRestart.begin();

    const socket = NetlinkSocket.open({
      groups: RTNLGRP_LINK_BIT,
      receiveBufferBytes: config.netlink.receive_buffer_bytes,
      onWaitFallback: (reason) =>
        log.warning("Waiting for link messages on a poll thread, which adds a thread wake-up", {
          reason,
        }),
    });
    log.info("Listening to link messages", {
      port_id: socket.portId,
      wait: socket.waitMode,
      // The kernel reports twice the requested size: it counts its own bookkeeping too.
      receive_buffer_requested: config.netlink.receive_buffer_bytes,
      receive_buffer_bytes: socket.receiveBufferBytes,
    });
    const monitor = new LinkMonitor({
      socket,
      dumpTimeoutMs: config.netlink.dump_timeout_ms,
      maxAttempts: config.netlink.resync_max_attempts,
      observer: this.#options.monitorObserver,
      onBatch: async (segments, receivedAt) => {
        this.#busySince = performance.now();
        try {
          await this.#enqueue(() => this.#handle(segments, receivedAt));
        } finally {
          this.#busySince = undefined;
        }
      },
    });
    this.#monitor = monitor;
    monitor.requestDump("startup");

    const ports = await retryRedis(
      "read CONFIG_DB PORT table",
      () => readConfigPorts(connections.config, configDb.separator),
      { maxDelayMs, signal },
    );
    if (ports.size === 0) log.info("No ports in CONFIG_DB PORT table");
    const pendingPorts = new Set(ports.keys());
    await retryRedis(
      "read STATE_DB PORT_TABLE for warm restart",
      () => warmRestart.prime(ports.keys()),
      { maxDelayMs, signal },
    );

    let oldIfindexes: number[] = [];
    if (!warmStart.warm) {
      await retryRedis(
        "check APPL_DB admin_status of configured ports",
        () => this.#dropConfiguredPorts(connections.appl, applDb.separator, pendingPorts),
        { maxDelayMs, signal },
      );
      if (switchType !== "dpu") oldIfindexes = await this.#bringOldNetdevsDown();
      await retryRedis(
        "write ports and PortConfigDone to APPL_DB",
        () => this.#countAppl(ports.size + 1, writeColdStartEntries(producer, ports)),
        { maxDelayMs, signal },
      );
      log.info("Wrote ports to APPL_DB", { count: ports.size });
    }

    this.#applPorts = new ApplPortCache({
      client: connections.appl,
      subscriber: connections.appl.duplicate({
        name: "portsyncd-appl-events",
        autoResubscribe: false,
      }),
      dbId: applDb.id,
      separator: applDb.separator,
    });
    await this.#applPorts.start();
    const applPorts = this.#applPorts;
    const applGuard = this.#guard(connections.appl, "APPL_DB");
    const stateGuard = this.#guard(connections.state, "STATE_DB");
    const stateTable = new StatePortTable(connections.state, stateDb.separator);
    this.#sync = new PortSync({
      filter: new LinkFilter(oldIfindexes),
      store: this.#store,
      appl: {
        existing: (names) =>
          applGuard.stalled
            ? Promise.reject(
              new Error(
                "Failed to read APPL_DB: a command timed out, retrying once it replies to PING",
              ),
            )
            : applGuard.watch(applPorts.existing(names)),
      },
      state: { write: (operations) => stateGuard.watch(stateTable.write(operations)) },
      canWrite: () => !stateGuard.stalled,
      announcePortInitDone: () =>
        this.#countAppl(1, producer.set("PortInitDone", [["lanes", "0"]])),
      pendingPorts,
      observer: this.#readinessObserver(
        chainSyncObservers(this.#options.syncObserver, warmRestart.syncObserver),
      ),
    });
    this.#sync.holdWrites = warmStart.warm;
    warmRestart.startInitialSync(() => {
      if (this.#state === "starting" || this.#state === "running") {
        void this.#enqueue(() => this.#finishInitialSync(undefined));
      }
    });
    // A netdev seen before its APPL_DB entry is published by this bounded recheck of only the
    // awaiting names. It asks the APPL_DB port cache, which answers from keyspace
    // notifications when the server sends them and with one pipelined EXISTS otherwise or
    // while its subscriber reconnects, so the recheck works with any server setting and needs
    // no event to have been delivered. The timer runs only while a netdev awaits, so an idle
    // daemon does not wake for it.
    this.#recheck = {
      intervalMs: config.sync.appl_recheck_interval_ms,
      run: () => {
        // While APPL_DB is away the lookup would only fail; its reconnect or recovery rechecks.
        const applAnswers = connections.appl.status === "ready" && !applGuard.stalled;
        if (this.#sync && this.#sync.awaitingCount > 0 && applAnswers) {
          this.#enqueue(() => this.#sync!.recheckAwaiting());
        }
        this.#updateRecheckTimer();
      },
    };
    this.#updateRecheckTimer();
    this.#watchReconnects(connections);
  }

  #connect(): Connections {
    const onReconnect = (
      attempt: { dbName: string; endpoint: string; attempt: number; delayMs: number },
    ) => {
      this.#options.observer?.redisReconnect?.(attempt.dbName);
      redisLog.warning("Reconnecting to Redis", {
        db: attempt.dbName,
        endpoint: attempt.endpoint,
        attempt: attempt.attempt,
        delay_ms: attempt.delayMs,
      });
    };
    const maxDelayMs = this.#options.config.redis.reconnect_max_delay_ms;
    const retryStrategy = (attempt: number) =>
      Math.min(100 * 2 ** Math.min(attempt - 1, 16), maxDelayMs);
    const open = (dbName: string, purpose: string) => {
      const client = createConnection(this.#options.databaseConfig, dbName, {
        purpose,
        onReconnect,
        retryStrategy,
        commandTimeoutMs: this.#options.config.redis.command_timeout_ms,
      });
      client.on("error", (error: Error) => {
        redisLog.warning("Redis connection error", { db: dbName, error });
      });
      return client;
    };
    return {
      config: open("CONFIG_DB", "config"),
      appl: open("APPL_DB", "appl"),
      state: open("STATE_DB", "state"),
    };
  }

  /**
   * Watches a connection for a server that stops replying (see {@link StallGuard}). On
   * recovery, pending changes are written and a resync runs, as after a reconnect.
   */
  #guard(client: RedisClient, dbName: string): StallGuard {
    const guard = new StallGuard({
      client,
      dbName,
      onRecovered: () => this.#resyncAfterRedis(),
    });
    client.on("ready", () => guard.clear());
    this.#stallGuards.push(guard);
    return guard;
  }

  /** Writes what is pending, rechecks awaiting netdevs and resyncs with a link dump. */
  #resyncAfterRedis(): void {
    if (this.#state !== "running" && this.#state !== "starting") return;
    this.#monitor?.requestDump("reconnect");
    this.#enqueue(async () => {
      await this.#sync?.flush();
      await this.#sync?.recheckAwaiting();
    });
  }

  /** After a reconnect, writes what is pending and resyncs, since events may have been missed. */
  #watchReconnects(connections: Connections): void {
    for (
      const [name, client] of [["APPL_DB", connections.appl], [
        "STATE_DB",
        connections.state,
      ]] as const
    ) {
      client.on("ready", () => {
        if (this.#state !== "running" && this.#state !== "starting") return;
        redisLog.info("Reconnected to Redis", { db: name });
        // A restarted server may have lost STATE_DB, so the resync rewrites every port.
        if (name === "STATE_DB") this.#store.markWrittenUnverified();
        this.#resyncAfterRedis();
      });
    }
  }

  /** Removes from `pending` the ports whose APPL_DB entry already has `admin_status`. */
  async #dropConfiguredPorts(
    appl: RedisClient,
    separator: string,
    pending: Set<string>,
  ): Promise<void> {
    const names = [...pending];
    if (names.length === 0) return;
    const pipeline = appl.pipeline();
    for (const name of names) {
      pipeline.call("HEXISTS", `${PORT_TABLE}${separator}${name}`, "admin_status");
    }
    const replies = (await pipeline.exec()) ?? [];
    names.forEach((name, index) => {
      const [error, found] = replies[index] ?? [null, 0];
      if (error) throw error;
      if (found === 1) pending.delete(name);
    });
  }

  /**
   * Lists the `Ethernet*` netdevs that exist before the first APPL_DB write and brings each
   * administratively down. The ASIC layer recreates them, so their later messages are ignored.
   */
  async #bringOldNetdevsDown(): Promise<number[]> {
    const requester = new LinkRequester(
      NetlinkSocket.open({ groups: 0, receiveBufferBytes: REQUEST_SOCKET_BUFFER_BYTES }),
      REQUEST_TIMEOUT_MS,
    );
    try {
      let links;
      for (let attempt = 1;; attempt++) {
        try {
          links = await requester.dumpLinks();
          break;
        } catch (error) {
          if (attempt >= 5) throw error;
          log.warning("Failed to list existing netdevs, retrying", { attempt, error });
        }
      }
      const old = links.filter((link) => link.name?.startsWith("Ethernet"));
      for (const link of old) {
        const errno = await requester.setLinkDown(link.index);
        if (errno !== 0) {
          log.warning("Failed to bring old netdev down", {
            port: link.name,
            ifindex: link.index,
            errno,
          });
        } else {
          log.info("Brought old netdev down", { port: link.name, ifindex: link.index });
        }
      }
      return old.map((link) => link.index);
    } finally {
      requester.close();
    }
  }

  /** Runs the APPL_DB recheck timer exactly while some netdev awaits its entry. */
  #updateRecheckTimer(): void {
    const needed = this.#recheck !== undefined && (this.#sync?.awaitingCount ?? 0) > 0 &&
      (this.#state === "starting" || this.#state === "running");
    if (needed && this.#recheckTimer === undefined) {
      this.#recheckTimer = setInterval(this.#recheck!.run, this.#recheck!.intervalMs);
    } else if (!needed && this.#recheckTimer !== undefined) {
      clearInterval(this.#recheckTimer);
      this.#recheckTimer = undefined;
    }
  }

  async #handle(segments: MonitorSegment[], receivedAt: number): Promise<void> {
    try {
      await this.#handleSegments(segments, receivedAt);
    } finally {
      this.#updateRecheckTimer();
    }
  }

  async #handleSegments(segments: MonitorSegment[], receivedAt: number): Promise<void> {
    const sync = this.#sync;
    if (!sync) return;
    for (const segment of segments) {
      if (segment.kind === "events") {
        this.#warmRestart?.observe(segment.events);
        await sync.handleEvents(segment.events, receivedAt);
        continue;
      }
      log.info("Link dump complete", {
        reason: segment.reason,
        attempt: segment.attempt,
        links: segment.seenNames.size,
      });
      await sync.removeVanished(segment.seenNames);
      if (segment.reason === "startup") {
        await this.#finishInitialSync({ seenNames: segment.seenNames });
      }
    }
  }

  /** Ends the initial sync: reconciles a warm start and starts the snapshot writes. */
  async #finishInitialSync(end: InitialSyncEnd): Promise<void> {
    if (!this.#sync || !this.#warmRestart) return;
    const summary = await this.#warmRestart.finishInitialSync(this.#sync, end);
    if (summary) {
      this.#options.observer?.reconciled?.(summary.durationMs / 1000, {
        unchanged: summary.unchanged,
        updated: summary.updated.length,
        removed: summary.removed.length,
      });
    }
    this.#initialSyncDone = true;
    this.#checkReady();
  }

  /** Reports APPL_DB writes of `entries` entries to the observer. */
  async #countAppl(entries: number, write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.#options.observer?.applWriteFailed?.(entries);
      throw error;
    }
    this.#options.observer?.applWritten?.(entries);
  }

  /** Wraps the sync observer so PortInitDone also checks readiness. */
  #readinessObserver(inner: SyncObserver | undefined): SyncObserver {
    return {
      decision: (event, decision) => inner?.decision?.(event, decision),
      stateWritten: (operations, seconds, receivedAt) =>
        inner?.stateWritten?.(operations, seconds, receivedAt),
      stateWriteFailed: (operations, error) => inner?.stateWriteFailed?.(operations, error),
      portInitDone: () => {
        inner?.portInitDone?.();
        this.#checkReady();
      },
    };
  }

  /** Reports readiness once: the start-up dump is handled and PortInitDone is written. */
  #checkReady(): void {
    if (this.#readyReported || !this.#initialSyncDone || !this.#sync?.initDone) return;
    this.#readyReported = true;
    this.#options.observer?.ready?.();
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(work).catch((error) => {
      log.error("Failed to handle link work item, continuing", { error });
    });
    this.#queue = next;
    return next;
  }

  async #shutdown(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#setState("stopping");
    if (this.#recheckTimer !== undefined) clearInterval(this.#recheckTimer);
    this.#monitor?.close();
    // In-flight work and the last write share one deadline, so a Redis server that accepts
    // connections but never replies cannot hold the process past it.
    const deadline = withinDeadline(SHUTDOWN_FLUSH_TIMEOUT_MS);
    try {
      const idle = await deadline.race(this.#queue.then(() => true));
      let flushed = idle;
      if (idle && this.#sync && this.#store.pendingCount > 0) {
        flushed = await deadline.race(this.#sync.flush());
      }
      // Netdevs whose APPL_DB lookup failed have a state that was not written either.
      const unchecked = new Set(this.#sync?.uncheckedNames() ?? []);
      const unwritten = [...new Set([...this.#store.pendingNames(), ...unchecked])];
      if (!flushed || unwritten.length > 0) logUnwritten(unwritten, idle);
      const awaiting = (this.#sync?.awaitingNames() ?? []).filter((name) => !unchecked.has(name));
      if (awaiting.length > 0) {
        log.info("Stopping with netdevs that still wait for their APPL_DB entry", {
          count: awaiting.length,
          ports: awaiting.slice(0, NAMES_PER_LINE).join(","),
        });
      }
    } finally {
      deadline.clear();
    }
    await this.#warmRestart?.stop();
    for (const guard of this.#stallGuards) guard.close();
    this.#applPorts?.close();
    for (const client of Object.values(this.#connections ?? {})) client.disconnect();
    this.#setState("stopped");
    log.info("Stopped portsyncd");
  }

  #setState(next: DaemonState): void {
    if (next === this.#state) return;
    log.info("Daemon state", { from: this.#state, to: next });
    this.#state = next;
    this.#options.observer?.stateChanged?.(next);
  }
}

/** Creates one time limit shared by several awaits; `clear` cancels its timer. */
function withinDeadline(ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return {
    /** Resolves with the work's result, or false once the deadline has passed. */
    race: (work: Promise<boolean>) => Promise.race([work, expired]),
    clear: () => clearTimeout(timer),
  };
}

/** Names per log line, so that no line is cut by the value length limit of the log format. */
const NAMES_PER_LINE = 16;

/** Logs at shutdown the ports whose latest state did not reach STATE_DB, a few per line. */
function logUnwritten(names: string[], idle: boolean): void {
  if (!idle) log.error("Stopping before in-flight link work finished");
  for (let start = 0; start < names.length; start += NAMES_PER_LINE) {
    log.error("Stopping with port state not written to STATE_DB", {
      count: names.length,
      ports: names.slice(start, start + NAMES_PER_LINE).join(","),
    });
  }
}

/**
 * Stages every configured port and then `PortConfigDone` in one MULTI/EXEC, so orchagent
 * never pops `PortConfigDone` without every port entry before it, even when the connection
 * drops half-way (then nothing was applied and the whole group is sent again).
 */
async function writeColdStartEntries(
  producer: ProducerStateTable,
  ports: Map<string, PortFields>,
): Promise<void> {
  await producer.execAtomic((multi) => {
    for (const [name, fields] of ports) producer.appendSet(multi, name, fields);
    producer.appendSet(multi, "PortConfigDone", [["count", String(ports.size)]]);
  });
}
