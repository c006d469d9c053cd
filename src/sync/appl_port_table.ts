import type { RedisClient } from "../redis/redis_client.ts";
import type { ApplPortLookup } from "./port_sync.ts";

/** Name of the port table in APPL_DB and STATE_DB. */
export const PORT_TABLE = "PORT_TABLE";

/**
 * Looks up APPL_DB `PORT_TABLE:<name>`, the hash orchagent leaves after popping an entry, with
 * one pipelined EXISTS per name. A Redis hash exists exactly when it has a field, so this is
 * the C++ daemon's "HGETALL is not empty" test.
 */
export class ApplPortTable implements ApplPortLookup {
  #client: RedisClient;
  #separator: string;

  constructor(client: RedisClient, separator: string) {
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
