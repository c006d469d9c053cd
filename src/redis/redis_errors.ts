/**
 * Errors of the Redis client.
 *
 * @module
 */

/** An error reply of the server, such as `NOSCRIPT No matching script` or `WRONGTYPE ...`. */
export class RedisReplyError extends Error {
  /** The reply's first word, such as `NOSCRIPT`, `WRONGTYPE` or `ERR`. */
  readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
    const space = message.indexOf(" ");
    this.code = space < 0 ? message : message.slice(0, space);
  }
}

/**
 * A command got no reply within the command timeout. The command stays queued on the
 * connection, so its late reply is matched to it and dropped.
 */
export class CommandTimeoutError extends Error {
  constructor(command: string, endpoint: string, timeoutMs: number) {
    super(
      `Failed to get a reply to ${command} from Redis at ${endpoint} within ${timeoutMs} ms; ` +
        "check that the server is running and not stopped",
    );
    this.name = "CommandTimeoutError";
  }
}

/** A command could not be sent, or lost its reply, because the connection is not usable. */
export class ConnectionClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionClosedError";
  }
}
