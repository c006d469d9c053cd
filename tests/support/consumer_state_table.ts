/**
 * Test-side emulation of the pop that swss-common's ConsumerStateTable runs for orchagent.
 *
 * A ProducerStateTable writer only stages data: the key goes into `<T>_KEY_SET`, the fields
 * into the temp hash `_<T>:<key>`. The final hash `<T>:<key>` that other daemons read
 * appears only when orchagent pops. This module's Lua script performs the pop steps listed
 * by swss-common, written anew for this project, and runs them atomically on the server.
 *
 * @module
 */

import type { Redis } from "ioredis";

/** One entry handed to the consumer by a pop. */
export interface PoppedEntry {
  /** Bare key, e.g. `Ethernet0` or `PortConfigDone`. */
  key: string;
  /** `SET` when the staged hash had at least one field, otherwise `DEL`. */
  op: "SET" | "DEL";
  /** The staged fields, empty for `DEL`. */
  fields: Record<string, string>;
}

/**
 * Pop script. KEYS: key set, table name plus separator, delete set.
 * ARGV: batch size, temp prefix (`_`). Returns `{key, {f1, v1, ...}}` per popped key.
 */
export const CONSUMER_POP_LUA = `
redis.replicate_commands()
local popped = redis.call('SPOP', KEYS[1], ARGV[1])
local result = {}
for _, key in ipairs(popped) do
  local final = KEYS[2] .. key
  local staged = ARGV[2] .. final
  if redis.call('SREM', KEYS[3], key) == 1 then
    redis.call('DEL', final)
  end
  local pairs = redis.call('HGETALL', staged)
  result[#result + 1] = {key, pairs}
  for i = 1, #pairs, 2 do
    redis.call('HSET', final, pairs[i], pairs[i + 1])
  end
  redis.call('DEL', staged)
end
return result
`;

/** Options of {@linkcode ConsumerStateTable}. */
export interface ConsumerStateTableOptions {
  /**
   * Maximum number of keys one pop takes. The default is orchagent's `gBatchSize`.
   * @default {128}
   */
  batchSize?: number;
  /**
   * Separator between table name and key (APPL_DB uses `:`).
   * @default {":"}
   */
  separator?: string;
}

/** Pops a ProducerStateTable-staged table the way orchagent does. */
export class ConsumerStateTable {
  /** Table name, e.g. `PORT_TABLE`. */
  readonly table: string;
  #client: Redis;
  #batchSize: number;
  #separator: string;
  #sha: string | undefined;

  /**
   * @param client A client already on the table's database (APPL_DB for `PORT_TABLE`).
   * @param table Table name without separator.
   * @param options Batch size and separator.
   */
  constructor(client: Redis, table: string, options: ConsumerStateTableOptions = {}) {
    this.#client = client;
    this.table = table;
    this.#batchSize = options.batchSize ?? 128;
    this.#separator = options.separator ?? ":";
  }

  /** Name of the set of pending keys, e.g. `PORT_TABLE_KEY_SET`. */
  get keySet(): string {
    return `${this.table}_KEY_SET`;
  }

  /** Name of the set of keys deleted since the last pop, e.g. `PORT_TABLE_DEL_SET`. */
  get delSet(): string {
    return `${this.table}_DEL_SET`;
  }

  /**
   * Pops up to the batch size of pending keys and applies them to the final hashes.
   *
   * Loads the script on first use, and again if the server lost it (NOSCRIPT after a
   * Redis restart).
   *
   * @returns The entries in SPOP order, which Redis leaves unspecified.
   */
  async pop(): Promise<PoppedEntry[]> {
    const args: [number, string, string, string, number, string] = [
      3,
      this.keySet,
      `${this.table}${this.#separator}`,
      this.delSet,
      this.#batchSize,
      "_",
    ];
    let reply: unknown;
    try {
      reply = await this.#client.evalsha(await this.#load(false), ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      reply = await this.#client.evalsha(await this.#load(true), ...args);
    }
    return parsePopReply(reply);
  }

  async #load(force: boolean): Promise<string> {
    if (this.#sha === undefined || force) {
      this.#sha = String(await this.#client.script("LOAD", CONSUMER_POP_LUA));
    }
    return this.#sha;
  }
}

function parsePopReply(reply: unknown): PoppedEntry[] {
  if (!Array.isArray(reply)) {
    throw new TypeError(`Parse pop reply failed: expected an array, got ${typeof reply}`);
  }
  return reply.map((item: unknown) => {
    if (!Array.isArray(item) || typeof item[0] !== "string" || !Array.isArray(item[1])) {
      throw new TypeError(`Parse pop reply failed: bad entry ${JSON.stringify(item)}`);
    }
    const flat = item[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    return { key: item[0], op: flat.length > 0 ? "SET" : "DEL", fields };
  });
}
