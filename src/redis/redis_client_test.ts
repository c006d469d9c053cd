import { assert, assertEquals, assertMatch, assertRejects } from "../../tests/assert.ts";
import { waitFor } from "../../tests/support/wait_for.ts";
import { type RedisServer, startRedis } from "../../tests/support/redis_server.ts";
import { RedisClient, type RedisClientEvents, type RedisClientOptions } from "./redis_client.ts";
import { CommandTimeoutError, ConnectionClosedError, RedisReplyError } from "./redis_errors.ts";

/** Reconnect delay of the tests, so a restart is seen within a few tens of ms. */
const FAST_RETRY = { retryStrategy: () => 50 };
const EVENT_TIMEOUT_MS = 5_000;

/** A private redis-server, also on a TCP port of 127.0.0.1 when `port` is above 0. */
interface TestServer extends RedisServer {
  readonly port: number;
  /** Sends `signal` to the server, such as SIGSTOP to pause it and SIGCONT to resume it. */
  signal(signal: Deno.Signal): void;
}

/** Starts a server on a unix socket, and on a free TCP port of 127.0.0.1 with `tcp`. */
async function startTestServer(options: { tcp?: boolean } = {}): Promise<TestServer> {
  const port = options.tcp ? freeTcpPort() : 0;
  const tcpConfig = options.tcp ? [`port ${port}`, "bind 127.0.0.1"] : [];
  const server = await startRedis({ extraConfig: tcpConfig });
  return Object.assign(server, {
    port,
    signal: (signal: Deno.Signal) => Deno.kill(server.pid, signal),
  });
}

/** Returns a TCP port of 127.0.0.1 that was free a moment ago. */
function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The running server and a way to open clients that are disconnected afterwards. */
interface World {
  server: TestServer;
  client(options?: Partial<RedisClientOptions>): RedisClient;
  connected(options?: Partial<RedisClientOptions>): Promise<RedisClient>;
}

/** Runs `fn` against a new server, then disconnects its clients and stops the server. */
async function withServer(
  fn: (world: World) => Promise<void>,
  serverOptions: { tcp?: boolean } = {},
): Promise<void> {
  const server = await startTestServer(serverOptions);
  const clients: RedisClient[] = [];
  const client = (options: Partial<RedisClientOptions> = {}) => {
    const created = new RedisClient({ path: server.socketPath, ...options });
    clients.push(created);
    return created;
  };
  const connected = async (options: Partial<RedisClientOptions> = {}) => {
    const created = client(options);
    await created.connect();
    return created;
  };
  try {
    await fn({ server, client, connected });
  } finally {
    for (const created of clients) created.disconnect();
    await server.stop();
  }
}

/** Resolves with the arguments of the next `event`, or rejects after `timeoutMs`. */
function nextEvent<K extends keyof RedisClientEvents>(
  client: RedisClient,
  event: K,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<RedisClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: RedisClientEvents[K]) => {
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`Waiting for "${event}" timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    client.on(event, listener);
  });
}

/** Polls `condition` until it holds, for at most `timeoutMs`. */
function until(condition: () => boolean, message: string, timeoutMs = EVENT_TIMEOUT_MS) {
  return waitFor(() => Promise.resolve(condition()), { message, timeoutMs });
}

/** Returns the `CLIENT LIST` line of the connection named `name`. */
async function clientListLine(client: RedisClient, name: string): Promise<string> {
  const list = String(await client.call("CLIENT", "LIST"));
  const line = list.split("\n").find((entry) => entry.includes(` name=${name} `));
  assert(line !== undefined, `CLIENT LIST has no connection named ${name}: ${list}`);
  return line;
}

/** Records "message" and "pmessage" events as text. */
function recordMessages(client: RedisClient): string[] {
  const seen: string[] = [];
  client.on("message", (channel, payload) => seen.push(`message ${channel} ${payload}`));
  client.on("pmessage", (pattern, channel, payload) => {
    seen.push(`pmessage ${pattern} ${channel} ${payload}`);
  });
  return seen;
}

Deno.test("client connect sets name and db", async () => {
  await withServer(async ({ client }) => {
    const redis = client({ name: "portsyncd-test", db: 5 });
    assertEquals(redis.status, "wait");
    let readyEvents = 0;
    redis.on("ready", () => readyEvents++);

    const connecting = redis.connect();
    assertEquals(redis.status, "connecting");
    await connecting;

    assertEquals(redis.status, "ready");
    assertEquals(readyEvents, 1);
    const line = await clientListLine(redis, "portsyncd-test");
    assertMatch(line, / db=5 /);
    await assertRejects(
      () => redis.connect(),
      Error,
      `Failed to connect to Redis at ${redis.endpoint}: the client is already ready; ` +
        "call disconnect() first to connect again",
    );
  });
});

Deno.test("client hash commands keep order", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    // A small hash keeps insertion order, which a plain JavaScript object would break for
    // integer-like field names.
    assertEquals(await redis.hset("PORT_TABLE:Ethernet8", "10", "a", "2", "b", "speed", 100000), 3);
    assertEquals(await redis.hset("PORT_TABLE:Ethernet8", "1", "c", "2", "B"), 1);

    assertEquals(await redis.hget("PORT_TABLE:Ethernet8", "2"), "B");
    assertEquals(await redis.hget("PORT_TABLE:Ethernet8", "missing"), null);
    assertEquals(await redis.hget("PORT_TABLE:none", "2"), null);
    assertEquals(await redis.hmget("PORT_TABLE:Ethernet8", "speed", "nope", "10"), [
      "100000",
      null,
      "a",
    ]);
    assertEquals(await redis.hgetall("PORT_TABLE:Ethernet8"), [
      ["10", "a"],
      ["2", "B"],
      ["speed", "100000"],
      ["1", "c"],
    ]);
    assertEquals(await redis.hgetall("PORT_TABLE:none"), []);
  });
});

Deno.test("client key commands and scan", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected({ db: 2 });
    const names = Array.from({ length: 60 }, (_, i) => `PORT_TABLE:Ethernet${i * 4}`);
    for (const name of names) await redis.hset(name, "admin_status", "up");
    await redis.hset("LAG_TABLE:PortChannel1", "mtu", 9100);

    assertEquals((await redis.keys("PORT_TABLE:*")).sort(), [...names].sort());
    assertEquals(await redis.keys("VLAN_TABLE:*"), []);

    const scanned = new Set<string>();
    let cursor = "0";
    for (let step = 0; step < 1_000; step++) {
      const [nextCursor, keys] = await redis.scan(cursor, "PORT_TABLE:*", 7);
      for (const key of keys) scanned.add(key);
      cursor = nextCursor;
      if (cursor === "0") break;
    }
    assertEquals(cursor, "0");
    assertEquals([...scanned].sort(), [...names].sort());

    assertEquals(await redis.del(names[0]!, names[1]!, "no-such-key"), 2);
    assertEquals((await redis.keys("PORT_TABLE:*")).length, 58);
  });
});

Deno.test("client configGet reads settings", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    assertEquals(await redis.configGet("appendonly"), "no");
    assertEquals(await redis.configGet("unixsocketperm"), "700");
    assertEquals(await redis.configGet("no-such-parameter"), null);
  });
});

Deno.test("client scripts load and run", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    const script = "redis.call('HSET', KEYS[1], 'f', ARGV[1]); " +
      "return {KEYS[1], ARGV[1], redis.call('HLEN', KEYS[1])}";
    const sha = await redis.scriptLoad(script);
    assertMatch(sha, /^[0-9a-f]{40}$/);

    assertEquals(await redis.evalsha(sha, 1, "PORT_TABLE:Ethernet0", "portés"), [
      "PORT_TABLE:Ethernet0",
      "portés",
      1,
    ]);
    assertEquals(await redis.hget("PORT_TABLE:Ethernet0", "f"), "portés");

    const error = await assertRejects(
      () => redis.evalsha("0".repeat(40), 0),
      RedisReplyError,
    );
    assertEquals(error.code, "NOSCRIPT");
  });
});

Deno.test("client error reply rejects", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    await redis.call("SET", "plain", "v");
    const error = await assertRejects(
      () => redis.hget("plain", "f"),
      RedisReplyError,
      "WRONGTYPE Operation against a key holding the wrong kind of value",
    );
    assertEquals(error.code, "WRONGTYPE");
    await assertRejects(() => redis.call("NO-SUCH-COMMAND"), RedisReplyError);
    // The connection stays usable after an error reply.
    assertEquals(await redis.ping(), "PONG");
  });
});

Deno.test("client pipeline keeps failed command", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    await redis.call("SET", "plain", "v");
    const replies = await redis.pipeline()
      .hset("PORT_TABLE:Ethernet0", "mtu", 9100)
      .hset("plain", "f", "v")
      .hgetall("PORT_TABLE:Ethernet0")
      .exists("plain")
      .exec();

    assert(replies !== null);
    assertEquals(replies.length, 4);
    assertEquals(replies[0], [null, 1]);
    const [failure, failedValue] = replies[1]!;
    assert(failure instanceof RedisReplyError);
    assertEquals(failure.code, "WRONGTYPE");
    assertEquals(failedValue, null);
    assertEquals(replies[2], [null, ["mtu", "9100"]]);
    assertEquals(replies[3], [null, 1]);
  });
});

Deno.test("client multi runs atomically", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    await redis.call("SET", "plain", "v");
    const replies = await redis.multi()
      .hset("PORT_TABLE:Ethernet0", "mtu", 9100)
      .call("HGET", "plain", "f")
      .call("HLEN", "PORT_TABLE:Ethernet0")
      .exec();

    assert(replies !== null);
    assertEquals(replies[0], [null, 1]);
    // An error at run time fails only its own command.
    assertEquals(replies[1]?.[0]?.code, "WRONGTYPE");
    assertEquals(replies[2], [null, 1]);
  });
});

Deno.test("client multi EXECABORT names command", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    const error = await assertRejects(
      () => redis.multi().hset("h", "a", "1").call("HSET", "h", "b").exec(),
      RedisReplyError,
    );
    assertEquals(error.code, "EXECABORT");
    assertMatch(error.message, /wrong number of arguments for 'hset' command/);
    // Redis ran nothing of the discarded transaction.
    assertEquals(await redis.hgetall("h"), []);
    assertEquals(await redis.ping(), "PONG");
  });
});

Deno.test("client fails before connect", async () => {
  await withServer(async ({ client }) => {
    const redis = client();
    const started = performance.now();
    await assertRejects(
      () => redis.hget("k", "f"),
      ConnectionClosedError,
      `Failed to send HGET to Redis at ${redis.endpoint}: the connection is not ready (status wait); ` +
        "retry once it reconnects",
    );
    await assertRejects(() => redis.pipeline().del("k").exec(), ConnectionClosedError);
    assert(performance.now() - started < 100, "the commands waited instead of failing at once");
  });
});

Deno.test("client fails after disconnect", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    redis.disconnect();
    assertEquals(redis.status, "end");
    const started = performance.now();
    await assertRejects(
      () => redis.ping(),
      ConnectionClosedError,
      `Failed to send PING to Redis at ${redis.endpoint}: the connection is not ready (status end); ` +
        "retry once it reconnects",
    );
    await assertRejects(() => redis.multi().del("k").exec(), ConnectionClosedError);
    assert(performance.now() - started < 100, "the commands waited instead of failing at once");
  });
});

Deno.test("client disconnect rejects in-flight", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected({ name: "blocked" });
    const watcher = await connected();
    let closeEvents = 0;
    redis.on("close", () => closeEvents++);

    const blocked = redis.call("BLPOP", "empty-list", 0);
    await waitFor(
      async () => (await clientListLine(watcher, "blocked")).includes("cmd=blpop"),
      { message: "BLPOP to block", timeoutMs: 2_000 },
    );
    redis.disconnect();

    await assertRejects(
      () => blocked,
      ConnectionClosedError,
      `Lost the reply from Redis at ${redis.endpoint}: the connection closed; ` +
        "the command may or may not have run",
    );
    assertEquals(closeEvents, 1);
    assertEquals(redis.status, "end");
  });
});

Deno.test("client times out stopped server", async () => {
  await withServer(async ({ server, connected }) => {
    const redis = await connected({ commandTimeoutMs: 300 });
    const unexpected: Error[] = [];
    redis.on("error", (error) => unexpected.push(error));
    await redis.hset("k", "a", "1", "b", "2", "c", "3");

    server.signal("SIGSTOP");
    let next: Promise<string | null>;
    try {
      const started = performance.now();
      await assertRejects(
        () => redis.hget("k", "a"),
        CommandTimeoutError,
        `Failed to get a reply to HGET from Redis at ${redis.endpoint} within 300 ms; ` +
          "check that the server is running and not stopped",
      );
      const elapsed = performance.now() - started;
      assert(elapsed >= 295, `timed out early, after ${elapsed} ms`);
      assert(elapsed < 2_000, `timed out late, after ${elapsed} ms`);
      // Sent while the late reply is still due, so it must not take that reply.
      next = redis.hget("k", "b");
    } finally {
      server.signal("SIGCONT");
    }

    assertEquals(await next, "2");
    assertEquals(await redis.hget("k", "c"), "3");
    assertEquals(redis.status, "ready");
    assertEquals(unexpected, []);
  });
});

Deno.test("client resubscribes after restart", async () => {
  await withServer(async ({ server, connected }) => {
    const subscriber = await connected({ ...FAST_RETRY, name: "subscriber" });
    const publisher = await connected(FAST_RETRY);
    const seen = recordMessages(subscriber);
    await subscriber.subscribe("PORT_EVENTS");
    await subscriber.psubscribe("PORT_TABLE:*");
    assertEquals(await publisher.call("PUBLISH", "PORT_EVENTS", "before"), 1);
    assertEquals(await publisher.call("PUBLISH", "PORT_TABLE:Ethernet0", "up"), 1);
    await until(() => seen.length === 2, "two messages");

    const statusAtClose: string[] = [];
    let readyEvents = 0;
    subscriber.on("close", () => statusAtClose.push(subscriber.status));
    subscriber.on("ready", () => readyEvents++);
    // Settled into a value at once, so its rejection is never unhandled.
    const blocked = publisher.call("BLPOP", "empty-list", 0).catch((error: Error) => error);
    const closed = nextEvent(subscriber, "close");
    await server.kill();
    await closed;
    assertEquals(subscriber.status, "reconnecting");
    assertEquals(statusAtClose, ["reconnecting"]);
    await assertRejects(() => subscriber.ping(), ConnectionClosedError);
    const lost = await blocked;
    assert(lost instanceof ConnectionClosedError, `BLPOP ended with ${lost}`);
    assertMatch(lost.message, /^Lost the reply from Redis at .+: the connection closed; /);

    const ready = nextEvent(subscriber, "ready");
    await server.restart();
    await ready;
    assertEquals(subscriber.status, "ready");
    assertEquals(readyEvents, 1);
    assertEquals(statusAtClose.length, 1);
    await until(() => publisher.status === "ready", "the publisher to reconnect");

    assertEquals(await publisher.call("PUBLISH", "PORT_EVENTS", "after"), 1);
    assertEquals(await publisher.call("PUBLISH", "PORT_TABLE:Ethernet4", "down"), 1);
    await until(() => seen.length === 4, "four messages");
    assertEquals(seen, [
      "message PORT_EVENTS before",
      "pmessage PORT_TABLE:* PORT_TABLE:Ethernet0 up",
      "message PORT_EVENTS after",
      "pmessage PORT_TABLE:* PORT_TABLE:Ethernet4 down",
    ]);
  });
});

Deno.test("client skips resubscribe when off", async () => {
  await withServer(async ({ server, connected }) => {
    const subscriber = await connected({ ...FAST_RETRY, autoResubscribe: false });
    const publisher = await connected(FAST_RETRY);
    const seen = recordMessages(subscriber);
    await subscriber.subscribe("PORT_EVENTS");
    await subscriber.psubscribe("PORT_TABLE:*");
    assertEquals(await publisher.call("PUBLISH", "PORT_EVENTS", "before"), 1);
    await until(() => seen.length === 1, "one message");

    const closed = nextEvent(subscriber, "close");
    await server.kill();
    await closed;
    const ready = nextEvent(subscriber, "ready");
    await server.restart();
    await ready;
    await until(() => publisher.status === "ready", "the publisher to reconnect");

    // PUBLISH returns the count of receivers, and no client is subscribed any more.
    assertEquals(await publisher.call("PUBLISH", "PORT_EVENTS", "after"), 0);
    assertEquals(await publisher.call("PUBLISH", "PORT_TABLE:Ethernet4", "down"), 0);
    // Out of subscribe mode, the connection takes ordinary commands again.
    assertEquals(await subscriber.hset("h", "f", "v"), 1);
    assertEquals(seen, ["message PORT_EVENTS before"]);
  });
});

Deno.test("client retries until server starts", async () => {
  await withServer(async ({ server, client }) => {
    await server.kill();
    const redis = client(FAST_RETRY);
    const failure = await assertRejects(() => redis.connect(), ConnectionClosedError);
    assertMatch(
      failure.message,
      new RegExp(
        `^Failed to connect to Redis at ${server.socketPath}: .+; check that redis-server`,
      ),
    );
    assertEquals(redis.status, "reconnecting");

    const ready = nextEvent(redis, "ready");
    await server.restart();
    await ready;
    assertEquals(await redis.ping(), "PONG");
  });
});

Deno.test("client bad db fails connect", async () => {
  await withServer(async ({ client }) => {
    const redis = client({ db: 99, retryStrategy: () => 60_000 });
    await assertRejects(() => redis.connect(), RedisReplyError, "ERR DB index is out of range");
    assert(redis.status !== "ready", `status is ${redis.status}`);
  });
});

Deno.test("client connects over TCP", async () => {
  await withServer(async ({ server }) => {
    assert(server.port > 0);
    const redis = new RedisClient({ hostname: "127.0.0.1", port: server.port, name: "tcp", db: 1 });
    try {
      await redis.connect();
      assertEquals(redis.endpoint, `127.0.0.1:${server.port}`);
      assertEquals(await redis.hset("k", "f", "über"), 1);
      assertEquals(await redis.hget("k", "f"), "über");
      const line = await clientListLine(redis, "tcp");
      assertMatch(line, /^id=\d+ addr=127\.0\.0\.1:\d+ /);
      assertMatch(line, / db=1 /);
    } finally {
      redis.disconnect();
    }
  }, { tcp: true });
});

Deno.test("client pipelines 10000 commands", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected({ commandTimeoutMs: 10_000 });
    const count = 10_000;
    // Field counts cycle through 1 to 5, so a reply given to the wrong HSET shows.
    const fieldCounts = Array.from({ length: count }, (_, i) => (i * 7) % 5 + 1);
    const started = performance.now();
    const replies = await Promise.all(fieldCounts.map((fields, i) => {
      const pairs = Array.from({ length: fields }, (_, f) => [`f${f}`, `${i}.${f}`]).flat();
      return redis.hset(`PORT_TABLE:Ethernet${i}`, ...pairs);
    }));
    const counters = await Promise.all(
      Array.from({ length: count }, () => redis.call("HINCRBY", "counters", "n", 1)),
    );
    const elapsed = performance.now() - started;

    assertEquals(replies, fieldCounts);
    assertEquals(counters, Array.from({ length: count }, (_, i) => i + 1));
    assertEquals(await redis.hget("PORT_TABLE:Ethernet9999", "f0"), "9999.0");
    assert(elapsed < 10_000, `20000 commands took ${elapsed} ms`);
  });
});

Deno.test("client reads 1 MB reply", async () => {
  await withServer(async ({ connected }) => {
    const redis = await connected();
    // ASCII and 2- and 3-byte characters, so chunk edges fall inside characters too.
    const value = "Ethernet0 é 端口 ".repeat(60_000);
    const bytes = new TextEncoder().encode(value).length;
    assert(bytes > 1_000_000, `value has only ${bytes} bytes`);

    await redis.hset("big", "value", value, "small", "s");
    assertEquals(await redis.call("HSTRLEN", "big", "value"), bytes);
    const read = await redis.hget("big", "value");
    assert(read === value, `read ${read?.length} characters, expected ${value.length}`);
    const pairs = await redis.hgetall("big");
    assertEquals(pairs.length, 2);
    // A value this long turns the hash into a hash table, whose order is not insertion order.
    const fields = new Map(pairs);
    assert(fields.get("value") === value, "HGETALL returned another value");
    assertEquals(fields.get("small"), "s");
    assertEquals(await redis.ping(), "PONG");
  });
});

Deno.test("client off removes once listener", async () => {
  await withServer(async ({ server, connected }) => {
    const client = await connected(FAST_RETRY);
    let calls = 0;
    const listener = () => calls++;
    client.once("close", listener);
    client.off("close", listener);
    const closed = nextEvent(client, "close");
    await server.kill();
    await closed;
    assertEquals(calls, 0);
  });
});

Deno.test("client survives throwing listener", async () => {
  await withServer(async ({ connected }) => {
    const subscriber = await connected();
    const publisher = await connected();
    subscriber.on("message", () => {
      throw new Error("listener bug");
    });
    await subscriber.subscribe("events");
    const reported = nextEvent(subscriber, "error");
    await publisher.call("PUBLISH", "events", "one");
    const [error] = await reported;
    assertMatch(error.message, /"message" listener of the Redis client threw: listener bug/);
    assertEquals(subscriber.status, "ready");
    assertEquals(await publisher.call("PUBLISH", "events", "two"), 1);
  });
});
