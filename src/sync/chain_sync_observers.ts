import type { SyncObserver } from "./port_sync.ts";

/**
 * Returns one observer that calls each given observer in order, so the daemon can feed the
 * metrics observer and its own bookkeeping from the same `PortSync`. Undefined entries are
 * skipped; methods are looked up at call time, so class instances work.
 */
export function chainSyncObservers(...observers: Array<SyncObserver | undefined>): SyncObserver {
  const present = observers.filter((observer): observer is SyncObserver => observer !== undefined);
  return {
    decision: (event, decision) => {
      for (const observer of present) observer.decision?.(event, decision);
    },
    stateWritten: (operations, seconds, receivedAt) => {
      for (const observer of present) observer.stateWritten?.(operations, seconds, receivedAt);
    },
    stateWriteFailed: (operations, error) => {
      for (const observer of present) observer.stateWriteFailed?.(operations, error);
    },
    portInitDone: () => {
      for (const observer of present) observer.portInitDone?.();
    },
  };
}
