import { assertEquals, assertRejects } from "../tests/assert.ts";
import { pause, pollOrThrow, pollUntil } from "./abortable_wait.ts";

Deno.test("pause ends on abort", async () => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(new RangeError("stop")), 20);
  await assertRejects(() => pause(Infinity, controller.signal), RangeError, "stop");
  assertEquals(performance.now() - started < 1000, true);
});

Deno.test("poll until true or timeout", async () => {
  const signal = new AbortController().signal;
  let calls = 0;
  const probe = () => ++calls >= 3;
  assertEquals(
    await pollUntil(probe, { message: "x", timeoutMs: 1000, intervalMs: 1, signal }),
    true,
  );
  assertEquals(calls, 3);
  assertEquals(await pollUntil(() => false, { message: "x", timeoutMs: 30, signal }), false);
  await assertRejects(
    () => pollOrThrow(() => false, { message: "the moon", timeoutMs: 10, signal }),
    Error,
    "Wait for the moon failed: not seen within 10 ms; read the portsyncd log lines above",
  );
});
