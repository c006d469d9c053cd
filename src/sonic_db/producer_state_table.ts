/**
 * Writer side of the swss-common state-table protocol, which orchagent's ConsumerStateTable reads.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { BatchReply, CommandBatch } from "../redis/command_batch.ts";
import type { RedisClient } from "../redis/redis_client.ts";
import type { Separator } from "./database_config.ts";
import { RedisWriteError } from "./redis_write_error.ts";

/** Payload of every notification on the table channel. */
const NOTIFY_PAYLOAD = "G";

/** Filler for the two unused ARGV slots of the delete script, as swss-common sends them. */
const DEL_FILLER = "''";

/**
 * Stage fields of one key.
 * KEYS[1] = channel, KEYS[2] = key set, KEYS[3..N+2] = staging hash, once per pair.
 * ARGV[1] = payload, ARGV[2] = key, ARGV[3..] = field, value, field, value, ...
 * Publishes only when the key was not already pending, because one pop drains it.
 */
const SET_SCRIPT = `
local newly_pending = redis.call('SADD', KEYS[2], ARGV[2])
for pair = 1, #KEYS - 2 do
  redis.call('HSET', KEYS[2 + pair], ARGV[2 * pair + 1], ARGV[2 * pair + 2])
end
if newly_pending > 0 then
  redis.call('PUBLISH', KEYS[1], ARGV[1])
end
return newly_pending
`;

/**
 * Mark one key for deletion and drop its staged fields.
 * KEYS = channel, key set, staging hash, delete set. ARGV = payload, key, filler, filler.
 */
const DEL_SCRIPT = `
local newly_pending = redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('DEL', KEYS[3])
if newly_pending > 0 then
  redis.call('PUBLISH', KEYS[1], ARGV[1])
end
return newly_pending
`;

/** SHA-1 of a script as Redis computes it for `SCRIPT LOAD` and `EVALSHA`. */
function scriptSha(script: string): string {
  return createHash("sha1").update(script).digest("hex");
}

const SET_SHA = scriptSha(SET_SCRIPT);
/** Number of commands that {@linkcode ProducerStateTable.appendLoad} queues. */
const LOADED_SCRIPTS = 2;
const DEL_SHA = scriptSha(DEL_SCRIPT);

/** `EVALSHA` arguments after the SHA: numkeys, then KEYS, then ARGV. */
type ScriptArgs = [numkeys: number, ...keysAndArgs: string[]];

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/**
 * Producer for one table, for example APPL_DB `PORT_TABLE`, that follows swss-common's
 * `ProducerStateTable` protocol exactly.
 *
 * A write never touches the final `<table><sep><key>` hash. It stages fields in
 * `_<table><sep><key>`, adds the key to `<table>_KEY_SET` (and to `<table>_DEL_SET` for a
 * delete) and publishes `G` on `<table>_CHANNEL@<dbId>` only when the key was not already
 * pending. The consumer then pops the key and merges the staged fields into the final hash.
 * Each write is one `EVALSHA` of a script loaded with `SCRIPT LOAD`.
 */
export class ProducerStateTable {
  /** Table name, for example `PORT_TABLE`. */
  readonly tableName: string;
  /** Logical DB number, part of the channel name. */
  readonly dbId: number;
  /** Separator between table name and key. */
  readonly separator: Separator;
  /** Channel that consumers subscribe to, `<table>_CHANNEL@<dbId>`. */
  readonly channelName: string;
  /** Set of keys waiting for the consumer, `<table>_KEY_SET`. */
  readonly keySetName: string;
  /** Set of keys whose final hash the consumer must delete, `<table>_DEL_SET`. */
  readonly delSetName: string;
  #client: RedisClient;
  #loaded = false;

  /**
   * Create a producer on `client`, which must already have selected DB `dbId`.
   *
   * @param client Connected client.
   * @param tableName Table name, for example `PORT_TABLE`.
   * @param dbId Logical DB number of the client, for example 0 for APPL_DB.
   * @param separator Separator of that DB from `database_config.json`.
   */
  constructor(client: RedisClient, tableName: string, dbId: number, separator: Separator) {
    this.#client = client;
    this.tableName = tableName;
    this.dbId = dbId;
    this.separator = separator;
    this.channelName = `${tableName}_CHANNEL@${dbId}`;
    this.keySetName = `${tableName}_KEY_SET`;
    this.delSetName = `${tableName}_DEL_SET`;
  }

  /** Return the staging hash name of `key`, `_<table><sep><key>`. */
  tempKeyName(key: string): string {
    return `_${this.tableName}${this.separator}${key}`;
  }

  /**
   * Load the set and delete scripts with `SCRIPT LOAD`. The write methods call it when needed.
   *
   * @throws {RedisWriteError} When Redis rejects a script.
   */
  async load(): Promise<void> {
    for (const [script, sha] of [[SET_SCRIPT, SET_SHA], [DEL_SCRIPT, DEL_SHA]] as const) {
      let loadedSha: unknown;
      try {
        loadedSha = await this.#client.scriptLoad(script);
      } catch (error) {
        throw this.#writeError("", "load the producer scripts", error);
      }
      if (loadedSha !== sha) {
        throw new RedisWriteError(
          this.tableName,
          "",
          `Failed to load the producer scripts for ${this.tableName}: Redis returned SHA ` +
            `${String(loadedSha)}, expected ${sha}; check that the server is a real Redis`,
        );
      }
    }
    this.#loaded = true;
  }

  /**
   * Stage `fields` for `key` and notify the consumer, in field order.
   *
   * With no fields only the key is marked pending, which the consumer reports as a delete.
   *
   * @throws {RedisWriteError} When the script fails, after one reload on `NOSCRIPT`.
   */
  async set(key: string, fields: ReadonlyArray<readonly [string, string]>): Promise<void> {
    await this.#run(key, "run the set script", SET_SHA, this.#setArgs(key, fields));
  }

  /**
   * Mark `key` for deletion and drop its staged fields.
   *
   * @throws {RedisWriteError} When the script fails, after one reload on `NOSCRIPT`.
   */
  async del(key: string): Promise<void> {
    await this.#run(key, "run the del script", DEL_SHA, this.#delArgs(key));
  }

  /**
   * Queue the `EVALSHA` of {@linkcode set} on a pipeline or MULTI.
   *
   * The script must be in the server's cache when the queue runs, so call {@linkcode load}
   * before, or {@linkcode appendLoad} first on the same MULTI.
   */
  appendSet(
    commander: CommandBatch,
    key: string,
    fields: ReadonlyArray<readonly [string, string]>,
  ): void {
    commander.evalsha(SET_SHA, ...this.#setArgs(key, fields));
  }

  /** Queue the `EVALSHA` of {@linkcode del} on a pipeline or MULTI, as {@linkcode appendSet} does. */
  appendDel(commander: CommandBatch, key: string): void {
    commander.evalsha(DEL_SHA, ...this.#delArgs(key));
  }

  /**
   * Queue `SCRIPT LOAD` of both scripts. At the start of a MULTI this makes the transaction
   * independent of the script cache, which a Redis restart or `SCRIPT FLUSH` empties.
   */
  appendLoad(commander: CommandBatch): void {
    commander.scriptLoad(SET_SCRIPT);
    commander.scriptLoad(DEL_SCRIPT);
  }

  /**
   * Run writes as one MULTI/EXEC, so no consumer pop can run between them. Cold start uses it
   * to stage every port and `PortConfigDone` together. Redis does not roll back the other
   * writes when one of them fails, so a failure leaves the group partly applied.
   *
   * @param build Adds the writes, for example with {@linkcode appendSet}.
   * @throws {RedisWriteError} When EXEC fails or any queued command returns an error.
   */
  async execAtomic(build: (multi: CommandBatch) => void): Promise<void> {
    const multi = this.#client.multi();
    this.appendLoad(multi);
    build(multi);
    let results: BatchReply[] | null;
    try {
      results = await multi.exec();
    } catch (error) {
      throw this.#writeError("", "run a MULTI/EXEC group", error);
    }
    if (results === null) {
      throw new RedisWriteError(
        this.tableName,
        "",
        `Failed to run a MULTI/EXEC group for ${this.tableName}: EXEC was aborted; ` +
          "retry the group",
      );
    }
    const failed = results.findIndex(([error]) => error !== null);
    if (failed >= 0) {
      // The first LOADED_SCRIPTS results belong to appendLoad, so number the caller's writes from 1.
      const operation = failed < LOADED_SCRIPTS
        ? "load the producer scripts in a MULTI/EXEC group"
        : `run write ${failed - LOADED_SCRIPTS + 1} of a MULTI/EXEC group`;
      throw this.#writeError("", operation, results[failed]![0]);
    }
  }

  #setArgs(key: string, fields: ReadonlyArray<readonly [string, string]>): ScriptArgs {
    const tempKey = this.tempKeyName(key);
    const args: ScriptArgs = [fields.length + 2, this.channelName, this.keySetName];
    for (let i = 0; i < fields.length; i++) args.push(tempKey);
    args.push(NOTIFY_PAYLOAD, key);
    for (const [field, value] of fields) args.push(field, value);
    return args;
  }

  #delArgs(key: string): ScriptArgs {
    return [
      4,
      this.channelName,
      this.keySetName,
      this.tempKeyName(key),
      this.delSetName,
      NOTIFY_PAYLOAD,
      key,
      DEL_FILLER,
      DEL_FILLER,
    ];
  }

  async #run(
    key: string,
    operation: string,
    sha: string,
    args: ScriptArgs,
  ): Promise<void> {
    if (!this.#loaded) await this.load();
    try {
      await this.#client.evalsha(sha, ...args);
      return;
    } catch (error) {
      if (!isNoScriptError(error)) throw this.#writeError(key, operation, error);
    }
    // A Redis restart or SCRIPT FLUSH empties the script cache, so load again and retry once.
    await this.load();
    try {
      await this.#client.evalsha(sha, ...args);
    } catch (error) {
      throw this.#writeError(key, operation, error);
    }
  }

  #writeError(key: string, operation: string, error: unknown): RedisWriteError {
    const target = key === "" ? this.tableName : `${this.tableName} key ${key}`;
    const reason = error instanceof Error ? error.message : String(error);
    return new RedisWriteError(
      this.tableName,
      key,
      `Failed to ${operation} for ${target} on DB ${this.dbId}: ${reason}; ` +
        "check that Redis is running and accepts scripts",
      { cause: error },
    );
  }
}
