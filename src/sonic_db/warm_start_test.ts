import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { checkWarmStart, setWarmStartState, WarmStartError } from "./warm_start.ts";
import { withStateDb } from "./_test_redis.ts";

const redisTest = { sanitizeOps: false, sanitizeResources: false };
const RESTORE_KEY = "WARM_RESTART_TABLE|portsyncd";

Deno.test({
  name: "warm start not enabled",
  ...redisTest,
  async fn() {
    await withStateDb("warm", async (client) => {
      await client.hset(RESTORE_KEY, "restore_count", "5");
      await client.hset("WARM_RESTART_ENABLE_TABLE|swss", "enable", "True");
      assertEquals(await checkWarmStart(client), {
        warm: false,
        systemWarmReboot: false,
        restoreCount: 0,
        restoreCountMissing: false,
      });
      assertEquals(await client.hgetall(RESTORE_KEY), [["restore_count", "0"]]);
    });
  },
});

Deno.test({
  name: "warm start system enabled",
  ...redisTest,
  async fn() {
    await withStateDb("warm", async (client) => {
      await client.hset("WARM_RESTART_ENABLE_TABLE|system", "enable", "true");
      await client.hset(RESTORE_KEY, "restore_count", "2");
      assertEquals(await checkWarmStart(client, "portsyncd", "swss", "|"), {
        warm: true,
        systemWarmReboot: true,
        restoreCount: 3,
        restoreCountMissing: false,
      });
      assertEquals(await client.hget(RESTORE_KEY, "restore_count"), "3");
    });
  },
});

Deno.test({
  name: "warm start swss enabled",
  ...redisTest,
  async fn() {
    await withStateDb("warm", async (client) => {
      await client.hset("WARM_RESTART_ENABLE_TABLE|swss", "enable", "true");
      await client.hset(RESTORE_KEY, "restore_count", "0");
      assertEquals(await checkWarmStart(client), {
        warm: true,
        systemWarmReboot: false,
        restoreCount: 1,
        restoreCountMissing: false,
      });
      assertEquals((await checkWarmStart(client)).restoreCount, 2);
      assertEquals(await client.hget(RESTORE_KEY, "restore_count"), "2");
    });
  },
});

Deno.test({
  name: "warm start missing count",
  ...redisTest,
  async fn() {
    await withStateDb("warm", async (client) => {
      await client.hset("WARM_RESTART_ENABLE_TABLE|system", "enable", "true");
      assertEquals(await checkWarmStart(client), {
        warm: false,
        systemWarmReboot: false,
        restoreCount: 0,
        restoreCountMissing: true,
      });
      assertEquals(await client.hget(RESTORE_KEY, "restore_count"), "0");

      await client.hset(RESTORE_KEY, "restore_count", "");
      assertEquals((await checkWarmStart(client)).restoreCountMissing, true);
      assertEquals(await client.hget(RESTORE_KEY, "restore_count"), "0");
    });
  },
});

Deno.test({
  name: "warm start non-numeric count",
  ...redisTest,
  async fn() {
    await withStateDb("warm", async (client) => {
      await client.hset("WARM_RESTART_ENABLE_TABLE|swss", "enable", "true");
      await client.hset(RESTORE_KEY, "restore_count", "abc");
      const error = await assertRejects(
        () => checkWarmStart(client),
        WarmStartError,
        "Failed to read warm restart count: WARM_RESTART_TABLE|portsyncd field restore_count " +
          'is "abc", not a decimal number; set it to 0 or delete the field',
      );
      assertEquals(error.key, RESTORE_KEY);
      assertEquals(error.value, "abc");
      assertEquals(await client.hget(RESTORE_KEY, "restore_count"), "abc");
    });
  },
});

Deno.test({
  name: "warm start state written",
  ...redisTest,
  async fn() {
    await withStateDb("warm", async (client) => {
      await setWarmStartState(client, "portsyncd", "reconciled");
      assertEquals(await client.hget(RESTORE_KEY, "state"), "reconciled");
      await setWarmStartState(client, "orchagent", "restored", "|");
      assertEquals(await client.hget("WARM_RESTART_TABLE|orchagent", "state"), "restored");
    });
  },
});
