/** Error raised when a write to a SONiC table fails on the Redis side. */
export class RedisWriteError extends Error {
  /** Table that was written, for example `PORT_TABLE`. */
  readonly table: string;
  /** Key of the failed write, or an empty string for a group of writes. */
  readonly key: string;

  /** Create the error for `key` of `table`, usually with the Redis reply error as `cause`. */
  constructor(table: string, key: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisWriteError";
    this.table = table;
    this.key = key;
  }
}
