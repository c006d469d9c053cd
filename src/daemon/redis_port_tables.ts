import type { RedisClient } from "../redis/redis_client.ts";
import type { StateWriter } from "../sync/port_sync.ts";
import type { StateOperation } from "../sync/port_state_store.ts";
import { pushStateFields } from "../sync/port_status.ts";

import { PORT_TABLE } from "../sync/appl_port_table.ts";

/**
 * Writes STATE_DB `PORT_TABLE|<name>` as swss-common's Table does: one multi-field HSET per
 * update, so fields of other writers survive, and DEL for a deleted netdev. A batch goes in one
 * MULTI/EXEC, so readers never see half of it.
 */
export class StatePortTable implements StateWriter {
  #client: RedisClient;
  #separator: string;

  constructor(client: RedisClient, separator: string) {
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
        multi.push(pushStateFields(["HSET", key], operation.status));
      }
    }
    const replies = await multi.exec();
    if (replies === null) throw new Error("STATE_DB transaction was aborted");
    for (const [error] of replies) {
      if (error) throw error;
    }
  }
}
