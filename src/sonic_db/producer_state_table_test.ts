import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import type { RedisClient } from "../redis/redis_client.ts";
import { monitorOf } from "./_test_redis.ts";
import { createConnection } from "./connection.ts";
import { loadDatabaseConfig } from "./database_config.ts";
import { ProducerStateTable } from "./producer_state_table.ts";
import { RedisWriteError } from "./redis_write_error.ts";
import { startTestRedis, writeTestDatabaseConfig } from "./_test_redis.ts";

const SYNC_CHANNEL = "test_sync";

/** Redis, a producer for APPL_DB PORT_TABLE and a subscriber that records channel messages. */
interface Fixture {
  client: RedisClient;
  table: ProducerStateTable;
  /** Messages received on `PORT_TABLE_CHANNEL@0`, as [channel, payload]. */
  published: Array<[string, string]>;
  /** Wait until the subscriber has received every message published so far. */
  flushPublishes(): Promise<void>;
}

async function withProducer(fn: (fixture: Fixture) => Promise<void>): Promise<void> {
  const server = await startTestRedis();
  const config = await loadDatabaseConfig(
    await writeTestDatabaseConfig(server.dir, server.socketPath),
  );
  const client = createConnection(config, "APPL_DB", { purpose: "producer" });
  const subscriber = createConnection(config, "APPL_DB", { purpose: "subscriber" });
  try {
    await client.connect();
    await subscriber.connect();
    const published: Array<[string, string]> = [];
    let syncs = 0;
    subscriber.on("message", (channel: string, payload: string) => {
      if (channel === SYNC_CHANNEL) syncs++;
      else published.push([channel, payload]);
    });
    await subscriber.subscribe("PORT_TABLE_CHANNEL@0");
    await subscriber.subscribe(SYNC_CHANNEL);

    // Redis delivers messages to one subscriber in publish order, so the sync marker comes last.
    const flushPublishes = async (): Promise<void> => {
      const target = syncs + 1;
      await client.call("PUBLISH", SYNC_CHANNEL, "sync");
      for (let i = 0; i < 200 && syncs < target; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assertEquals(syncs, target, "sync marker not received within 1 s");
    };

    const table = new ProducerStateTable(client, "PORT_TABLE", 0, ":");
    await fn({ client, table, published, flushPublishes });
  } finally {
    client.disconnect();
    subscriber.disconnect();
    await server.stop();
  }
}

async function hashPairs(client: RedisClient, key: string): Promise<string[]> {
  return await client.call("HGETALL", key) as string[];
}

const redisTest = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "producer set stages new key",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table, published, flushPublishes }) => {
      await table.set("Ethernet0", [["lanes", "0,1"], ["mtu", "9100"], ["alias", "etp1"]]);
      await flushPublishes();
      assertEquals(published, [["PORT_TABLE_CHANNEL@0", "G"]]);
      assertEquals((await client.keys("*")).sort(), [
        "PORT_TABLE_KEY_SET",
        "_PORT_TABLE:Ethernet0",
      ]);
      assertEquals(await client.call("SMEMBERS", "PORT_TABLE_KEY_SET"), ["Ethernet0"]);
      assertEquals(await hashPairs(client, "_PORT_TABLE:Ethernet0"), [
        "lanes",
        "0,1",
        "mtu",
        "9100",
        "alias",
        "etp1",
      ]);
    });
  },
});

Deno.test({
  name: "producer set sends swss arguments",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table }) => {
      await table.load();
      const monitor = await monitorOf(client);
      const commands: string[][] = [];
      monitor.on("monitor", (_time: string, args: string[]) => commands.push(args));
      try {
        await table.set("Ethernet4", [["speed", "100000"], ["mtu", "9100"]]);
        await table.del("Ethernet8");
        for (let i = 0; i < 200 && commands.length < 10; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        monitor.disconnect();
      }
      const evalshas = commands.filter((args) => args[0]?.toLowerCase() === "evalsha");
      assertEquals(evalshas.map((args) => args.slice(2)), [
        [
          "4",
          "PORT_TABLE_CHANNEL@0",
          "PORT_TABLE_KEY_SET",
          "_PORT_TABLE:Ethernet4",
          "_PORT_TABLE:Ethernet4",
          "G",
          "Ethernet4",
          "speed",
          "100000",
          "mtu",
          "9100",
        ],
        [
          "4",
          "PORT_TABLE_CHANNEL@0",
          "PORT_TABLE_KEY_SET",
          "_PORT_TABLE:Ethernet8",
          "PORT_TABLE_DEL_SET",
          "G",
          "Ethernet8",
          "''",
          "''",
        ],
      ]);
      const scriptCalls = commands.filter((args) => args[0]?.toLowerCase() !== "evalsha")
        .map((args) => args.join(" "));
      assertEquals(scriptCalls, [
        "SADD PORT_TABLE_KEY_SET Ethernet4",
        "HSET _PORT_TABLE:Ethernet4 speed 100000",
        "HSET _PORT_TABLE:Ethernet4 mtu 9100",
        "PUBLISH PORT_TABLE_CHANNEL@0 G",
        "SADD PORT_TABLE_KEY_SET Ethernet8",
        "SADD PORT_TABLE_DEL_SET Ethernet8",
        "DEL _PORT_TABLE:Ethernet8",
        "PUBLISH PORT_TABLE_CHANNEL@0 G",
      ]);
    });
  },
});

Deno.test({
  name: "producer set merges pending key",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table, published, flushPublishes }) => {
      await table.set("Ethernet0", [["mtu", "1500"], ["speed", "10000"]]);
      await table.set("Ethernet0", [["mtu", "9100"], ["fec", "rs"]]);
      await flushPublishes();
      assertEquals(published.length, 1);
      assertEquals(await hashPairs(client, "_PORT_TABLE:Ethernet0"), [
        "mtu",
        "9100",
        "speed",
        "10000",
        "fec",
        "rs",
      ]);
      assertEquals(await client.call("EXISTS", "PORT_TABLE:Ethernet0"), 0);
    });
  },
});

Deno.test({
  name: "producer set without fields",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table, published, flushPublishes }) => {
      await table.set("PortInitDone", []);
      await flushPublishes();
      assertEquals(published.length, 1);
      assertEquals(await client.call("SMEMBERS", "PORT_TABLE_KEY_SET"), ["PortInitDone"]);
      assertEquals(await client.call("EXISTS", "_PORT_TABLE:PortInitDone"), 0);
    });
  },
});

Deno.test({
  name: "producer del marks deletion",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table, published, flushPublishes }) => {
      await table.set("Ethernet0", [["mtu", "9100"]]);
      await table.del("Ethernet0");
      await flushPublishes();
      assertEquals(published.length, 1, "del of a pending key must not publish");
      assertEquals(await client.call("EXISTS", "_PORT_TABLE:Ethernet0"), 0);
      assertEquals(await client.call("SMEMBERS", "PORT_TABLE_DEL_SET"), ["Ethernet0"]);
      assertEquals(await client.call("SMEMBERS", "PORT_TABLE_KEY_SET"), ["Ethernet0"]);

      await table.del("Ethernet4");
      await flushPublishes();
      assertEquals(published.length, 2, "del of a new key must publish");
      assertEquals((await client.call("SMEMBERS", "PORT_TABLE_DEL_SET") as string[]).sort(), [
        "Ethernet0",
        "Ethernet4",
      ]);
    });
  },
});

Deno.test({
  name: "producer MULTI stages group",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table, published, flushPublishes }) => {
      await client.call("SCRIPT", "FLUSH");
      const monitor = await monitorOf(client);
      const commands: string[] = [];
      // Commands that Lua scripts run come with source "lua"; keep the client's own.
      monitor.on("monitor", (_time: string, args: string[], source: string) => {
        if (source !== "lua") commands.push(args[0]!.toLowerCase());
      });
      try {
        await table.execAtomic((multi) => {
          table.appendSet(multi, "Ethernet0", [["lanes", "0"]]);
          table.appendSet(multi, "Ethernet4", [["lanes", "4"]]);
          table.appendDel(multi, "Ethernet8");
          table.appendSet(multi, "PortConfigDone", [["count", "2"]]);
        });
        for (let i = 0; i < 200 && !commands.includes("exec"); i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        monitor.disconnect();
      }
      await flushPublishes();
      assertEquals(published.length, 4);
      assertEquals((await client.call("SMEMBERS", "PORT_TABLE_KEY_SET") as string[]).sort(), [
        "Ethernet0",
        "Ethernet4",
        "Ethernet8",
        "PortConfigDone",
      ]);
      assertEquals(await client.hget("_PORT_TABLE:PortConfigDone", "count"), "2");
      // The monitor may still see the later sync PUBLISH.
      const outer = commands.slice(0, commands.indexOf("exec") + 1);
      assertEquals(outer, [
        "multi",
        "script",
        "script",
        "evalsha",
        "evalsha",
        "evalsha",
        "evalsha",
        "exec",
      ]);
    });
  },
});

Deno.test({
  name: "producer MULTI reports errors",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table }) => {
      await client.call("SET", "PORT_TABLE_KEY_SET", "not a set");
      const error = await assertRejects(
        () => table.execAtomic((multi) => table.appendSet(multi, "Ethernet0", [["a", "b"]])),
        RedisWriteError,
      );
      assert(
        error.message.startsWith(
          "Failed to run write 1 of a MULTI/EXEC group for PORT_TABLE on DB 0: ",
        ),
      );
      assert(error.message.includes("WRONGTYPE"), error.message);
    });
  },
});

Deno.test({
  name: "producer reloads after NOSCRIPT",
  ...redisTest,
  async fn() {
    await withProducer(async ({ client, table, published, flushPublishes }) => {
      await table.set("Ethernet0", [["mtu", "9100"]]);
      await client.call("SCRIPT", "FLUSH");
      await table.set("Ethernet4", [["mtu", "1500"]]);
      await table.del("Ethernet0");
      await flushPublishes();
      assertEquals(published.length, 2);
      assertEquals(await client.hget("_PORT_TABLE:Ethernet4", "mtu"), "1500");
      assertEquals(await client.call("SMEMBERS", "PORT_TABLE_DEL_SET"), ["Ethernet0"]);
    });
  },
});
