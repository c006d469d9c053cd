import { assertEquals } from "../../tests/assert.ts";
import { Table } from "./table.ts";
import { monitorOf, withStateDb } from "./_test_redis.ts";

const redisTest = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "table set merges fields",
  ...redisTest,
  async fn() {
    await withStateDb("table", async (client) => {
      const table = new Table(client, "PORT_TABLE", "|");
      await client.hset("PORT_TABLE|Ethernet0", "oper_status", "up");
      await table.set("Ethernet0", [["state", "ok"], ["mtu", "9100"]]);
      assertEquals(await client.call("HGETALL", "PORT_TABLE|Ethernet0"), [
        "oper_status",
        "up",
        "state",
        "ok",
        "mtu",
        "9100",
      ]);
      await table.set("Ethernet4", []);
      assertEquals(await client.call("EXISTS", "PORT_TABLE|Ethernet4"), 0);
    });
  },
});

Deno.test({
  name: "table set is one HSET",
  ...redisTest,
  async fn() {
    await withStateDb("table", async (client) => {
      const table = new Table(client, "PORT_TABLE", "|");
      const monitor = await monitorOf(client);
      const commands: string[] = [];
      monitor.on("monitor", (_time: string, args: string[]) => commands.push(args.join(" ")));
      try {
        await table.set("Ethernet0", [["state", "ok"], ["netdev_oper_status", "up"]]);
        await table.set("Ethernet0", []);
        await table.del("Ethernet0");
        for (let i = 0; i < 200 && commands.length < 2; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        monitor.disconnect();
      }
      assertEquals(commands, [
        "HSET PORT_TABLE|Ethernet0 state ok netdev_oper_status up",
        "DEL PORT_TABLE|Ethernet0",
      ]);
    });
  },
});

Deno.test({
  name: "table get trims field names",
  ...redisTest,
  async fn() {
    await withStateDb("table", async (client) => {
      const table = new Table(client, "PORT", "|");
      await client.hset("PORT|Ethernet0", "alias@ref", "etp1@x", "10", "ten", "lanes", "0,1");
      assertEquals(await table.get("Ethernet0"), [
        ["alias", "etp1@x"],
        ["10", "ten"],
        ["lanes", "0,1"],
      ]);
      assertEquals(await table.get("Ethernet4"), null);
    });
  },
});

Deno.test({
  name: "table hget trims value",
  ...redisTest,
  async fn() {
    await withStateDb("table", async (client) => {
      const table = new Table(client, "DEVICE_METADATA", "|");
      await client.hset("DEVICE_METADATA|localhost", "switch_type", "dpu@1", "hwsku", "x");
      assertEquals(await table.hget("localhost", "switch_type"), "dpu");
      assertEquals(await table.hget("localhost", "hwsku"), "x");
      assertEquals(await table.hget("localhost", "absent"), null);
      assertEquals(await table.hget("other", "hwsku"), null);
    });
  },
});

Deno.test({
  name: "table getKeys strips prefix",
  ...redisTest,
  async fn() {
    await withStateDb("table", async (client) => {
      const table = new Table(client, "PORT_TABLE", ":");
      await client.hset("PORT_TABLE:Ethernet0", "a", "1");
      await client.hset("PORT_TABLE:PortInitDone", "lanes", "0");
      await client.hset("_PORT_TABLE:Ethernet8", "a", "1");
      await client.call("SADD", "PORT_TABLE_KEY_SET", "Ethernet8");
      await client.hset("PORT_TABLE|Ethernet4", "a", "1");
      assertEquals((await table.getKeys()).sort(), ["Ethernet0", "PortInitDone"]);
      assertEquals(table.keyName(""), "PORT_TABLE");
    });
  },
});

Deno.test({
  name: "table appends to MULTI",
  ...redisTest,
  async fn() {
    await withStateDb("table", async (client) => {
      const table = new Table(client, "PORT_TABLE", "|");
      await client.hset("PORT_TABLE|Ethernet8", "state", "ok");
      const multi = client.multi();
      table.appendSet(multi, "Ethernet0", [["state", "ok"], ["mtu", "1500"]]);
      table.appendSet(multi, "Ethernet4", []);
      table.appendDel(multi, "Ethernet8");
      const results = await multi.exec();
      assertEquals(results, [[null, 2], [null, 1]]);
      assertEquals(await table.get("Ethernet0"), [["state", "ok"], ["mtu", "1500"]]);
      assertEquals(await client.call("EXISTS", "PORT_TABLE|Ethernet8"), 0);
    });
  },
});
