import type { Redis } from "ioredis";
import type { ApplPortLookup, StateWriter } from "../sync/port_sync.ts";
import type { StateOperation } from "../sync/port_state_store.ts";
import { stateFields } from "../sync/port_status.ts";

/** Name of the port table in APPL_DB and STATE_DB. */
export const PORT_TABLE = "PORT_TABLE";

/**
 * Looks up APPL_DB `PORT_TABLE:<name>`, the hash orchagent leaves after popping an entry, with
 * one pipelined EXISTS per name. A Redis hash exists exactly when it has a field, so this is
 * the C++ daemon's "HGETALL is not empty" test.
 */
export class ApplPortTable implements ApplPortLookup {
  #client: Redis;
  #separator: string;

  constructor(client: Redis, separator: string) {
    this.#client = client;
    this.#separator = separator;
  }

  async existing(names: string[]): Promise<Set<string>> {
    const pipeline = this.#client.pipeline();
    for (const name of names) pipeline.exists(`${PORT_TABLE}${this.#separator}${name}`);
    const replies = await pipeline.exec();
    const found = new Set<string>();
    names.forEach((name, index) => {
      const [error, count] = replies?.[index] ?? [new Error("missing reply"), 0];
      if (error) throw error;
      if (count === 1) found.add(name);
    });
    return found;
  }
}

/**
 * Writes STATE_DB `PORT_TABLE|<name>` as swss-common's Table does: one multi-field HSET per
 * update, so fields of other writers survive, and DEL for a deleted netdev. A batch goes in one
 * MULTI/EXEC, so readers never see half of it.
 */
export class StatePortTable implements StateWriter {
  #client: Redis;
  #separator: string;

  constructor(client: Redis, separator: string) {
    this.#client = client;
    this.#separator = separator;
  }

  async write(operations: StateOperation[]): Promise<void> {
    if (operations.length === 0) return;
    const multi = this.#client.multi();
    for (const operation of operations) {
      const key = `${PORT_TABLE}${this.#separator}${operation.name}`;
      if (operation.op === "delete") {
        multi.del(key);
      } else {
        multi.hset(key, ...stateFields(operation.status).flat());
      }
    }
    const replies = await multi.exec();
    if (replies === null) throw new Error("STATE_DB transaction was aborted");
    for (const [error] of replies) {
      if (error) throw error;
    }
  }
}
