import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { type BatchSender, CommandBatch } from "./command_batch.ts";
import { RedisReplyError } from "./redis_errors.ts";
import type { CommandArgument } from "./resp_encoder.ts";
import type { RespValue } from "./resp_parser.ts";

/** Builds a sender that records the commands it gets and replies with `replies`. */
function fakeSender(replies: RespValue[]): {
  send: BatchSender;
  sent: Array<{ commands: (readonly CommandArgument[])[]; transaction: boolean }>;
} {
  const sent: Array<{ commands: (readonly CommandArgument[])[]; transaction: boolean }> = [];
  const send: BatchSender = (commands, transaction) => {
    sent.push({ commands: [...commands], transaction });
    return Promise.resolve(replies);
  };
  return { send, sent };
}

Deno.test("batch queues commands in order", async () => {
  const { send, sent } = fakeSender([1, 1, 0, ["a", "b"], "sha", 5, 2]);
  const batch = new CommandBatch(send, false)
    .hset("PORT_TABLE:Ethernet0", "mtu", 9100)
    .call("HEXISTS", "k", "f")
    .exists("k")
    .hgetall("h")
    .scriptLoad("return 1")
    .evalsha("sha", 0)
    .del("a", "b");
  assertEquals(batch.length, 7);

  const replies = await batch.exec();

  assertEquals(sent, [{
    transaction: false,
    commands: [
      ["HSET", "PORT_TABLE:Ethernet0", "mtu", 9100],
      ["HEXISTS", "k", "f"],
      ["EXISTS", "k"],
      ["HGETALL", "h"],
      ["SCRIPT", "LOAD", "return 1"],
      ["EVALSHA", "sha", 0],
      ["DEL", "a", "b"],
    ],
  }]);
  assertEquals(replies, [
    [null, 1],
    [null, 1],
    [null, 0],
    [null, ["a", "b"]],
    [null, "sha"],
    [null, 5],
    [null, 2],
  ]);
  assertEquals(batch.length, 0);
});

Deno.test("batch empty exec sends nothing", async () => {
  const { send, sent } = fakeSender([]);
  assertEquals(await new CommandBatch(send, true).exec(), []);
  assertEquals(sent, []);
});

Deno.test("batch pipeline keeps error replies", async () => {
  const wrongType = new RedisReplyError("WRONGTYPE Operation against a key");
  const { send } = fakeSender(["OK", wrongType, 3]);
  const replies = await new CommandBatch(send, false)
    .call("SET", "s", "v")
    .call("HGET", "s", "f")
    .call("INCRBY", "n", 3)
    .exec();
  assertEquals(replies, [[null, "OK"], [wrongType, null], [null, 3]]);
});

Deno.test("batch transaction unwraps EXEC", async () => {
  const wrongType = new RedisReplyError("WRONGTYPE Operation against a key");
  const { send, sent } = fakeSender(["OK", "QUEUED", "QUEUED", [1, wrongType]]);
  const replies = await new CommandBatch(send, true)
    .hset("h", "f", "v")
    .call("HGET", "s", "f")
    .exec();
  assertEquals(sent[0]?.transaction, true);
  assertEquals(replies, [[null, 1], [wrongType, null]]);
});

Deno.test("batch transaction EXECABORT names command", async () => {
  const { send } = fakeSender([
    "OK",
    "QUEUED",
    new RedisReplyError("ERR wrong number of arguments for 'hset' command"),
    new RedisReplyError("EXECABORT Transaction discarded because of previous errors."),
  ]);
  const error = await assertRejects(
    () => new CommandBatch(send, true).hset("h", "f", "v").call("HSET", "h", "f").exec(),
    RedisReplyError,
    "EXECABORT Transaction discarded because of previous errors. First rejected command: " +
      "ERR wrong number of arguments for 'hset' command",
  );
  assertEquals(error.code, "EXECABORT");
});

Deno.test("batch transaction aborted by WATCH", async () => {
  const { send } = fakeSender(["OK", "QUEUED", null]);
  assertEquals(await new CommandBatch(send, true).call("INCR", "n").exec(), null);
});

Deno.test("batch transaction rejects odd EXEC", async () => {
  const { send } = fakeSender(["OK", "QUEUED", "surprise"]);
  await assertRejects(
    () => new CommandBatch(send, true).call("INCR", "n").exec(),
    RedisReplyError,
    'ERR unexpected EXEC reply "surprise"',
  );
});
