import { type PortStatus, sameFields } from "./port_status.ts";

/** One STATE_DB operation on `PORT_TABLE|<name>`. */
export type StateOperation =
  | { op: "set"; name: string; status: PortStatus }
  | { op: "delete"; name: string };

/** One change of a port that Redis has not confirmed. */
type PendingOperation = { op: "set"; status: PortStatus } | { op: "delete" };

/**
 * Changes kept per port while they wait for one write. A longer burst keeps its newest
 * changes, because readers care about the final state more than about every step.
 */
const MAX_PENDING_PER_PORT = 16;

/**
 * Desired STATE_DB port state, kept apart from what Redis confirmed.
 *
 * Each event's change is written in order within one transaction, so readers of STATE_DB see
 * one HSET per message even when a burst arrives in one batch, as with the C++ daemon. When a
 * write fails, the changes of each port collapse to the shortest equivalent sequence: a delete
 * if one happened, then the newest status. Memory then stays bounded by the number of port
 * names however long Redis is away, and a delete before a set still removes the fields of
 * other writers as it would have done.
 */
export class PortStateStore {
  #written = new Map<string, PortStatus | null>();
  #pending = new Map<string, PendingOperation[]>();
  #inFlight: Map<string, PendingOperation[]> | undefined;
  /** Confirmed names that Redis may have lost since, such as across a server restart. */
  #unverified = new Set<string>();
  /** Names whose last write failed: their changes collapse as they arrive until one succeeds. */
  #collapsing = new Set<string>();

  /** Number of ports with changes that Redis has not confirmed. */
  get pendingCount(): number {
    // Counted without building the name list: flushes and status reads call it often.
    let count = this.#pending.size;
    for (const name of this.#inFlight?.keys() ?? []) {
      if (!this.#pending.has(name)) count++;
    }
    return count;
  }

  /** Names with unconfirmed changes. */
  pendingNames(): string[] {
    return [...new Set([...this.#pending.keys(), ...(this.#inFlight?.keys() ?? [])])];
  }

  /** Returns the status last confirmed in STATE_DB for a port, null after a confirmed delete. */
  written(name: string): PortStatus | null | undefined {
    return this.#written.get(name);
  }

  /** Returns every port with a confirmed status (not deleted). */
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

  /** Returns the names that have, or will have, an entry once pending changes are written. */
  presentNames(): Set<string> {
    const names = new Set<string>();
    for (const [name, status] of this.#written) if (status) names.add(name);
    for (const changes of [this.#inFlight, this.#pending]) {
      for (const [name, operations] of changes ?? []) {
        if (finalStatus(operations)) names.add(name);
        else names.delete(name);
      }
    }
    return names;
  }

  /** Returns the most recent desired status of a port, pending or confirmed. */
  latest(name: string): PortStatus | null | undefined {
    const operations = this.#pending.get(name) ?? this.#inFlight?.get(name);
    return operations ? finalStatus(operations) : this.#written.get(name);
  }

  /**
   * Requests that a port's entry hold `status`, after the port's earlier pending changes.
   *
   * With `onlyIfChanged`, nothing is queued when the latest desired status already has the
   * same fields, which is what resync and reconciliation need. Without it every event is
   * written, as the C++ daemon does, so external edits get overwritten. A status without MTU
   * takes the MTU last known for the port.
   */
  set(name: string, status: PortStatus, onlyIfChanged = false): boolean {
    const latest = this.latest(name);
    const merged = status.mtu === undefined && latest?.mtu !== undefined
      ? { ...status, mtu: latest.mtu }
      : status;
    const verified = !this.#unverified.has(name) || this.#pending.has(name) ||
      this.#inFlight?.has(name) === true;
    if (onlyIfChanged && latest && verified && sameFields(latest, merged)) return false;
    this.#append(name, { op: "set", status: merged });
    return true;
  }

  /**
   * Requests that a port's entry be deleted. With `onlyIfPresent`, nothing is queued when the
   * port has no entry and none is pending.
   */
  delete(name: string, onlyIfPresent = false): boolean {
    const latest = this.latest(name);
    if (onlyIfPresent && (latest === undefined || latest === null)) return false;
    this.#append(name, { op: "delete" });
    return true;
  }

  /**
   * Collapses each port's pending changes, then drops those that would leave STATE_DB as
   * confirmed: a set with the confirmed fields and no delete before it (its ifindex is kept as
   * confirmed), or a delete of an entry confirmed absent. Warm-restart reconciliation uses it
   * so only ports that differ are written, once. Returns the names dropped.
   */
  discardUnchanged(): string[] {
    const dropped: string[] = [];
    for (const [name, operations] of this.#pending) {
      const collapsed = collapse(operations);
      const written = this.#written.get(name);
      const only = collapsed.length === 1 ? collapsed[0] : undefined;
      const sameSet = only?.op === "set" && written && sameFields(written, only.status);
      if (sameSet || (only?.op === "delete" && written === null)) {
        this.#pending.delete(name);
        if (only?.op === "set") this.#written.set(name, only.status);
        dropped.push(name);
      } else {
        this.#pending.set(name, collapsed);
      }
    }
    return dropped;
  }

  /**
   * Takes the pending changes for one write, each port's in order. Call {@link confirm} or
   * {@link restore} once the write has succeeded or failed; only one write may be in flight.
   */
  take(): StateOperation[] {
    if (this.#inFlight) throw new Error("Failed to take port changes: a write is in flight");
    this.#inFlight = this.#pending;
    this.#pending = new Map();
    const operations: StateOperation[] = [];
    for (const [name, changes] of this.#inFlight) {
      for (const change of changes) {
        operations.push(
          change.op === "set" ? { op: "set", name, status: change.status } : {
            op: "delete",
            name,
          },
        );
      }
    }
    return operations;
  }

  /** Marks the changes taken last as written. */
  confirm(): void {
    for (const [name, operations] of this.#inFlight ?? []) {
      this.#written.set(name, finalStatus(operations));
      this.#unverified.delete(name);
      this.#collapsing.delete(name);
    }
    this.#inFlight = undefined;
  }

  /** Puts the changes taken last back before any newer change of the same port, collapsed. */
  restore(): void {
    const inFlight = this.#inFlight ?? new Map<string, PendingOperation[]>();
    this.#inFlight = undefined;
    for (const [name, operations] of inFlight) {
      const newer = this.#pending.get(name) ?? [];
      this.#pending.set(name, collapse([...operations, ...newer]));
      this.#collapsing.add(name);
    }
  }

  #append(name: string, operation: PendingOperation): void {
    const operations = this.#pending.get(name) ?? [];
    operations.push(operation);
    if (this.#collapsing.has(name)) {
      this.#pending.set(name, collapse(operations));
      return;
    }
    if (operations.length > MAX_PENDING_PER_PORT) {
      // Dropping the oldest intermediate status keeps every delete and the newest status.
      const oldestSet = operations.findIndex((change, index) =>
        change.op === "set" && index < operations.length - 1
      );
      operations.splice(oldestSet >= 0 ? oldestSet : 0, 1);
    }
    this.#pending.set(name, operations);
  }
}

/** Returns the status a sequence of changes leaves: null when it ends with a delete. */
function finalStatus(operations: PendingOperation[]): PortStatus | null {
  const last = operations.at(-1);
  return last?.op === "set" ? last.status : null;
}

/** Returns the shortest sequence with the same end result: a delete if any, then the last set. */
function collapse(operations: PendingOperation[]): PendingOperation[] {
  const collapsed: PendingOperation[] = [];
  if (operations.some((operation) => operation.op === "delete")) collapsed.push({ op: "delete" });
  const last = operations.at(-1);
  if (last?.op === "set") collapsed.push(last);
  return collapsed;
}
