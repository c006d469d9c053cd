import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";

/** States the daemon goes through in a warm restart, named as swss-common names them. */
export type WarmRestartPhase = "initialized" | "restored" | "reconciled";

/** Allowed predecessors of each phase; `none` is the state before the first write. */
const PREDECESSORS: Record<WarmRestartPhase, ReadonlyArray<WarmRestartPhase | "none">> = {
  initialized: ["none"],
  // Without a usable snapshot the restart goes from initialized straight to reconciled.
  restored: ["initialized"],
  reconciled: ["initialized", "restored"],
};

const log = getLogger([ROOT_CATEGORY, "warm_restart"]);

/**
 * The warm-restart state of the daemon, mirrored to STATE_DB `WARM_RESTART_TABLE|portsyncd`
 * field `state` so that operators and tests can follow a restart. Only a warm start uses it;
 * a cold start leaves the field alone, as the C++ daemon does.
 */
export class WarmRestartStateMachine {
  #phase: WarmRestartPhase | "none" = "none";
  #write: (phase: WarmRestartPhase) => Promise<void>;
  #history: WarmRestartPhase[] = [];

  /** @param write Stores a phase in Redis; it should retry until it succeeds or gives up. */
  constructor(write: (phase: WarmRestartPhase) => Promise<void>) {
    this.#write = write;
  }

  /** Current phase; `none` before the first transition. */
  get phase(): WarmRestartPhase | "none" {
    return this.#phase;
  }

  /** Phases entered so far, in order. */
  get history(): readonly WarmRestartPhase[] {
    return this.#history;
  }

  /**
   * Writes `next` and then records and logs the transition.
   *
   * @throws {RangeError} When `next` cannot follow the current phase.
   */
  async enter(next: WarmRestartPhase): Promise<void> {
    const from = this.#phase;
    if (!PREDECESSORS[next].includes(from)) {
      throw new RangeError(
        `Failed to enter warm restart state ${next}: it cannot follow ${from}; ` +
          `allowed after ${PREDECESSORS[next].join(" or ")}`,
      );
    }
    await this.#write(next);
    this.#phase = next;
    this.#history.push(next);
    log.info("Warm restart state {from} -> {to}", { from, to: next });
  }
}
