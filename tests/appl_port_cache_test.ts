import type { Redis } from "ioredis";
import { RedisClient } from "../src/redis/redis_client.ts";
import { ApplPortCache } from "../src/sync/appl_port_cache.ts";
import { assert, assertEquals } from "./assert.ts";
import { type RedisServer, startRedis, waitFor } from "./support/mod.ts";

/** Count of calls of one command since the server started, from INFO commandstats. */
async function calls(client: Redis, command: string): Promise<number> {
  const text = await client.info("commandstats");
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

function subscriberFor(redis: RedisServer): RedisClient {
  return new RedisClient({
    path: redis.socketPath,
    db: 0,
    autoResubscribe: false,
    name: "test-appl-events",
    retryStrategy: () => 300,
  });
}

async function withCache(
  test: (cache: ApplPortCache, redis: RedisServer, appl: Redis) => Promise<void>,
  extraConfig: string[] = [],
): Promise<void> {
  const redis = await startRedis({ extraConfig });
  const appl = redis.client("APPL_DB");
  const cache = new ApplPortCache({
    client: await redis.daemonClient("APPL_DB"),
    subscriber: subscriberFor(redis),
    dbId: 0,
    separator: ":",
  });
  try {
    await test(cache, redis, appl);
  } finally {
    cache.close();
    await redis.stop();
  }
}

Deno.test("appl port cache follows other clients", async () => {
  await withCache(async (cache, _redis, appl) => {
    await appl.hset("PORT_TABLE:Ethernet0", "lanes", "0");
    await cache.start();
    assert(cache.ready, "cache should be ready after start");
    const writer = appl.duplicate();
    try {
      assertEquals([...await cache.existing(["Ethernet0", "Ethernet4"])], ["Ethernet0"]);
      await writer.hset("PORT_TABLE:Ethernet4", "lanes", "4");
      await waitFor(async () => (await cache.existing(["Ethernet4"])).has("Ethernet4"), {
        message: "Ethernet4 seen as created",
      });
      await writer.del("PORT_TABLE:Ethernet0");
      await writer.hdel("PORT_TABLE:Ethernet4", "lanes");
      await waitFor(async () => (await cache.existing(["Ethernet0", "Ethernet4"])).size === 0, {
        message: "both ports seen as deleted",
      });
      assertEquals(await calls(appl, "exists"), 0, "lookups must not read Redis");
    } finally {
      writer.disconnect();
    }
  });
});

Deno.test("appl port cache rescans after reconnect", async () => {
  await withCache(async (cache, _redis, appl) => {
    await cache.start();
    const scansBefore = await calls(appl, "scan");
    await appl.call("CLIENT", "KILL", "TYPE", "pubsub");
    await waitFor(() => Promise.resolve(!cache.ready), {
      message: "cache invalidated by the dropped connection",
    });
    // Written while the subscriber reconnects, so only the rescan can see it.
    await appl.hset("PORT_TABLE:Ethernet8", "lanes", "8");
    await waitFor(() => Promise.resolve(cache.ready), {
      message: "cache ready again",
      timeoutMs: 5000,
    });
    assert(await calls(appl, "scan") > scansBefore, "reconnect should rescan");
    assertEquals([...await cache.existing(["Ethernet8"])], ["Ethernet8"]);
  });
});

Deno.test("appl port cache falls back without events", async () => {
  await withCache(async (cache, _redis, appl) => {
    await cache.start();
    assert(!cache.ready, "cache must not answer from memory without hash events");
    await appl.hset("PORT_TABLE:Ethernet0", "lanes", "0");
    assertEquals([...await cache.existing(["Ethernet0", "Ethernet4"])], ["Ethernet0"]);
    assertEquals(await calls(appl, "exists"), 2, "fallback should use EXISTS");
  }, ["notify-keyspace-events Kls"]);
});
