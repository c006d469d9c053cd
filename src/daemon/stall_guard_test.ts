import { RedisClient } from "../redis/redis_client.ts";
import { assert, assertEquals } from "../../tests/assert.ts";
import { startRedis } from "../../tests/support/redis_server.ts";
import { waitFor } from "../../tests/support/wait_for.ts";
import { isCommandTimeout, StallGuard } from "./stall_guard.ts";

const TIMEOUT_MS = 200;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("StallGuard frozen server recovers", async () => {
  const redis = await startRedis();
  const client = new RedisClient({ path: redis.socketPath, commandTimeoutMs: TIMEOUT_MS });
  let recovered = 0;
  const guard = new StallGuard({
    client,
    dbName: "STATE_DB",
    onRecovered: () => recovered++,
    probeIntervalMs: 50,
  });
  let resumed = false;
  try {
    await client.connect();
    await guard.watch(client.call("SET", "k", "0"));
    await guard.watch(Promise.reject(new Error("WRONGTYPE"))).catch(() => {});
    assertEquals(guard.stalled, false, "stalled by an error that is no timeout");

    Deno.kill(redis.pid, "SIGSTOP");
    const started = performance.now();
    const failed = await guard.watch(client.multi().call("SET", "k", "1").exec()).catch((error) =>
      error
    );
    assert(isCommandTimeout(failed), `expected a timeout, got ${failed}`);
    assert(performance.now() - started < TIMEOUT_MS * 3, "timeout took too long");
    assertEquals(guard.stalled, true);
    await sleep(300);
    assertEquals(recovered, 0, "recovered while the server is stopped");

    Deno.kill(redis.pid, "SIGCONT");
    resumed = true;
    await waitFor(() => Promise.resolve(recovered === 1), {
      message: "recovery after SIGCONT",
      timeoutMs: 1000,
    });
    assertEquals(guard.stalled, false);
    // The late transaction ran before anything sent after it, and its reply was dropped.
    assertEquals(await client.call("GET", "k"), "1");
    await client.call("SET", "k", "2");
    assertEquals(await client.call("GET", "k"), "2");
  } finally {
    if (!resumed) Deno.kill(redis.pid, "SIGCONT");
    guard.close();
    client.disconnect();
    await redis.stop();
  }
});
