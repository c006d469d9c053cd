import { assert, assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import {
  createConnection,
  RECONNECT_MAX_DELAY_MS,
  type ReconnectAttempt,
  reconnectDelayMs,
} from "./connection.ts";
import { loadDatabaseConfig, parseDatabaseConfig } from "./database_config.ts";
import { startTestRedis, writeTestDatabaseConfig } from "./_test_redis.ts";

Deno.test("reconnectDelayMs doubles then caps", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50, 1000].map(reconnectDelayMs);
  assertEquals(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
  assertEquals(reconnectDelayMs(Number.MAX_SAFE_INTEGER), RECONNECT_MAX_DELAY_MS);
});

Deno.test("reconnectDelayMs rejects attempt zero", () => {
  assertThrows(
    () => reconnectDelayMs(0),
    RangeError,
    "Failed to compute reconnect delay: attempt must be an integer of at least 1, got 0",
  );
  assertThrows(() => reconnectDelayMs(1.5), RangeError);
});

Deno.test({
  name: "connection selects configured DB",
  async fn() {
    const server = await startTestRedis();
    const client = createConnection(
      await loadDatabaseConfig(await writeTestDatabaseConfig(server.dir, server.socketPath)),
      "TEST_DB",
      { purpose: "test" },
    );
    try {
      assertEquals(client.status, "wait");
      await client.connect();
      const info = await client.call("CLIENT", "INFO") as string;
      assertMatch(info, / db=9 /);
      assertMatch(info, / name=portsyncd-test /);
      assertMatch(info, / addr=\/.*redis\.sock:0 /);
      await client.call("SET", "probe", "1");

      const checker = createConnection(
        await loadDatabaseConfig(`${server.dir}/database_config.json`),
        "APPL_DB",
        { purpose: "checker" },
      );
      await checker.connect();
      try {
        assertEquals(await checker.call("GET", "probe"), null);
        await checker.call("SELECT", 9);
        assertEquals(await checker.call("GET", "probe"), "1");
      } finally {
        checker.disconnect();
      }
    } finally {
      client.disconnect();
      await server.stop();
    }
  },
});

Deno.test({
  name: "connection fails fast offline",
  async fn() {
    const config = parseDatabaseConfig(
      "/test/db.json",
      JSON.stringify({
        INSTANCES: { redis: { hostname: "127.0.0.1", port: 6379, unix_socket_path: "/x.sock" } },
        DATABASES: { APPL_DB: { id: 0, separator: ":", instance: "redis" } },
      }),
    );
    const client = createConnection(config, "APPL_DB", { purpose: "offline" });
    try {
      let rejected = false;
      await client.call("GET", "k").catch(() => rejected = true);
      assert(rejected, "a command before connect() must fail instead of queueing");
    } finally {
      client.disconnect();
    }
  },
});

Deno.test({
  name: "connection reports reconnect attempts",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sonic_db_test_" });
    const socketPath = `${dir}/late.sock`;
    const config = await loadDatabaseConfig(await writeTestDatabaseConfig(dir, socketPath));
    const attempts: ReconnectAttempt[] = [];
    const client = createConnection(config, "STATE_DB", {
      purpose: "retry",
      retryStrategy: (attempt) => 10 * attempt,
      onReconnect: (attempt) => attempts.push(attempt),
    });
    client.on("error", () => {});
    let server: Awaited<ReturnType<typeof startTestRedis>> | undefined;
    try {
      await client.connect().catch(() => {});
      for (let i = 0; i < 100 && attempts.length < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert(attempts.length >= 3, `expected 3 reconnect attempts, got ${attempts.length}`);
      assertEquals(attempts[0], {
        dbName: "STATE_DB",
        endpoint: socketPath,
        attempt: 1,
        delayMs: 10,
      });
      assertEquals(attempts[2]?.attempt, 3);
      assertEquals(attempts[2]?.delayMs, 30);

      // The client keeps retrying until the server appears, then selects the DB.
      server = await startTestRedis(socketPath);
      for (let i = 0; i < 200 && client.status !== "ready"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assertEquals(client.status, "ready");
      assertMatch(await client.call("CLIENT", "INFO") as string, / db=6 /);
    } finally {
      client.disconnect();
      await server?.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "connection uses TCP without socket",
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const dir = await Deno.makeTempDir({ prefix: "sonic_db_test_" });
    const child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const config = parseDatabaseConfig(
      "/test/db.json",
      JSON.stringify({
        INSTANCES: { redis: { hostname: "127.0.0.1", port, unix_socket_path: "" } },
        DATABASES: { STATE_DB: { id: 6, separator: "|", instance: "redis" } },
      }),
    );
    const client = createConnection(config, "STATE_DB", {
      purpose: "tcp",
      retryStrategy: () => 20,
    });
    client.on("error", () => {});
    try {
      let connected = false;
      for (let i = 0; i < 50 && !connected; i++) {
        connected = await client.connect().then(() => true, () => false);
        if (!connected) {
          client.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      assert(connected, `failed to connect to redis-server on 127.0.0.1:${port}`);
      const info = await client.call("CLIENT", "INFO") as string;
      assertMatch(info, / db=6 /);
      assertMatch(info, / laddr=127\.0\.0\.1:/);
    } finally {
      client.disconnect();
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
