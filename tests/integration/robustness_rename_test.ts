/**
 * B22 (renames and reused ifindexes) and B14 round b (a netdev before its APPL_DB entry).
 */

import { assert, assertEquals } from "../assert.ts";
import {
  createNamespace,
  Orchagent,
  P2_PORTS,
  readStatePort,
  seedConfigPorts,
  seedVisibleApplPorts,
  startDaemon,
  startRedis,
  waitFor,
} from "../support/mod.ts";
import { addPortCommands, quad, readStatePorts, sortKeys, startPortWorld } from "./port_world.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("B22 rename away and back", async () => {
  const world = await startPortWorld({ ports: 4, tag: "b22" });
  try {
    const [, name] = world.names as [string, string];
    await world.ns.run(["link", "set", name, "down"]);
    await waitFor(async () => (await readStatePort(world.stateDb, name))?.admin_status === "down", {
      message: `${name} admin down`,
    });
    await world.ns.run(["link", "set", name, "name", `${name}tmp`]);
    await waitFor(async () => (await readStatePort(world.stateDb, name)) === undefined, {
      message: `${name} entry deleted after the rename`,
      timeoutMs: 2000,
    });
    assertEquals(await readStatePort(world.stateDb, `${name}tmp`), undefined);
    await world.ns.run(["link", "set", `${name}tmp`, "name", name]);
    await world.ns.run(["link", "set", name, "up"]);
    const expected = sortKeys(Object.fromEntries(world.names.map((port) => [port, quad(true)])));
    await waitFor(
      async () => JSON.stringify(await readStatePorts(world.stateDb)) === JSON.stringify(expected),
      { message: "every port up after renaming back", timeoutMs: 2000 },
    );
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});

Deno.test("B22 snapshot ifindex reused", async () => {
  const redis = await startRedis();
  const ns = await createNamespace("rb-b22v");
  try {
    const configDb = redis.client("CONFIG_DB");
    const applDb = redis.client("APPL_DB");
    const stateDb = redis.client("STATE_DB");
    await seedConfigPorts(configDb, { Ethernet8: P2_PORTS.Ethernet0! });
    // A leftover from a previous run, in the daemon's cold-start snapshot.
    await ns.run(["link", "add", "Ethernet8", "index", "44", "type", "veth", "peer", "name", "x8"]);
    const orchagent = new Orchagent(redis.client("APPL_DB"));
    await orchagent.startAuto();
    const daemon = await startDaemon({
      namespace: ns,
      dbConfigPath: redis.dbConfigPath,
      args: ["--log-level", "INFO"],
    });
    try {
      await daemon.waitForLine(/Brought old netdev down port=Ethernet8 ifindex=44/, 5000);
      await waitFor(async () => (await applDb.exists("PORT_TABLE:PortConfigDone")) === 1, {
        message: "PortConfigDone popped",
      });
      await ns.run(["link", "set", "Ethernet8", "up"]);
      await sleep(300);
      assertEquals(await readStatePort(stateDb, "Ethernet8"), undefined, "old netdev published");
      await ns.run(["link", "del", "Ethernet8"]);
      await ns.batch([
        "link add Ethernet8 index 44 mtu 9100 type veth peer name p-Ethernet8 mtu 9100",
        "link set p-Ethernet8 up",
        "link set Ethernet8 up",
      ]);
      assertEquals(await ns.ifindex("Ethernet8"), 44);
      await waitFor(
        async () =>
          JSON.stringify(await readStatePort(stateDb, "Ethernet8")) === JSON.stringify(quad(true)),
        { message: "reused ifindex 44 published", timeoutMs: 2000 },
      );
      await waitFor(async () => (await applDb.exists("PORT_TABLE:PortInitDone")) === 1, {
        message: "PortInitDone after the new Ethernet8",
        timeoutMs: 2000,
      });
      assertEquals((await daemon.stop()).code, 0);
    } finally {
      await daemon.stop();
      await orchagent.stop();
    }
  } finally {
    await ns.delete();
    await redis.stop();
  }
});

Deno.test("B14 netdev before APPL entry", async () => {
  const world = await startPortWorld({ ports: 2, tag: "b14" });
  try {
    const name = world.names[1]!;
    await world.applDb.del(`PORT_TABLE:${name}`);
    await world.ns.run(["link", "del", name]);
    await waitFor(async () => (await readStatePort(world.stateDb, name)) === undefined, {
      message: `${name} deleted`,
      timeoutMs: 2000,
    });
    await world.ns.batch(addPortCommands(name));
    await sleep(500);
    assertEquals(await readStatePort(world.stateDb, name), undefined, "published without entry");
    await seedVisibleApplPorts(world.applDb, [name], { admin_status: "up" });
    const appearedAt = performance.now();
    await waitFor(
      async () =>
        JSON.stringify(await readStatePort(world.stateDb, name)) === JSON.stringify(quad(true)),
      { message: `${name} published after its APPL_DB entry`, timeoutMs: 3000, intervalMs: 10 },
    );
    const tookMs = performance.now() - appearedAt;
    assert(tookMs <= 2000, `published ${Math.round(tookMs)} ms after the entry appeared`);
    assertEquals(
      world.orchagent.log.filter((entry) => entry.key === "PortInitDone").length,
      1,
      "PortInitDone count",
    );
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});
