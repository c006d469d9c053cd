import { assert, assertEquals } from "../../tests/assert.ts";
import { PendingReplies, type PendingReply } from "./pending_replies.ts";
import type { RespValue } from "./resp_parser.ts";

/** Record of one entry: each call of resolve and reject, in order. */
interface Outcome {
  entry: PendingReply;
  calls: Array<["resolve", RespValue] | ["reject", string]>;
}

/** Builds an entry that records its outcome, timing out after `timeoutMs` when given. */
function track(command: string, count = 1, timeoutMs?: number): Outcome {
  const outcome: Outcome = {
    calls: [],
    entry: {
      count,
      batch: count > 1,
      replies: [],
      resolve: (value) => outcome.calls.push(["resolve", value]),
      reject: (error) => outcome.calls.push(["reject", error.message]),
      deadline: timeoutMs === undefined ? Infinity : performance.now() + timeoutMs,
      timedOut: false,
      command,
    },
  };
  return outcome;
}

/** Builds a queue whose timeouts reject the entry, as the client does, and are counted. */
function timingQueue(): { queue: PendingReplies; expired: string[] } {
  const expired: string[] = [];
  const queue = new PendingReplies((entry) => {
    expired.push(entry.command);
    entry.reject(new Error(`${entry.command} timed out`));
  });
  return { queue, expired };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("pending replies keep send order", () => {
  const queue = new PendingReplies(() => {
    throw new Error("No entry here has a deadline");
  });
  const outcomes = ["GET", "HGET", "PING"].map((command) => track(command));
  for (const { entry } of outcomes) queue.push(entry);
  assertEquals(queue.size, 3);

  assertEquals(queue.deliver("a"), true);
  assertEquals(queue.deliver(null), true);
  assertEquals(queue.deliver("PONG"), true);

  assertEquals(outcomes.map(({ calls }) => calls), [
    [["resolve", "a"]],
    [["resolve", null]],
    [["resolve", "PONG"]],
  ]);
  assertEquals(queue.size, 0);
  assertEquals(queue.deliver("extra"), false);
});

Deno.test("pending replies fill batch entries", () => {
  const queue = new PendingReplies(() => {});
  const before = track("GET");
  const batch = track("pipeline", 3);
  const after = track("PING");
  queue.push(before.entry);
  queue.push(batch.entry);
  queue.push(after.entry);

  for (const value of ["x", 1, "OK", [2, "y"], "PONG"]) queue.deliver(value);

  assertEquals(before.calls, [["resolve", "x"]]);
  assertEquals(batch.calls, [["resolve", [1, "OK", [2, "y"]]]]);
  assertEquals(after.calls, [["resolve", "PONG"]]);
  assertEquals(queue.size, 0);
});

Deno.test("pending replies batch waits for all", () => {
  const queue = new PendingReplies(() => {});
  const batch = track("MULTI", 4);
  queue.push(batch.entry);
  queue.deliver("OK");
  queue.deliver("QUEUED");
  queue.deliver("QUEUED");
  assertEquals(batch.calls, []);
  assertEquals(queue.size, 1);
  queue.deliver([1, 2]);
  assertEquals(batch.calls, [["resolve", ["OK", "QUEUED", "QUEUED", [1, 2]]]]);
});

Deno.test("pending replies timeout rejects once", async () => {
  const { queue, expired } = timingQueue();
  const slow = track("HGET", 1, 30);
  queue.push(slow.entry);
  await sleep(120);
  assertEquals(expired, ["HGET"]);
  assertEquals(slow.calls, [["reject", "HGET timed out"]]);
  assertEquals(slow.entry.timedOut, true);
  // The entry stays queued, so the reply it still gets is matched to it.
  assertEquals(queue.size, 1);

  const next = track("PING", 1, 5_000);
  queue.push(next.entry);
  assertEquals(queue.deliver("late"), true);
  assertEquals(slow.calls.length, 1);
  assertEquals(next.calls, []);
  assertEquals(queue.deliver("PONG"), true);
  assertEquals(next.calls, [["resolve", "PONG"]]);
  assertEquals(expired, ["HGET"]);
  assertEquals(queue.size, 0);
  queue.rejectAll(new Error("done"));
});

Deno.test("pending replies drop timed-out batch", async () => {
  const { queue, expired } = timingQueue();
  const batch = track("pipeline", 3, 20);
  queue.push(batch.entry);
  queue.deliver("first");
  await sleep(100);
  assertEquals(expired, ["pipeline"]);

  const next = track("GET", 1, 5_000);
  queue.push(next.entry);
  queue.deliver("second");
  queue.deliver("third");
  assertEquals(next.calls, []);
  queue.deliver("mine");
  assertEquals(batch.calls, [["reject", "pipeline timed out"]]);
  assertEquals(next.calls, [["resolve", "mine"]]);
  queue.rejectAll(new Error("done"));
});

Deno.test("pending replies time out in turn", async () => {
  const { queue, expired } = timingQueue();
  const early = track("A", 1, 20);
  const never = track("B");
  const later = track("C", 1, 150);
  for (const { entry } of [early, never, later]) queue.push(entry);

  await sleep(80);
  assertEquals(expired, ["A"]);
  await sleep(200);
  assertEquals(expired, ["A", "C"]);
  assertEquals(never.calls, []);

  queue.rejectAll(new Error("Lost the connection"));
  assertEquals(never.calls, [["reject", "Lost the connection"]]);
  assertEquals(early.calls.length, 1);
  assertEquals(later.calls.length, 1);
});

Deno.test("pending replies answered before deadline", async () => {
  const { queue, expired } = timingQueue();
  const quick = track("PING", 1, 40);
  queue.push(quick.entry);
  queue.deliver("PONG");
  await sleep(100);
  assertEquals(expired, []);
  assertEquals(quick.calls, [["resolve", "PONG"]]);
});

Deno.test("pending replies rejectAll empties queue", async () => {
  const { queue, expired } = timingQueue();
  const outcomes = [track("pipeline", 2, 30), track("GET", 1, 30), track("PING")];
  for (const { entry } of outcomes) queue.push(entry);
  // The batch got one of its two replies.
  queue.deliver("partial");

  queue.rejectAll(new Error("Lost the connection"));
  assertEquals(queue.size, 0);
  for (const { calls } of outcomes) assertEquals(calls, [["reject", "Lost the connection"]]);

  // The timer went with the entries: nothing expires later.
  await sleep(80);
  assertEquals(expired, []);
  assertEquals(queue.deliver("stray"), false);

  // The queue works again after being emptied.
  const again = track("GET");
  queue.push(again.entry);
  queue.deliver("v");
  assertEquals(again.calls, [["resolve", "v"]]);
});

Deno.test("pending replies compact long queues", () => {
  const queue = new PendingReplies(() => {});
  const outcomes = Array.from({ length: 5_000 }, (_, i) => track(`C${i}`));
  for (const { entry } of outcomes) queue.push(entry);
  for (let i = 0; i < 3_000; i++) queue.deliver(i);
  // Entries pushed while the head is far along still get the right replies.
  const tail = Array.from({ length: 100 }, (_, i) => track(`T${i}`));
  for (const { entry } of tail) queue.push(entry);
  for (let i = 3_000; i < 5_100; i++) queue.deliver(i);

  outcomes.forEach(({ calls }, i) => assertEquals(calls, [["resolve", i]]));
  tail.forEach(({ calls }, i) => assertEquals(calls, [["resolve", 5_000 + i]]));
  assertEquals(queue.size, 0);
  assert(!queue.deliver("none"));
});
