import { assertEquals } from "../assert.ts";
import { P2_PORTS, seedConfigPorts, seedVisibleApplPorts } from "../support/mod.ts";
import {
  quad,
  readHash,
  sleep,
  startSteady,
  stateWrites,
  waitPortConfigDone,
  waitStatePort,
  withWorld,
} from "./_world.ts";

Deno.test("B04 old netdev teardown ignored", async () => {
  await withWorld("b04", async (world) => {
    await seedConfigPorts(world.configDb, P2_PORTS);
    await seedVisibleApplPorts(world.applDb, ["Ethernet0", "Ethernet4"], { admin_status: "up" });
    await world.ns.run(["link", "add", "br0", "type", "bridge"]);
    await world.ns.run(["link", "set", "br0", "up"]);
    for (const name of Object.keys(P2_PORTS)) {
      await world.ns.addPort(name, { mtu: 9100, up: true, peerUp: true });
      await world.ns.run(["link", "set", name, "master", "br0"]);
    }
    const recorder = await world.record();
    const daemon = await world.start();
    await waitPortConfigDone(world);
    await world.orchagent.startAuto();
    for (const name of Object.keys(P2_PORTS)) {
      await world.ns.run(["link", "set", `p-${name}`, "down"]);
      await world.ns.run(["link", "set", name, "nomaster"]);
      await world.ns.run(["link", "set", name, "down"]);
      await world.ns.run(["link", "del", name]);
    }
    await sleep(300);
    await recorder.sync();
    for (const name of Object.keys(P2_PORTS)) {
      assertEquals(stateWrites(recorder, name), []);
      assertEquals(recorder.eventsOn(6, `PORT_TABLE|${name}`), []);
    }
    for (const name of Object.keys(P2_PORTS)) await world.ns.addPort(name, { mtu: 9100 });
    for (const name of Object.keys(P2_PORTS)) {
      await waitStatePort(world, name, quad("down", "down"));
    }
    assertEquals(
      daemon.lines.filter((line) => /Brought old netdev down/.test(line)).length,
      2,
    );
  });
});

Deno.test("B10 bridge removal keeps entry", async () => {
  await withWorld("b10", async (world) => {
    await startSteady(world, P2_PORTS);
    const recorder = await world.record();
    await world.ns.run(["link", "add", "br0", "type", "bridge"]);
    await world.ns.run(["link", "set", "br0", "up"]);
    await world.ns.addPort("Ethernet4", { mtu: 9100, up: true, peerUp: true });
    await waitStatePort(world, "Ethernet4", quad("up", "up"));
    await world.ns.run(["link", "set", "Ethernet4", "master", "br0"]);
    await world.ns.run(["link", "set", "Ethernet4", "nomaster"]);
    // A later, unrelated change proves the daemon has read past the bridge messages.
    await world.ns.run(["link", "set", "Ethernet4", "mtu", "9000"]);
    await waitStatePort(world, "Ethernet4", quad("up", "up", "9000"));
    await world.ns.run(["link", "set", "Ethernet4", "mtu", "9100"]);
    await waitStatePort(world, "Ethernet4", quad("up", "up"));
    await recorder.sync();
    assertEquals(
      recorder.eventsOn(6, "PORT_TABLE|Ethernet4").filter((event) => event.event !== "hset"),
      [],
    );
  });
});

Deno.test("B11 oper from RUNNING flag", async () => {
  await withWorld("b11", async (world) => {
    await startSteady(world, { Ethernet0: P2_PORTS.Ethernet0! });
    await world.ns.addPort("Ethernet0", { mtu: 9100 });
    await waitStatePort(world, "Ethernet0", quad("down", "down"));
    const steps: Array<[string[], number, ReturnType<typeof quad>]> = [
      [["link", "set", "Ethernet0", "up"], 0x1003, quad("down", "up")],
      [["link", "set", "p-Ethernet0", "up"], 0x11043, quad("up", "up")],
      [["link", "set", "Ethernet0", "down"], 0x1002, quad("down", "down")],
      [["link", "set", "Ethernet0", "up"], 0x11043, quad("up", "up")],
      [["link", "set", "p-Ethernet0", "down"], 0x1003, quad("down", "up")],
    ];
    for (const [command, flags, expected] of steps) {
      await world.ns.run(command);
      assertEquals(await world.ns.flags("Ethernet0"), flags);
      await waitStatePort(world, "Ethernet0", expected);
    }
  });
});

Deno.test("B12 foreign fields survive updates", async () => {
  await withWorld("b12", async (world) => {
    const foreign = {
      host_tx_ready: "true",
      supported_speeds: "40000,100000",
      CMIS_REINIT_REQUIRED: "false",
    };
    await world.stateDb.hset("PORT_TABLE|Ethernet0", { ...quad("up", "up"), ...foreign });
    await startSteady(world, { Ethernet0: P2_PORTS.Ethernet0! });
    const recorder = await world.record();
    await world.ns.addPort("Ethernet0", { mtu: 9100 });
    await waitStatePort(world, "Ethernet0", { ...quad("down", "down"), ...foreign });
    await world.ns.run(["link", "set", "p-Ethernet0", "up"]);
    await world.ns.run(["link", "set", "Ethernet0", "up"]);
    await waitStatePort(world, "Ethernet0", { ...quad("up", "up"), ...foreign });
    await recorder.sync();
    const events = recorder.eventsOn(6, "PORT_TABLE|Ethernet0").map((event) => event.event);
    assertEquals(events.length >= 2, true, `events ${events}`);
    assertEquals(events.every((event) => event === "hset"), true, `events ${events}`);
    const writes = stateWrites(recorder, "Ethernet0");
    assertEquals(writes.every((args) => args[0]?.toUpperCase() === "HSET"), true);
    const admins = writes.map((args) => args[args.indexOf("admin_status") + 1]);
    assertEquals(admins[0], "down");
    assertEquals(admins.at(-1), "up");
  });
});

Deno.test("B21 state ok only with netdev", async () => {
  await withWorld("b21", async (world) => {
    await world.stateDb.hset("PORT_TABLE|Ethernet8", { supported_speeds: "10000,25000" });
    await world.applDb.hset("PORT_TABLE:Ethernet8", { admin_status: "up", mtu: "9100" });
    await startSteady(world, {});
    await sleep(1200);
    assertEquals(await readHash(world.stateDb, "PORT_TABLE|Ethernet8"), {
      supported_speeds: "10000,25000",
    });
    await world.ns.addPort("Ethernet8", { mtu: 9100 });
    await waitStatePort(world, "Ethernet8", {
      supported_speeds: "10000,25000",
      ...quad("down", "down"),
    });
    await world.ns.run(["link", "del", "Ethernet8"]);
    await waitStatePort(world, "Ethernet8", undefined);
  });
});

Deno.test("B14 delete and recreate port", async () => {
  await withWorld("b14", async (world) => {
    await startSteady(world, P2_PORTS);
    await world.ns.addPort("Ethernet0", { mtu: 9100, up: true, peerUp: true });
    await world.ns.addPort("Ethernet4", { mtu: 9100, up: true, peerUp: true });
    await waitStatePort(world, "Ethernet0", quad("up", "up"));
    await waitStatePort(world, "Ethernet4", quad("up", "up"));
    const recorder = await world.record();
    for (const pauseMs of [0, 200, 400]) {
      await world.applDb.del("PORT_TABLE:Ethernet4");
      await world.ns.run(["link", "del", "Ethernet4"]);
      await waitStatePort(world, "Ethernet4", undefined);
      await sleep(pauseMs);
      await world.applDb.hset("PORT_TABLE:Ethernet4", P2_PORTS.Ethernet4!);
      await world.ns.addPort("Ethernet4", { mtu: 9100 });
      await waitStatePort(world, "Ethernet4", quad("down", "down"));
      await world.ns.run(["link", "set", "p-Ethernet4", "up"]);
      await world.ns.run(["link", "set", "Ethernet4", "up"]);
      await waitStatePort(world, "Ethernet4", quad("up", "up"));
    }
    // Round (b): the netdev comes before its APPL_DB entry, which appears 500 ms later.
    await world.applDb.del("PORT_TABLE:Ethernet4");
    await world.ns.run(["link", "del", "Ethernet4"]);
    await waitStatePort(world, "Ethernet4", undefined);
    await world.ns.addPort("Ethernet4", { mtu: 9100, up: true, peerUp: true });
    await sleep(500);
    assertEquals(await readHash(world.stateDb, "PORT_TABLE|Ethernet4"), undefined);
    await world.applDb.hset("PORT_TABLE:Ethernet4", P2_PORTS.Ethernet4!);
    await waitStatePort(world, "Ethernet4", quad("up", "up"), 2000);

    await recorder.sync();
    assertEquals(stateWrites(recorder, "Ethernet0"), []);
    assertEquals(
      recorder.commandsOn(0, "PORT_TABLE_KEY_SET").filter((command) =>
        command.args.includes("PortInitDone")
      ),
      [],
    );
  });
});
