import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { untilAborted } from "./until_aborted.ts";

Deno.test("untilAborted passes result", async () => {
  assertEquals(await untilAborted(Promise.resolve(3), new AbortController().signal), 3);
});

Deno.test("untilAborted stops hung work", async () => {
  const controller = new AbortController();
  const hung = new Promise<number>(() => {});
  const waiting = untilAborted(hung, controller.signal);
  controller.abort(new Error("stopped: test"));
  await assertRejects(() => waiting, Error, "stopped: test");
});

Deno.test("untilAborted after abort", async () => {
  const controller = new AbortController();
  controller.abort(new Error("stopped: early"));
  // The late rejection of the work must not surface as an unhandled rejection.
  const work = Promise.reject(new Error("late"));
  await assertRejects(() => untilAborted(work, controller.signal), Error, "stopped: early");
});
