import { assertEquals } from "../assert.ts";
import { P2_PORTS, seedConfigPorts, waitFor } from "../support/mod.ts";
import {
  keySetAdds,
  quad,
  readHash,
  stateWrites,
  waitPortConfigDone,
  waitStatePort,
  withWorld,
} from "./_world.ts";

Deno.test("cold start copies CONFIG_DB exactly", async () => {
  await withWorld("cold", async (world) => {
    await seedConfigPorts(world.configDb, P2_PORTS);
    const recorder = await world.record();
    await world.start();
    await waitPortConfigDone(world);
    for (const [name, fields] of Object.entries(P2_PORTS)) {
      assertEquals(await readHash(world.applDb, `_PORT_TABLE:${name}`), fields);
    }
    assertEquals(await readHash(world.applDb, "_PORT_TABLE:PortConfigDone"), { count: "2" });
    await recorder.sync();
    const adds = keySetAdds(recorder);
    assertEquals(adds.slice(-1), ["PortConfigDone"]);
    assertEquals(adds.slice(0, -1).sort(), ["Ethernet0", "Ethernet4"]);

    await world.orchagent.startAuto();
    for (const [name, fields] of Object.entries(P2_PORTS)) {
      assertEquals(await readHash(world.applDb, `PORT_TABLE:${name}`), fields);
    }
    for (const name of Object.keys(P2_PORTS)) {
      await world.ns.addPort(name, { mtu: 9100 });
    }
    for (const name of Object.keys(P2_PORTS)) {
      await waitStatePort(world, name, quad("down", "down"));
    }
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
      message: "PortInitDone popped",
      timeoutMs: 3000,
    });
    assertEquals(await readHash(world.applDb, "PORT_TABLE:PortInitDone"), { lanes: "0" });
    await recorder.sync();
    assertEquals(keySetAdds(recorder).filter((name) => name === "PortInitDone").length, 1);
    assertEquals(
      world.orchagent.log.filter((entry) => entry.key === "PortInitDone").length,
      1,
    );
  });
});

Deno.test("B07 no ports in CONFIG_DB", async () => {
  await withWorld("b07", async (world) => {
    const recorder = await world.record();
    const daemon = await world.start();
    await world.orchagent.startAuto();
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
      message: "PortInitDone popped",
      timeoutMs: 5000,
    });
    assertEquals(await readHash(world.applDb, "PORT_TABLE:PortConfigDone"), { count: "0" });
    assertEquals(await readHash(world.applDb, "PORT_TABLE:PortInitDone"), { lanes: "0" });
    await recorder.sync();
    assertEquals(keySetAdds(recorder), ["PortConfigDone", "PortInitDone"]);

    await seedConfigPorts(world.configDb, { Ethernet0: P2_PORTS.Ethernet0! });
    await world.applDb.hset("PORT_TABLE:Ethernet0", P2_PORTS.Ethernet0!);
    await world.ns.addPort("Ethernet0", { mtu: 9100 });
    await waitStatePort(world, "Ethernet0", quad("down", "down"));
    assertEquals(
      daemon.lines.filter((line) => /\b(ERROR|CRIT|ALERT|EMERG)\b/i.test(line)),
      [],
    );
    await recorder.sync();
    assertEquals(keySetAdds(recorder), ["PortConfigDone", "PortInitDone"]);
  });
});

Deno.test("B03 leftovers do not signal readiness", async () => {
  await withWorld("b03", async (world) => {
    await seedConfigPorts(world.configDb, P2_PORTS);
    await world.ns.run(["link", "add", "br0", "type", "bridge"]);
    await world.ns.run(["link", "set", "br0", "up"]);
    const old: number[] = [];
    for (const name of Object.keys(P2_PORTS)) {
      const port = await world.ns.addPort(name, { mtu: 9100, up: true, peerUp: true });
      await world.ns.run(["link", "set", name, "master", "br0"]);
      old.push(port.ifindex);
    }
    const recorder = await world.record();
    const daemon = await world.start();
    await waitPortConfigDone(world);
    // The daemon brings every leftover down: admin down is visible in the kernel.
    for (const name of Object.keys(P2_PORTS)) {
      await waitFor(async () => ((await world.ns.flags(name)) & 0x1) === 0, {
        message: `${name} brought down`,
        timeoutMs: 3000,
      });
    }
    for (const name of Object.keys(P2_PORTS)) {
      await world.ns.run(["link", "del", name]);
    }
    await world.orchagent.startAuto();
    // The recheck interval is 500 ms: let two pass so that a premature PortInitDone shows.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await recorder.sync();
    assertEquals(keySetAdds(recorder).includes("PortInitDone"), false);
    for (const name of Object.keys(P2_PORTS)) assertEquals(stateWrites(recorder, name), []);

    const fresh: number[] = [];
    for (const name of Object.keys(P2_PORTS)) {
      fresh.push((await world.ns.addPort(name, { mtu: 9100 })).ifindex);
    }
    assertEquals(fresh.some((index) => old.includes(index)), false);
    for (const name of Object.keys(P2_PORTS)) {
      await waitStatePort(world, name, quad("down", "down"));
    }
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
      message: "PortInitDone popped",
      timeoutMs: 3000,
    });
    await recorder.sync();
    const adds = keySetAdds(recorder);
    assertEquals(adds.filter((name) => name === "PortConfigDone").length, 1);
    assertEquals(adds.filter((name) => name === "PortInitDone").length, 1);
    assertEquals(
      daemon.lines.filter((line) => /Brought old netdev down/.test(line)).length,
      2,
    );
  });
});

Deno.test("B05 snapshot before APPL write", async () => {
  await withWorld("b05a", async (world) => {
    await seedConfigPorts(world.configDb, P2_PORTS);
    const early = await world.ns.addPort("Ethernet0", { mtu: 9100, up: true });
    const recorder = await world.record();
    const daemon = await world.start();
    await waitFor(
      async () => await world.applDb.sismember("PORT_TABLE_KEY_SET", "PortConfigDone") === 1,
      { message: "PortConfigDone staged", timeoutMs: 5000, intervalMs: 2 },
    );
    await world.orchagent.startAuto();
    await world.ns.addPort("Ethernet4", { mtu: 9100 });
    await waitStatePort(world, "Ethernet4", quad("down", "down"));
    // Ethernet0 was brought down by the daemon, and its messages never reach STATE_DB.
    assertEquals((await world.ns.flags("Ethernet0")) & 0x1, 0);
    await world.ns.run(["link", "set", "p-Ethernet0", "up"]);
    await world.ns.run(["link", "set", "Ethernet0", "up"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await recorder.sync();
    assertEquals(stateWrites(recorder, "Ethernet0"), []);
    assertEquals(
      daemon.lines.filter((line) => /Brought old netdev down/.test(line)),
      [daemon.lines.find((line) =>
        line.includes(`ifindex=${early.ifindex}`) &&
        /Brought old netdev down/.test(line)
      )],
    );
  });
});

Deno.test("B05 dpu keeps existing netdevs", async () => {
  await withWorld("b05b", async (world) => {
    await seedConfigPorts(world.configDb, P2_PORTS);
    await world.configDb.hset("DEVICE_METADATA|localhost", { switch_type: "dpu" });
    await world.ns.addPort("Ethernet0", { mtu: 9100, up: true, peerUp: true });
    await world.ns.addPort("Ethernet4", { mtu: 9100, up: true });
    const recorder = await world.record();
    const daemon = await world.start();
    await waitPortConfigDone(world);
    await world.orchagent.startAuto();
    await waitStatePort(world, "Ethernet0", quad("up", "up"));
    await waitStatePort(world, "Ethernet4", quad("down", "up"));
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
      message: "PortInitDone popped",
      timeoutMs: 3000,
    });
    await recorder.sync();
    const initAt = recorder.commands.findIndex((command) =>
      command.db === 0 && command.args[0]?.toUpperCase() === "SADD" &&
      command.args[2] === "PortInitDone"
    );
    for (const name of ["Ethernet0", "Ethernet4"]) {
      const setAt = recorder.commands.findIndex((command) =>
        command.db === 6 && command.args[1] === `PORT_TABLE|${name}`
      );
      assertEquals(setAt >= 0 && setAt < initAt, true, `${name} written before PortInitDone`);
    }
    assertEquals(daemon.lines.filter((line) => /old netdev/.test(line)), []);
    assertEquals((await world.ns.flags("Ethernet0")) & 0x41, 0x41);
  });
});

Deno.test("B19 PortInitDone follows last port", async () => {
  await withWorld("b19", async (world) => {
    await seedConfigPorts(world.configDb, P2_PORTS);
    const recorder = await world.record();
    await world.start();
    await waitPortConfigDone(world);
    await world.orchagent.startAuto();
    await world.ns.addPort("Ethernet0", { mtu: 9100 });
    await waitStatePort(world, "Ethernet0", quad("down", "down"));
    await recorder.sync();
    assertEquals(keySetAdds(recorder).includes("PortInitDone"), false);
    await world.ns.addPort("Ethernet4", { mtu: 9100 });
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
      message: "PortInitDone popped",
      timeoutMs: 3000,
    });
    await recorder.sync();
    const initAt = recorder.commands.findIndex((command) =>
      command.db === 0 && command.args[0]?.toUpperCase() === "SADD" &&
      command.args[2] === "PortInitDone"
    );
    const quadAt = recorder.commands.findIndex((command) =>
      command.db === 6 && command.args[0]?.toUpperCase() === "HSET" &&
      command.args[1] === "PORT_TABLE|Ethernet4"
    );
    assertEquals(quadAt >= 0 && quadAt < initAt, true, "Ethernet4 quad before PortInitDone");
    assertEquals(
      recorder.commands[quadAt]?.args.slice(1),
      [
        "PORT_TABLE|Ethernet4",
        "state",
        "ok",
        "netdev_oper_status",
        "down",
        "admin_status",
        "down",
        "mtu",
        "9100",
      ],
    );
  });
});
