/**
 * A batch of commands sent in one write: a pipeline, or a MULTI/EXEC transaction.
 *
 * @module
 */
import { RedisReplyError } from "./redis_errors.ts";
import type { CommandArgument } from "./resp_encoder.ts";
import type { RespValue } from "./resp_parser.ts";

/** The outcome of one command of a batch: the error reply, or null and the value. */
export type BatchReply = [RedisReplyError | null, RespValue];

/** Sends the commands of a batch and resolves with their raw replies, in order. */
export type BatchSender = (
  commands: readonly (readonly CommandArgument[])[],
  transaction: boolean,
) => Promise<RespValue[]>;

/**
 * Commands queued for one write. `exec()` sends them; in a transaction they are wrapped in
 * MULTI and EXEC, so Redis runs them with nothing in between.
 */
export class CommandBatch {
  #commands: (readonly CommandArgument[])[] = [];
  #transaction: boolean;
  #send: BatchSender;

  constructor(send: BatchSender, transaction: boolean) {
    this.#send = send;
    this.#transaction = transaction;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.#commands.length;
  }

  /** Queues any command, such as `call("HEXISTS", key, field)`. */
  call(command: string, ...args: CommandArgument[]): this {
    this.#commands.push([command, ...args]);
    return this;
  }

  /**
   * Queues a command given as one array, name first, without copying it; the caller must not
   * change the array afterwards. For hot paths that build the arguments anyway.
   */
  push(command: readonly CommandArgument[]): this {
    this.#commands.push(command);
    return this;
  }

  /** Queues `HSET key field value [field value ...]`. */
  hset(key: string, ...fieldValues: CommandArgument[]): this {
    return this.call("HSET", key, ...fieldValues);
  }

  /** Queues `DEL key [key ...]`. */
  del(...keys: string[]): this {
    return this.call("DEL", ...keys);
  }

  /** Queues `EXISTS key`. */
  exists(key: string): this {
    return this.call("EXISTS", key);
  }

  /** Queues `HGETALL key`; the reply is a flat field, value list. */
  hgetall(key: string): this {
    return this.call("HGETALL", key);
  }

  /** Queues `EVALSHA sha numkeys key... arg...`. */
  evalsha(sha: string, ...args: CommandArgument[]): this {
    return this.call("EVALSHA", sha, ...args);
  }

  /** Queues `SCRIPT LOAD script`. */
  scriptLoad(script: string): this {
    return this.call("SCRIPT", "LOAD", script);
  }

  /**
   * Sends the batch and returns one {@link BatchReply} per command. An empty batch sends
   * nothing.
   *
   * @returns The replies, or `null` when Redis aborted the transaction (EXEC returned null).
   * @throws {RedisReplyError} When Redis refused the whole transaction (`EXECABORT`), with the
   *   error of the first command it refused.
   * @throws {CommandTimeoutError | ConnectionClosedError} When the replies did not come.
   */
  async exec(): Promise<BatchReply[] | null> {
    if (this.#commands.length === 0) return [];
    const commands = this.#commands;
    this.#commands = [];
    const replies = await this.#send(commands, this.#transaction);
    if (!this.#transaction) return replies.map(toBatchReply);
    // MULTI's reply, one QUEUED or error per command, then EXEC's reply.
    const result = replies[replies.length - 1];
    if (result instanceof RedisReplyError) {
      const refused = replies.slice(1, -1).find((reply) => reply instanceof RedisReplyError);
      if (refused instanceof RedisReplyError) {
        throw new RedisReplyError(`${result.message} First rejected command: ${refused.message}`);
      }
      throw result;
    }
    if (result === null) return null;
    if (!Array.isArray(result)) {
      throw new RedisReplyError(`ERR unexpected EXEC reply ${JSON.stringify(result)}`);
    }
    return result.map(toBatchReply);
  }
}

function toBatchReply(reply: RespValue): BatchReply {
  return reply instanceof RedisReplyError ? [reply, null] : [null, reply];
}
