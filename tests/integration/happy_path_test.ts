import { assertEquals } from "../assert.ts";
import { P2_PORTS, waitFor } from "../support/mod.ts";
import {
  keySetAdds,
  quad,
  readHash,
  startSteady,
  waitPortConfigDone,
  withWorld,
  type World,
} from "./_world.ts";

const NAMES = Array.from({ length: 32 }, (_, index) => `Ethernet${index * 4}`);

/** Waits until every STATE_DB `PORT_TABLE|*` hash equals `expected(name)` exactly. */
async function waitAllPorts(
  world: World,
  expected: (name: string) => Record<string, string> | undefined,
  step: string,
): Promise<void> {
  const want = JSON.stringify(NAMES.map((name) => expected(name) ?? null));
  const read = async () => {
    const hashes = [];
    for (const name of NAMES) {
      hashes.push((await readHash(world.stateDb, `PORT_TABLE|${name}`)) ?? null);
    }
    return hashes;
  };
  try {
    await waitFor(async () => JSON.stringify(await read()) === want, {
      message: `32 ports ${step}`,
      timeoutMs: 5000,
    });
  } catch (error) {
    assertEquals(await read(), JSON.parse(want), String(error));
  }
  const keys = (await world.stateDb.keys("PORT_TABLE|*")).sort();
  assertEquals(
    keys,
    NAMES.filter((name) => expected(name)).map((name) => `PORT_TABLE|${name}`).sort(),
  );
}

Deno.test("32 ports full lifecycle", async () => {
  await withWorld("happy", async (world) => {
    for (const [index, name] of NAMES.entries()) {
      await world.configDb.hset(`PORT|${name}`, {
        alias: `etp${index + 1}`,
        index: String(index + 1),
        lanes: `${index * 4},${index * 4 + 1},${index * 4 + 2},${index * 4 + 3}`,
        speed: "100000",
        mtu: "9100",
        admin_status: "up",
      });
    }
    const recorder = await world.record();
    await world.start();
    await waitPortConfigDone(world);
    await world.orchagent.startAuto();
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortConfigDone") === 1, {
      message: "PortConfigDone popped",
    });
    assertEquals(await readHash(world.applDb, "PORT_TABLE:PortConfigDone"), { count: "32" });

    await world.ns.batch(
      NAMES.map((name) => `link add ${name} mtu 9100 type veth peer name p-${name} mtu 9100`),
    );
    await waitAllPorts(world, () => quad("down", "down"), "created");
    await waitFor(async () => await world.applDb.exists("PORT_TABLE:PortInitDone") === 1, {
      message: "PortInitDone popped",
    });

    await world.ns.batch(NAMES.flatMap((name) => [`link set p-${name} up`, `link set ${name} up`]));
    await waitAllPorts(world, () => quad("up", "up"), "up");

    await world.ns.batch(NAMES.map((name) => `link set ${name} down`));
    await waitAllPorts(world, () => quad("down", "down"), "down");

    await world.ns.batch(NAMES.map((name) => `link set ${name} mtu 9000`));
    await waitAllPorts(world, () => quad("down", "down", "9000"), "mtu 9000");

    await world.ns.batch(NAMES.map((name) => `link del ${name}`));
    await waitAllPorts(world, () => undefined, "deleted");

    await recorder.sync();
    const adds = keySetAdds(recorder);
    assertEquals(adds.filter((name) => name === "PortInitDone").length, 1);
    assertEquals(adds.filter((name) => name === "PortConfigDone").length, 1);
    assertEquals(adds.length, 34);
  });
});

Deno.test("B20 mtu comes from the kernel", async () => {
  await withWorld("b20", async (world) => {
    await startSteady(world, { Ethernet0: P2_PORTS.Ethernet0! });
    await world.ns.addPort("Ethernet0", { mtu: 9100, up: true, peerUp: true });
    await waitAllOne(world, quad("up", "up"));
    await world.configDb.hset("PORT|Ethernet0", { mtu: "1" });
    await world.applDb.hset("PORT_TABLE:Ethernet0", { mtu: "1" });
    let rejected = false;
    await world.ns.run(["link", "set", "Ethernet0", "mtu", "1"]).catch(() => rejected = true);
    assertEquals(rejected, true, "the kernel refuses MTU 1");
    await world.ns.run(["link", "set", "Ethernet0", "down"]);
    await waitAllOne(world, quad("down", "down"));
    await world.ns.run(["link", "set", "Ethernet0", "mtu", "9000"]);
    await world.ns.run(["link", "set", "Ethernet0", "up"]);
    await waitAllOne(world, quad("up", "up", "9000"));
  });
});

async function waitAllOne(world: World, expected: Record<string, string>): Promise<void> {
  const want = JSON.stringify(expected);
  try {
    await waitFor(
      async () => JSON.stringify(await readHash(world.stateDb, "PORT_TABLE|Ethernet0")) === want,
      { message: `Ethernet0 = ${want}`, timeoutMs: 3000 },
    );
  } catch (error) {
    assertEquals(await readHash(world.stateDb, "PORT_TABLE|Ethernet0"), expected, String(error));
  }
}
