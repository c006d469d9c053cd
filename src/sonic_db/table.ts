/**
 * Direct hash access to a SONiC table, as swss-common's `Table` does it.
 *
 * @module
 */
import type { CommandBatch } from "../redis/command_batch.ts";
import { type RedisClient, toPairs } from "../redis/redis_client.ts";
import type { Separator } from "./database_config.ts";

/** Cut `text` at its first `@`, as swss-common's `stripSpecialSym` does. */
function stripAtSuffix(text: string): string {
  const at = text.indexOf("@");
  return at < 0 ? text : text.slice(0, at);
}

/**
 * Table whose entries are plain hashes `<table><sep><key>`, for example STATE_DB
 * `PORT_TABLE|Ethernet0` or CONFIG_DB `PORT|Ethernet0`.
 *
 * Writes publish nothing themselves. Readers such as SubscriberStateTable rely on the keyspace
 * events that Redis raises for `HSET` and `DEL`.
 */
export class Table {
  /** Table name, for example `PORT_TABLE`. */
  readonly tableName: string;
  /** Separator between table name and key. */
  readonly separator: Separator;
  #client: RedisClient;

  /**
   * Create a table on `client`, which must already have selected the table's DB.
   *
   * @param client Connected client.
   * @param tableName Table name, for example `PORT_TABLE`.
   * @param separator Separator of the DB from `database_config.json`.
   */
  constructor(client: RedisClient, tableName: string, separator: Separator) {
    this.#client = client;
    this.tableName = tableName;
    this.separator = separator;
  }

  /** Return the Redis key of `key`: `<table><sep><key>`, or just `<table>` for an empty key. */
  keyName(key: string): string {
    return key === "" ? this.tableName : `${this.tableName}${this.separator}${key}`;
  }

  /**
   * Merge `fields` into the hash of `key` with one multi-field `HSET`, in field order. Fields
   * that are not listed keep their values. An empty list sends nothing.
   */
  async set(key: string, fields: ReadonlyArray<readonly [string, string]>): Promise<void> {
    if (fields.length === 0) return;
    await this.#client.hset(this.keyName(key), ...fields.flat());
  }

  /** Delete the whole hash of `key`. */
  async del(key: string): Promise<void> {
    await this.#client.del(this.keyName(key));
  }

  /**
   * Read the hash of `key` with `HGETALL`. Field names are cut at their first `@` and values
   * are returned unchanged, as swss-common's `Table::get` does.
   *
   * @returns The fields in Redis order, or `null` when the hash does not exist or is empty.
   */
  async get(key: string): Promise<Array<[string, string]> | null> {
    const pairs = toPairs(await this.#client.call("HGETALL", this.keyName(key)));
    if (pairs.length === 0) return null;
    return pairs.map(([field, value]) => [stripAtSuffix(field), value]);
  }

  /**
   * Read one field with `HGET`. A found value is cut at its first `@`, as swss-common's
   * `Table::hget` does.
   *
   * @returns The value, or `null` when the field or the hash does not exist.
   */
  async hget(key: string, field: string): Promise<string | null> {
    const value = await this.#client.hget(this.keyName(key), field);
    return value === null ? null : stripAtSuffix(value);
  }

  /**
   * List the keys of the table with `KEYS <table><sep>*`, without the `<table><sep>` prefix.
   * The order is the server's. Like swss-common, the pattern is not escaped, so a table name
   * with glob characters matches more.
   */
  async getKeys(): Promise<string[]> {
    const prefix = `${this.tableName}${this.separator}`;
    const names = await this.#client.keys(`${prefix}*`);
    return names.map((name) => name.slice(prefix.length));
  }

  /** Queue the `HSET` of {@linkcode set} on a pipeline or MULTI. An empty list queues nothing. */
  appendSet(
    commander: CommandBatch,
    key: string,
    fields: ReadonlyArray<readonly [string, string]>,
  ): void {
    if (fields.length === 0) return;
    commander.hset(this.keyName(key), ...fields.flat());
  }

  /** Queue the `DEL` of {@linkcode del} on a pipeline or MULTI. */
  appendDel(commander: CommandBatch, key: string): void {
    commander.del(this.keyName(key));
  }
}
