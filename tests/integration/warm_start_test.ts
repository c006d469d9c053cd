import { assertEquals } from "../assert.ts";
import { P2_PORTS, seedConfigPorts, waitFor } from "../support/mod.ts";
import {
  keySetAdds,
  quad,
  readHash,
  sleep,
  waitStatePort,
  withWorld,
  type World,
} from "./_world.ts";

const HOST_TX = { host_tx_ready: "true" };

/** Seeds the Redis state that a previous run left: APPL_DB popped, STATE_DB quads. */
async function seedPreviousRun(world: World): Promise<void> {
  await seedConfigPorts(world.configDb, P2_PORTS);
  for (const [name, fields] of Object.entries(P2_PORTS)) {
    await world.applDb.hset(`PORT_TABLE:${name}`, { ...fields, oper_status: "up" });
    await world.stateDb.hset(`PORT_TABLE|${name}`, { ...quad("up", "up"), ...HOST_TX });
  }
  await world.applDb.hset("PORT_TABLE:PortConfigDone", { count: "2" });
  await world.applDb.hset("PORT_TABLE:PortInitDone", { lanes: "0" });
  await world.stateDb.hset("WARM_RESTART_ENABLE_TABLE|swss", { enable: "true" });
  for (const name of Object.keys(P2_PORTS)) {
    await world.ns.addPort(name, { mtu: 9100, up: true, peerUp: true });
  }
}

Deno.test("B17 warm start replays nothing", async () => {
  await withWorld("b17", async (world) => {
    await seedPreviousRun(world);
    await world.stateDb.hset("WARM_RESTART_TABLE|portsyncd", { restore_count: "0" });
    const recorder = await world.record();
    await world.orchagent.startAuto();
    const daemon = await world.start();
    await daemon.waitForLine(/Link dump complete reason=startup/, 5000);
    await world.ns.run(["link", "set", "p-Ethernet4", "down"]);
    await waitStatePort(world, "Ethernet4", { ...quad("down", "up"), ...HOST_TX });
    await sleep(200);
    await recorder.sync();

    assertEquals(await readHash(world.stateDb, "WARM_RESTART_TABLE|portsyncd"), {
      restore_count: "1",
      state: "reconciled",
    });
    const adds = keySetAdds(recorder);
    assertEquals(adds.filter((name) => name !== "PortInitDone"), []);
    assertEquals(adds.length <= 1, true, `key set adds ${adds}`);
    assertEquals(
      recorder.commands.filter((command) =>
        command.db === 0 && command.args.some((arg) => arg.startsWith("_PORT_TABLE:Ethernet"))
      ),
      [],
    );
    assertEquals(
      recorder.events.filter((event) => event.event === "del" && event.db === 6),
      [],
    );
    await waitStatePort(world, "Ethernet0", { ...quad("up", "up"), ...HOST_TX });
    for (const name of Object.keys(P2_PORTS)) {
      assertEquals((await world.ns.flags(name)) & 0x1, 0x1, `${name} still admin up`);
      assertEquals(
        await readHash(world.applDb, `PORT_TABLE:${name}`),
        { ...P2_PORTS[name], oper_status: "up" },
      );
    }
    assertEquals(await readHash(world.applDb, "PORT_TABLE:PortConfigDone"), { count: "2" });
    assertEquals(daemon.lines.filter((line) => /old netdev/.test(line)), []);
  });
});

Deno.test("B17 missing restore_count means cold", async () => {
  await withWorld("b17c", async (world) => {
    await seedPreviousRun(world);
    const recorder = await world.record();
    const daemon = await world.start();
    await waitFor(
      async () => await world.applDb.sismember("PORT_TABLE_KEY_SET", "PortConfigDone") === 1,
      { message: "PortConfigDone staged", timeoutMs: 5000 },
    );
    assertEquals(await readHash(world.stateDb, "WARM_RESTART_TABLE|portsyncd"), {
      restore_count: "0",
    });
    await recorder.sync();
    const adds = keySetAdds(recorder);
    // Both ports have admin_status in APPL_DB, so PortInitDone may follow the dump at once.
    const configAdds = adds.filter((name) => name !== "PortInitDone");
    assertEquals(configAdds.at(-1), "PortConfigDone");
    assertEquals(configAdds.slice(0, -1).sort(), ["Ethernet0", "Ethernet4"]);
    assertEquals(await readHash(world.applDb, "_PORT_TABLE:PortConfigDone"), { count: "2" });
    for (const name of Object.keys(P2_PORTS)) {
      await waitFor(async () => ((await world.ns.flags(name)) & 0x1) === 0, {
        message: `${name} brought down`,
        timeoutMs: 3000,
      });
    }
    assertEquals(daemon.lines.filter((line) => /Brought old netdev down/.test(line)).length, 2);
  });
});
