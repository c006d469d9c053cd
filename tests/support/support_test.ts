import nodeAssert from "node:assert/strict";
import type { Redis } from "ioredis";
import {
  createNamespace,
  Orchagent,
  P2_PORTS,
  parseMonitorLine,
  peerName,
  readStatePort,
  seedConfigPorts,
  seedVisibleApplPorts,
  startDaemon,
  startRecorder,
  startRedis,
  waitFor,
  WaitForTimeoutError,
} from "./mod.ts";

function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

function assertEquals(actual: unknown, expected: unknown): void {
  nodeAssert.deepStrictEqual(actual, expected);
}

function assertMatch(actual: string, expected: RegExp): void {
  nodeAssert.match(actual, expected);
}

function assertStringIncludes(actual: string, expected: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    `expected ${JSON.stringify(actual)} to include ${expected}`,
  );
}

/** Awaits `fn`, asserts it rejects with `type` (and `text` inside the message), returns the error. */
async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  type?: abstract new (...args: never[]) => E,
  text?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    nodeAssert.ok(error instanceof (type ?? Error), `unexpected rejection: ${String(error)}`);
    if (text !== undefined) assertStringIncludes((error as Error).message, text);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: "expected a rejection" });
}

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

// Producer side of swss-common's ProducerStateTable set and del, written out so that the tests stage data the
// way portsyncd's ProducerStateTable does.
const PRODUCER_SET_LUA = `
local added = redis.call('SADD', KEYS[2], ARGV[2])
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], ARGV[2 * i - 3], ARGV[2 * i - 2])
end
if added > 0 then redis.call('PUBLISH', KEYS[1], ARGV[1]) end
`;
const PRODUCER_DEL_LUA = `
local added = redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('DEL', KEYS[3])
if added > 0 then redis.call('PUBLISH', KEYS[1], ARGV[1]) end
`;

async function producerSet(
  applDb: Redis,
  key: string,
  fields: Record<string, string>,
): Promise<void> {
  const pairs = Object.entries(fields);
  const temp = `_PORT_TABLE:${key}`;
  await applDb.eval(
    PRODUCER_SET_LUA,
    pairs.length + 2,
    "PORT_TABLE_CHANNEL@0",
    "PORT_TABLE_KEY_SET",
    ...pairs.map(() => temp),
    "G",
    key,
    ...pairs.flat(),
  );
}

async function producerDel(applDb: Redis, key: string): Promise<void> {
  await applDb.eval(
    PRODUCER_DEL_LUA,
    4,
    "PORT_TABLE_CHANNEL@0",
    "PORT_TABLE_KEY_SET",
    `_PORT_TABLE:${key}`,
    "PORT_TABLE_DEL_SET",
    "G",
    key,
    "''",
    "''",
  );
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("redis server starts and stops", async () => {
  const redis = await startRedis();
  let dirGone = false;
  try {
    const config = JSON.parse(await Deno.readTextFile(redis.dbConfigPath));
    assertEquals(config.INSTANCES.redis, {
      hostname: "127.0.0.1",
      port: 6379,
      unix_socket_path: redis.socketPath,
    });
    assertEquals(config.DATABASES.CONFIG_DB, { id: 4, separator: "|", instance: "redis" });
    assertEquals(config.DATABASES.STATE_DB.id, 6);
    assertEquals(config.DATABASES.DPU_COUNTERS_DB, { id: 18, separator: ":", instance: "redis" });
    assertEquals(config.VERSION, "1.0");

    const configDb = redis.client("CONFIG_DB");
    const applDb = redis.client("APPL_DB");
    await configDb.set("probe", "4");
    assertEquals(await configDb.get("probe"), "4");
    assertEquals(await applDb.get("probe"), null);
    assertEquals(await configDb.config("GET", "notify-keyspace-events"), [
      "notify-keyspace-events",
      "AKE",
    ]);
    assert(processAlive(redis.pid));
    const pid = redis.pid;
    await redis.stop();
    dirGone = !(await Deno.stat(redis.dir).then(() => true, () => false));
    assert(!processAlive(pid), "redis-server still runs after stop()");
  } finally {
    await redis.stop();
  }
  assert(dirGone, "temp folder left after stop()");
});

Deno.test("redis server kill and restart", async () => {
  const redis = await startRedis();
  try {
    const stateDb = redis.client("STATE_DB");
    await stateDb.set("before", "1");
    const firstPid = redis.pid;
    await redis.kill();
    assert(!processAlive(firstPid), "redis-server survived SIGKILL");
    assert(!(await Deno.stat(redis.socketPath).then(() => true, () => false)));
    await redis.restart();
    assert(redis.pid !== firstPid);
    // The old client reconnects by itself. The data is gone because nothing is saved.
    const value = await waitFor(
      () => stateDb.get("before").then((v) => v === null ? "gone" : v, () => undefined),
      { message: "STATE_DB client to reconnect", timeoutMs: 5000 },
    );
    assertEquals(value, "gone");
    assertEquals(await stateDb.ping(), "PONG");
  } finally {
    await redis.stop();
  }
});

Deno.test("namespace veth carrier follows peer", async () => {
  const ns = await createNamespace("hx");
  try {
    const port = await ns.addPort("Ethernet0", { mtu: 9100, up: true });
    assertEquals(port.peer, "p-Ethernet0");
    assertEquals(port.ifindex, await ns.ifindex("Ethernet0"));
    assertEquals((await ns.flags("Ethernet0")) & (IFF_UP | IFF_RUNNING), IFF_UP);
    assertMatch(await ns.run(["-o", "link", "show", "dev", "Ethernet0"]), /NO-CARRIER.*mtu 9100/);

    await ns.run(["link", "set", port.peer, "up"]);
    await waitFor(async () => ((await ns.flags("Ethernet0")) & IFF_RUNNING) !== 0, {
      message: "Ethernet0 RUNNING after the peer went up",
    });
    assertMatch(await ns.run(["-o", "link", "show", "dev", "Ethernet0"]), /LOWER_UP/);

    const flaps: string[] = [];
    for (let i = 0; i < 10; i++) {
      flaps.push(`link set ${port.peer} down`, `link set ${port.peer} up`);
    }
    flaps.push(`link set ${port.peer} down`);
    await ns.batch(flaps);
    await waitFor(async () => ((await ns.flags("Ethernet0")) & IFF_RUNNING) === 0, {
      message: "Ethernet0 without carrier after the flaps",
    });

    await assertRejects(() => ns.run(["link", "show", "dev", "Ethernet99"]), Error, "Ethernet99");
    const listed = new TextDecoder().decode(
      (await new Deno.Command("ip", { args: ["netns", "list"] }).output()).stdout,
    );
    assertStringIncludes(listed, ns.name);
  } finally {
    await ns.delete();
  }
  const after = new TextDecoder().decode(
    (await new Deno.Command("ip", { args: ["netns", "list"] }).output()).stdout,
  );
  assert(!after.includes(ns.name), `namespace ${ns.name} left behind`);
});

Deno.test("peer name cut to 15", () => {
  assertEquals(peerName("Ethernet0"), "p-Ethernet0");
  assertEquals(peerName("Ethernet-Rec100"), "p-Ethernet-Rec1");
  assertEquals(peerName("Ethernet-Rec100").length, 15);
});

Deno.test("orchagent pop semantics table", async (t) => {
  const redis = await startRedis();
  try {
    const applDb = redis.client("APPL_DB");
    const orchagent = new Orchagent(applDb);
    const published: string[] = [];
    const listener = applDb.duplicate();
    listener.on("message", (_channel: string, message: string) => published.push(message));
    await listener.subscribe("PORT_TABLE_CHANNEL@0");
    try {
      await t.step("set merges into existing hash", async () => {
        await applDb.hset("PORT_TABLE:Ethernet0", { old: "kept" });
        await producerSet(applDb, "Ethernet0", { a: "1" });
        assertEquals(await applDb.exists("PORT_TABLE:Ethernet0"), 1);
        assertEquals(await applDb.hgetall("_PORT_TABLE:Ethernet0"), { a: "1" });
        assertEquals(await orchagent.popOnce(), [
          { key: "Ethernet0", op: "SET", fields: { a: "1" } },
        ]);
        assertEquals(await applDb.hgetall("PORT_TABLE:Ethernet0"), { old: "kept", a: "1" });
        assertEquals(await applDb.exists("_PORT_TABLE:Ethernet0", "PORT_TABLE_KEY_SET"), 0);
      });

      await t.step("set twice publishes once", async () => {
        // Marker publishes on the same channel bound the window: messages arrive in order.
        const settle = async (marker: string) => {
          await applDb.publish("PORT_TABLE_CHANNEL@0", marker);
          await waitFor(() => Promise.resolve(published.includes(marker) || undefined), {
            message: `marker ${marker} on PORT_TABLE_CHANNEL@0`,
          });
        };
        await settle("before");
        published.length = 0;
        await producerSet(applDb, "Ethernet4", { a: "1" });
        await producerSet(applDb, "Ethernet4", { b: "2" });
        await settle("after");
        assertEquals(published, ["G", "after"]);
        assertEquals(await orchagent.popOnce(), [
          { key: "Ethernet4", op: "SET", fields: { a: "1", b: "2" } },
        ]);
        assertEquals(await applDb.hgetall("PORT_TABLE:Ethernet4"), { a: "1", b: "2" });
      });

      await t.step("del removes final hash", async () => {
        await applDb.hset("PORT_TABLE:Ethernet8", { a: "1" });
        await producerDel(applDb, "Ethernet8");
        assertEquals(await orchagent.popOnce(), [{ key: "Ethernet8", op: "DEL", fields: {} }]);
        assertEquals(await applDb.exists("PORT_TABLE:Ethernet8", "PORT_TABLE_DEL_SET"), 0);
      });

      await t.step("set then del is DEL", async () => {
        await applDb.hset("PORT_TABLE:Ethernet12", { old: "x" });
        await producerSet(applDb, "Ethernet12", { a: "1" });
        await producerDel(applDb, "Ethernet12");
        assertEquals(await orchagent.popOnce(), [{ key: "Ethernet12", op: "DEL", fields: {} }]);
        assertEquals(await applDb.exists("PORT_TABLE:Ethernet12"), 0);
      });

      await t.step("del then set replaces hash", async () => {
        await applDb.hset("PORT_TABLE:Ethernet16", { old: "x" });
        await producerDel(applDb, "Ethernet16");
        await producerSet(applDb, "Ethernet16", { a: "1" });
        assertEquals(await orchagent.popOnce(), [
          { key: "Ethernet16", op: "SET", fields: { a: "1" } },
        ]);
        assertEquals(await applDb.hgetall("PORT_TABLE:Ethernet16"), { a: "1" });
      });

      await t.step("empty set is DEL op", async () => {
        await applDb.hset("PORT_TABLE:Ethernet20", { old: "x" });
        await producerSet(applDb, "Ethernet20", {});
        assertEquals(await orchagent.popOnce(), [{ key: "Ethernet20", op: "DEL", fields: {} }]);
        assertEquals(await applDb.hgetall("PORT_TABLE:Ethernet20"), { old: "x" });
      });

      await t.step("empty pop and batch bound", async () => {
        assertEquals(await orchagent.popOnce(), []);
        for (let i = 0; i < 130; i++) await producerSet(applDb, `Key${i}`, { n: String(i) });
        assertEquals((await orchagent.popOnce()).length, 128);
        assertEquals((await orchagent.popOnce()).length, 2);
        assertEquals(orchagent.log.length, 6 + 130);
      });
    } finally {
      listener.disconnect();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("orchagent auto pops on publish", async () => {
  const redis = await startRedis();
  try {
    const applDb = redis.client("APPL_DB");
    await producerSet(applDb, "PortConfigDone", { count: "2" });
    const orchagent = new Orchagent(applDb);
    await orchagent.startAuto();
    try {
      // The key staged before the start is popped by the initial pop.
      assertEquals(await applDb.hgetall("PORT_TABLE:PortConfigDone"), { count: "2" });
      await producerSet(applDb, "PortInitDone", { lanes: "0" });
      await waitFor(() => applDb.hgetall("PORT_TABLE:PortInitDone").then((h) => h.lanes), {
        message: "PORT_TABLE:PortInitDone popped by the stand-in",
      });
      assertEquals(orchagent.log.map((entry) => entry.key), ["PortConfigDone", "PortInitDone"]);
    } finally {
      await orchagent.stop();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("recorder sees script and MULTI commands", async () => {
  const redis = await startRedis();
  try {
    const stateDb = redis.client("STATE_DB");
    const applDb = redis.client("APPL_DB");
    await stateDb.ping();
    await applDb.ping();
    const recorder = await startRecorder(redis);
    try {
      await stateDb.hset("PORT_TABLE|Ethernet0", { state: "ok", mtu: "9100" });
      await producerSet(applDb, "Ethernet0", { speed: "100000" });
      await stateDb.multi().hset("PORT_TABLE|Ethernet4", "state", "ok").del("gone").exec();
      await recorder.sync();

      const hsets = recorder.commandsOn(6, "PORT_TABLE|Ethernet0");
      assertEquals(hsets.map((command) => command.args), [[
        "hset",
        "PORT_TABLE|Ethernet0",
        "state",
        "ok",
        "mtu",
        "9100",
      ]]);
      assert(hsets[0]!.source.startsWith("unix:"), hsets[0]!.source);
      assertEquals(recorder.eventsOn(6, "PORT_TABLE|Ethernet0").map((event) => event.event), [
        "hset",
      ]);

      const scripted = recorder.commands.filter((command) => command.source === "lua").map((
        command,
      ) => command.args);
      assertEquals(scripted, [
        ["SADD", "PORT_TABLE_KEY_SET", "Ethernet0"],
        ["HSET", "_PORT_TABLE:Ethernet0", "speed", "100000"],
        ["PUBLISH", "PORT_TABLE_CHANNEL@0", "G"],
      ]);
      assertEquals(recorder.commandsOn(0, "PORT_TABLE_KEY_SET").length, 2); // EVAL and SADD
      assertEquals(
        recorder.commandsOn(6, "PORT_TABLE|Ethernet4").map((command) => command.args[0]),
        ["hset"],
      );
      assertEquals(recorder.commandsOn(6, "gone").map((command) => command.args[0]), ["del"]);
      assert(
        recorder.commands.every((command) =>
          !command.args.some((arg) => arg.includes("recorder-sync"))
        ),
      );
    } finally {
      await recorder.stop();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("monitor line escapes decoded", () => {
  const line = String.raw`+1733333333.123456 [4 lua] "HSET" "a\"b" "c\\d" "e\nf" "\xc3\xa9" ""`;
  assertEquals(parseMonitorLine(line), {
    time: 1733333333.123456,
    db: 4,
    source: "lua",
    args: ["HSET", 'a"b', "c\\d", "e\nf", "é", ""],
  });
});

Deno.test("waitFor timeout names value", async () => {
  let calls = 0;
  const error = await assertRejects(
    () =>
      waitFor(() => Promise.resolve(++calls > 1000 ? "late" : false), {
        message: "the impossible",
        timeoutMs: 60,
        intervalMs: 10,
      }),
    WaitForTimeoutError,
  );
  assertMatch(
    error.message,
    /^Waiting for the impossible timed out after 60 ms and \d+ probes \(last value false\); check the process log or raise timeoutMs$/,
  );
  assertEquals(error.lastValue, false);
  assert(calls >= 2, `probe ran ${calls} times`);

  const thrown = await assertRejects(
    () => waitFor(() => Promise.reject(new RangeError("boom")), { message: "x", timeoutMs: 0 }),
    WaitForTimeoutError,
  );
  assertStringIncludes(thrown.message, "last probe failed with RangeError: boom");
  assert(thrown.cause instanceof RangeError);

  let ready = 0;
  assertEquals(
    await waitFor(() => Promise.resolve(++ready >= 3 ? { ok: ready } : undefined), {
      message: "third probe",
      intervalMs: 1,
    }),
    { ok: 3 },
  );
});

Deno.test("daemon runner with stand-in", async () => {
  const ns = await createNamespace("hx");
  const standIn = "tests/support/testdata/stand_in_daemon.ts";
  try {
    await ns.addPort("Ethernet0");
    const daemon = await startDaemon({
      namespace: ns,
      dbConfigPath: "/tmp/db.json",
      configPath: "/tmp/portsyncd.toml",
      args: ["--verbose"],
      env: { STAND_IN_MARK: "yes" },
      entry: standIn,
    });
    try {
      await daemon.waitForLine(/^ready$/, 20_000);
      assertEquals(
        await Deno.readTextFile(`/proc/${daemon.pid}/comm`).then((s) => s.trim()),
        "deno",
      );
      assertEquals(
        daemon.lines.find((l) => l.startsWith("args=")),
        `args=${
          JSON.stringify([
            "--db-config",
            "/tmp/db.json",
            "--config",
            "/tmp/portsyncd.toml",
            "--verbose",
          ])
        }`,
      );
      assert(daemon.lines.includes("env=yes"), daemon.lines.join("\n"));
      assertEquals(await daemon.waitForLine(/^links=/), "links=Ethernet0,lo,p-Ethernet0");
      const missing = await assertRejects(() => daemon.waitForLine(/never printed/, 100));
      assertMatch(missing.message, /none within 100 ms; last lines:\n.*args=/s);
      const status = await daemon.stop(5000);
      assertEquals(status.code, 0);
      assert(daemon.lines.includes("got SIGTERM"));
      assert(daemon.lines.includes("partial stdout line without newline"));
    } finally {
      await daemon.stop();
    }

    const stubborn = await startDaemon({
      namespace: ns,
      dbConfigPath: "/tmp/db.json",
      args: ["--ignore-sigterm"],
      entry: standIn,
    });
    try {
      await stubborn.waitForLine(/^ready$/, 20_000);
      const status = await stubborn.stop(300);
      assertEquals(status.signal, "SIGKILL");
      assert(stubborn.lines.includes("got SIGTERM"));
    } finally {
      await stubborn.stop();
    }

    const quitter = await startDaemon({
      namespace: ns,
      dbConfigPath: "/tmp/db.json",
      args: ["--exit-now", "3"],
      entry: standIn,
    });
    try {
      await assertRejects(
        () => quitter.waitForLine(/^ready$/, 20_000),
        Error,
        "the process exited with code 3 first",
      );
      assertEquals((await quitter.exited).code, 3);
    } finally {
      await quitter.stop();
    }
  } finally {
    await ns.delete();
  }
});

Deno.test("fixtures seed and read ports", async () => {
  const redis = await startRedis();
  try {
    const configDb = redis.client("CONFIG_DB");
    const applDb = redis.client("APPL_DB");
    const stateDb = redis.client("STATE_DB");
    await seedConfigPorts(configDb, P2_PORTS);
    assertEquals((await configDb.keys("PORT|*")).sort(), ["PORT|Ethernet0", "PORT|Ethernet4"]);
    assertEquals(await configDb.hgetall("PORT|Ethernet4"), { ...P2_PORTS.Ethernet4 });
    assertEquals(await configDb.hget("PORT|Ethernet0", "lanes"), "0,1,2,3");

    await seedVisibleApplPorts(applDb, ["Ethernet0", "Ethernet4"], { admin_status: "up" });
    assertEquals(await applDb.hgetall("PORT_TABLE:Ethernet4"), { admin_status: "up" });
    assertEquals(await applDb.exists("PORT_TABLE_KEY_SET"), 0);
    await assertRejects(() => seedVisibleApplPorts(applDb, ["Ethernet8"], {}), RangeError);

    assertEquals(await readStatePort(stateDb, "Ethernet0"), undefined);
    await stateDb.hset("PORT_TABLE|Ethernet0", { state: "ok", mtu: "9100" });
    assertEquals(await readStatePort(stateDb, "Ethernet0"), { state: "ok", mtu: "9100" });
  } finally {
    await redis.stop();
  }
});
