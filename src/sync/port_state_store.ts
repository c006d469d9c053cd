import { type PortStatus, sameFields } from "./port_status.ts";

/** One STATE_DB operation on `PORT_TABLE|<name>`. */
export type StateOperation =
  | { op: "set"; name: string; status: PortStatus }
  | { op: "delete"; name: string };

/** A change not yet confirmed by Redis. */
interface PendingChange {
  /** Desired status, or null for "no entry". */
  status: PortStatus | null;
  /** True when the entry must be deleted before the status is set (DELLINK then NEWLINK). */
  wipe: boolean;
}

/**
 * Desired STATE_DB port state, kept apart from what Redis confirmed.
 *
 * Changes coalesce per port while they wait, so memory stays bounded by the number of port
 * names whatever the event rate or the length of a Redis outage. A delete followed by a set
 * keeps the delete (`wipe`), so fields of other writers are removed exactly as they would
 * have been had both operations been sent.
 */
export class PortStateStore {
  #written = new Map<string, PortStatus | null>();
  #pending = new Map<string, PendingChange>();
  #inFlight: Map<string, PendingChange> | undefined;
  /** Confirmed names that Redis may have lost since, such as across a server restart. */
  #unverified = new Set<string>();

  /** Number of ports with changes that Redis has not confirmed. */
  get pendingCount(): number {
    return this.#pending.size + (this.#inFlight?.size ?? 0);
  }

  /** Names with unconfirmed changes. */
  pendingNames(): string[] {
    return [...new Set([...this.#pending.keys(), ...(this.#inFlight?.keys() ?? [])])];
  }

  /** The status last confirmed in STATE_DB for a port, null after a confirmed delete. */
  written(name: string): PortStatus | null | undefined {
    return this.#written.get(name);
  }

  /** Every port with a confirmed status (not deleted). */
  writtenPorts(): Map<string, PortStatus> {
    const ports = new Map<string, PortStatus>();
    for (const [name, status] of this.#written) {
      if (status) ports.set(name, status);
    }
    return ports;
  }

  /**
   * Marks every confirmed status as possibly lost, so that the next {@link set} with
   * `onlyIfChanged` writes the port again even when its fields did not change. Called after a
   * reconnect: a restarted server may have come back without its data.
   */
  markWrittenUnverified(): void {
    for (const name of this.#written.keys()) this.#unverified.add(name);
  }

  /** Records statuses known to be in STATE_DB already, such as those read at a warm start. */
  assumeWritten(name: string, status: PortStatus | null): void {
    this.#written.set(name, status);
  }

  /** Names that have, or will have, an entry: confirmed or pending, minus pending deletes. */
  presentNames(): Set<string> {
    const names = new Set<string>();
    for (const [name, status] of this.#written) if (status) names.add(name);
    for (const changes of [this.#inFlight, this.#pending]) {
      for (const [name, change] of changes ?? []) {
        if (change.status) names.add(name);
        else names.delete(name);
      }
    }
    return names;
  }

  /** The most recent desired status of a port, pending or confirmed. */
  latest(name: string): PortStatus | null | undefined {
    const change = this.#pending.get(name) ?? this.#inFlight?.get(name);
    return change ? change.status : this.#written.get(name);
  }

  /**
   * Requests that a port's entry hold `status`. With `onlyIfChanged`, nothing is queued when
   * the latest desired status already has the same fields (resync and reconciliation); without
   * it every event is written, as the C++ daemon does, so external edits get overwritten.
   * A status without MTU takes the MTU last known for the port.
   */
  set(name: string, status: PortStatus, onlyIfChanged = false): boolean {
    const latest = this.latest(name);
    const merged = status.mtu === undefined && latest?.mtu !== undefined
      ? { ...status, mtu: latest.mtu }
      : status;
    const verified = !this.#unverified.has(name) || this.#pending.has(name) ||
      this.#inFlight?.has(name) === true;
    if (onlyIfChanged && latest && verified && sameFields(latest, merged)) return false;
    const previous = this.#pending.get(name);
    const wipe = previous !== undefined && (previous.wipe || previous.status === null);
    this.#pending.set(name, { status: merged, wipe });
    return true;
  }

  /** Requests that a port's entry be deleted. */
  delete(name: string, onlyIfPresent = false): boolean {
    if (onlyIfPresent && this.latest(name) === undefined) return false;
    if (onlyIfPresent && this.latest(name) === null) return false;
    this.#pending.set(name, { status: null, wipe: false });
    return true;
  }

  /**
   * Takes the pending changes for one write. Call {@link confirm} or {@link restore} once the
   * write has succeeded or failed; only one write may be in flight.
   */
  take(): StateOperation[] {
    if (this.#inFlight) throw new Error("Failed to take port changes: a write is in flight");
    this.#inFlight = this.#pending;
    this.#pending = new Map();
    const operations: StateOperation[] = [];
    for (const [name, change] of this.#inFlight) {
      if (change.status === null || change.wipe) operations.push({ op: "delete", name });
      if (change.status) operations.push({ op: "set", name, status: change.status });
    }
    return operations;
  }

  /** Marks the changes taken last as written. */
  confirm(): void {
    for (const [name, change] of this.#inFlight ?? []) {
      this.#written.set(name, change.status);
      this.#unverified.delete(name);
    }
    this.#inFlight = undefined;
  }

  /** Puts the changes taken last back, under any newer change for the same port. */
  restore(): void {
    const inFlight = this.#inFlight ?? new Map<string, PendingChange>();
    this.#inFlight = undefined;
    for (const [name, change] of inFlight) {
      const newer = this.#pending.get(name);
      if (!newer) {
        this.#pending.set(name, change);
      } else if (newer.status && (change.status === null || change.wipe)) {
        newer.wipe = true;
      }
    }
  }
}
