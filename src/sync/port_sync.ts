import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import type { LinkEvent } from "./link_event.ts";
import type { LinkDecision, LinkFilter } from "./link_filter.ts";
import type { PortStateStore, StateOperation } from "./port_state_store.ts";
import type { PortStatus } from "./port_status.ts";

/** Finds which port names have an APPL_DB `PORT_TABLE:<name>` entry (the popped, final hash). */
export interface ApplPortLookup {
  existing(names: string[]): Promise<Set<string>>;
}

/** Writes STATE_DB port operations, all or none. */
export interface StateWriter {
  write(operations: StateOperation[]): Promise<void>;
}

/** Callbacks for metrics and health; every method is optional. */
export interface SyncObserver {
  decision?(event: LinkEvent, decision: LinkDecision): void;
  stateWritten?(
    operations: StateOperation[],
    seconds: number,
    receivedAt: number | undefined,
  ): void;
  stateWriteFailed?(operations: StateOperation[], error: unknown): void;
  portInitDone?(): void;
}

/** Dependencies of {@link PortSync}. */
export interface PortSyncOptions {
  filter: LinkFilter;
  store: PortStateStore;
  appl: ApplPortLookup;
  state: StateWriter;
  /** Writes APPL_DB `PortInitDone`; called once, after the batch that saw the last port. */
  announcePortInitDone: () => Promise<void>;
  /** Configured ports whose netdev has not been seen with its APPL_DB entry yet. */
  pendingPorts: Set<string>;
  observer?: SyncObserver;
  /**
   * Returns false while STATE_DB is known not to reply, and changes then stay pending, without a
   * write that would wait for the command timeout. Always writable when absent.
   */
  canWrite?: () => boolean;
  /** Clock in milliseconds; replaced in tests. */
  now?: () => number;
}

const linkLog = getLogger([ROOT_CATEGORY, "link"]);
const syncLog = getLogger([ROOT_CATEGORY, "sync"]);

/**
 * Turns batches of link events into STATE_DB writes and the PortInitDone signal.
 *
 * A batch is handled in three steps: the filter decides each event in order, one Redis round
 * trip finds which names have an APPL_DB entry, and one MULTI/EXEC writes the coalesced result.
 * A netdev seen before its APPL_DB entry is kept "awaiting" and checked again by
 * {@link recheckAwaiting}, so its state appears once the entry does, without a new message.
 * A netdev whose lookup failed waits the same way: the C++ daemon writes a NEWLINK only when
 * the APPL_DB entry exists, and the entry may have been deleted while Redis was away.
 */
export class PortSync {
  #options: PortSyncOptions;
  #awaiting = new Map<string, PortStatus>();
  /** Awaiting names whose last APPL_DB lookup failed, so their state is simply unpublished. */
  #unchecked = new Set<string>();
  #holdWrites = false;
  #initDone = false;
  #flushing: Promise<boolean> | undefined;
  #now: () => number;

  constructor(options: PortSyncOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Whether PortInitDone has been written. */
  get initDone(): boolean {
    return this.#initDone;
  }

  /** Count of netdevs that wait for their APPL_DB entry. */
  get awaitingCount(): number {
    return this.#awaiting.size;
  }

  /** Names of netdevs that wait for their APPL_DB entry. */
  awaitingNames(): string[] {
    return [...this.#awaiting.keys()];
  }

  /** Names of awaiting netdevs whose APPL_DB lookup failed, such as while Redis is down. */
  uncheckedNames(): string[] {
    return [...this.#unchecked];
  }

  /**
   * Pauses STATE_DB writes while true; changes keep coalescing in the store. A warm start pauses
   * them until reconciliation.
   */
  set holdWrites(hold: boolean) {
    this.#holdWrites = hold;
  }

  /** Marks PortInitDone as already handled, such as after a failed-over restart. */
  markInitDone(): void {
    this.#initDone = true;
  }

  /**
   * Handles one batch of events in kernel order. Multicast events are always written, as the
   * C++ daemon does; replies to dumps are written only when the port's fields changed, so a
   * resync or a warm start touches only what differs.
   */
  async handleEvents(events: LinkEvent[], receivedAt?: number): Promise<void> {
    const decided: Array<{ event: LinkEvent; decision: LinkDecision }> = [];
    for (const event of events) {
      for (const decision of this.#options.filter.decide(event)) {
        decided.push({ event, decision });
      }
    }

    const candidates = new Set<string>();
    for (const { decision } of decided) {
      if (decision.action === "set") candidates.add(decision.name);
    }
    const existing = await this.#lookup([...candidates]);

    const outcomes: string[] = [];
    for (const { event, decision } of decided) {
      outcomes.push(this.#apply(event, decision, existing ?? new Set(), existing === undefined));
    }
    // The write goes out first. The batch's log lines and metrics are produced while Redis
    // runs it, so they add nothing to the time until STATE_DB changes.
    const flushed = this.flush(receivedAt);
    decided.forEach(({ event, decision }, index) =>
      this.#report(event, decision, outcomes[index]!)
    );
    await flushed;
    await this.#checkPortInitDone();
  }

  /**
   * Deletes the entries of ports that a complete dump did not show, because their netdev went
   * away while events were lost.
   */
  async removeVanished(seenNames: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const name of this.#options.store.presentNames()) {
      if (!seenNames.has(name) && this.#options.store.delete(name, true)) removed.push(name);
    }
    for (const name of this.#awaiting.keys()) {
      if (!seenNames.has(name)) this.#stopAwaiting(name);
    }
    if (removed.length > 0) {
      syncLog.info("Deleting ports whose netdev vanished", { ports: removed.join(",") });
    }
    await this.flush();
    return removed;
  }

  /** Checks the awaiting netdevs against APPL_DB again and publishes those now present. */
  async recheckAwaiting(): Promise<void> {
    if (this.#awaiting.size === 0) return;
    const names = [...this.#awaiting.keys()];
    const existing = await this.#lookup(names);
    if (existing === undefined) return;
    for (const name of names) {
      if (!existing.has(name)) this.#unchecked.delete(name);
    }
    if (existing.size === 0) return;
    for (const name of existing) {
      const status = this.#awaiting.get(name);
      if (!status) continue;
      this.#stopAwaiting(name);
      this.#options.store.set(name, status);
      this.#options.pendingPorts.delete(name);
      syncLog.info("Found APPL_DB entry of awaiting port", { port: name, ifindex: status.ifindex });
    }
    await this.flush();
    await this.#checkPortInitDone();
  }

  /**
   * Writes pending changes to STATE_DB in one transaction. Returns false when the write failed
   * (the changes stay pending) or writes are held. Concurrent calls share one write.
   */
  flush(receivedAt?: number): Promise<boolean> {
    if (this.#flushing) {
      return this.#flushing.then(() => this.flush(receivedAt));
    }
    this.#flushing = this.#flushOnce(receivedAt).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushOnce(receivedAt: number | undefined): Promise<boolean> {
    const { store, state, observer } = this.#options;
    if (this.#holdWrites || this.#options.canWrite?.() === false) return false;
    if (store.pendingCount === 0) return true;
    const operations = store.take();
    const started = this.#now();
    try {
      await state.write(operations);
    } catch (error) {
      store.restore();
      observer?.stateWriteFailed?.(operations, error);
      syncLog.error("Failed to write STATE_DB, keeping changes until Redis is back", {
        ports: operations.map((operation) => operation.name).join(","),
        error,
      });
      return false;
    }
    store.confirm();
    const seconds = (this.#now() - started) / 1000;
    observer?.stateWritten?.(operations, seconds, receivedAt);
    if (syncLog.isEnabledFor("debug")) {
      syncLog.debug("Wrote STATE_DB", {
        operations: operations.length,
        ports: new Set(operations.map((operation) => operation.name)).size,
        duration_ms: Math.round(seconds * 1000 * 100) / 100,
      });
    }
    return true;
  }

  /**
   * Finds which names have an APPL_DB entry. When the lookup fails, it returns undefined and
   * none is taken as present:
   * the netdevs wait with their latest status (one per name, so memory stays bounded while
   * Redis is away) and are published by {@link recheckAwaiting} once APPL_DB replies and still
   * holds their entry. The result of an earlier lookup is not used, because the entry may
   * have been deleted since, and a state written from it could not be taken back.
   */
  async #lookup(names: string[]): Promise<Set<string> | undefined> {
    if (names.length === 0) return new Set();
    try {
      return await this.#options.appl.existing(names);
    } catch (error) {
      syncLog.error("Failed to read APPL_DB PORT_TABLE, ports wait until it replies", {
        ports: names.join(","),
        error,
      });
      return undefined;
    }
  }

  /** Applies one decision to the store and returns its outcome for the log. */
  #apply(
    event: LinkEvent,
    decision: LinkDecision,
    existing: Set<string>,
    lookupFailed: boolean,
  ): string {
    const { store, pendingPorts } = this.#options;
    let outcome: string = decision.action;
    switch (decision.action) {
      case "ignore":
        outcome = decision.reason;
        break;
      case "delete":
        this.#stopAwaiting(decision.name);
        store.delete(decision.name);
        if (decision.reason === "renamed") outcome = "renamed-away";
        break;
      case "set":
        if (existing.has(decision.name)) {
          this.#stopAwaiting(decision.name);
          store.set(decision.name, decision.status, event.fromDump);
          pendingPorts.delete(decision.name);
        } else {
          this.#awaiting.set(decision.name, decision.status);
          if (lookupFailed) this.#unchecked.add(decision.name);
          else this.#unchecked.delete(decision.name);
          outcome = lookupFailed ? "awaiting-appl-lookup" : "awaiting-appl-entry";
        }
        break;
    }
    return outcome;
  }

  /** Tells the observer about one decision and logs it. */
  #report(event: LinkEvent, decision: LinkDecision, outcome: string): void {
    this.#options.observer?.decision?.(event, decision);
    if (linkLog.isEnabledFor("info") && decision.name === event.name) {
      linkLog.info("Link message", {
        type: event.op === "new" ? "RTM_NEWLINK" : "RTM_DELLINK",
        name: event.name,
        ifindex: event.ifindex,
        admin: event.admin ? "up" : "down",
        oper: event.oper ? "up" : "down",
        mtu: event.mtu,
        master: event.master,
        kind: event.kind,
        family: event.family === 0 ? undefined : event.family,
        dump: event.fromDump ? true : undefined,
        outcome,
      });
    } else if (decision.name !== event.name) {
      syncLog.info("Netdev renamed, deleting the entry of its old name", {
        port: decision.name,
        ifindex: event.ifindex,
        name: event.name,
      });
    }
  }

  #stopAwaiting(name: string): void {
    this.#awaiting.delete(name);
    this.#unchecked.delete(name);
  }

  async #checkPortInitDone(): Promise<void> {
    if (this.#initDone || this.#options.pendingPorts.size > 0) return;
    try {
      await this.#options.announcePortInitDone();
    } catch (error) {
      syncLog.error("Failed to write PortInitDone, will try again after the next batch", { error });
      return;
    }
    this.#initDone = true;
    this.#options.observer?.portInitDone?.();
    syncLog.info("PortInitDone");
  }
}
