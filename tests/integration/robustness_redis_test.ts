/**
 * Redis going away: killed and restarted during a flap storm and at a cold start, and single
 * connections dropped with CLIENT KILL while the recorder keeps watching.
 *
 * The server keeps its data across a restart (append-only file, fsync on every write), as
 * SONiC's database container keeps it, so a test can tell what the daemon rewrote.
 */

import type { Redis } from "ioredis";
import { assert, assertEquals } from "../assert.ts";
import {
  peerName,
  type RecordedCommand,
  type Recorder,
  startRecorder,
  waitFor,
} from "../support/mod.ts";
import {
  createPorts,
  type PortWorld,
  quad,
  readKernelPorts,
  readStatePorts,
  sortKeys,
  startPortWorld,
} from "./port_world.ts";

const PERSISTENT_REDIS = ["appendonly yes", "appendfsync always"];
const APPL_DB = 0;
const STATE_DB = 6;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until STATE_DB equals the kernel's state of the world's remaining ports. */
async function waitStateMatchesKernel(world: PortWorld, timeoutMs: number): Promise<void> {
  let kernel = "";
  await waitFor(async () => {
    kernel = JSON.stringify(await readKernelPorts(world.ns, world.names));
    return JSON.stringify(await readStatePorts(world.stateDb)) === kernel;
  }, { message: "STATE_DB equal to the kernel", timeoutMs, intervalMs: 25 });
}

/** Drops every connection of the daemon whose client name starts with `prefix`. */
async function killClients(admin: Redis, prefix: string): Promise<number> {
  const list = (await admin.client("LIST")) as string;
  let killed = 0;
  for (const line of list.split("\n")) {
    const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "";
    if (id === undefined || !name.startsWith(prefix)) continue;
    killed += Number(await admin.client("KILL", "ID", id));
  }
  return killed;
}

/** Runs `step` every `periodMs` until `stop()` is called or `maxRounds` passed. */
function repeat(step: () => Promise<unknown>, periodMs: number, maxRounds: number) {
  let stopped = false;
  const done = (async () => {
    for (let round = 0; round < maxRounds && !stopped; round++) {
      await step().catch(() => {});
      await sleep(periodMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Splits MONITOR records into the transactions of each client: MULTI ... EXEC. */
function transactions(commands: RecordedCommand[]): RecordedCommand[][] {
  const open = new Map<string, RecordedCommand[]>();
  const done: RecordedCommand[][] = [];
  for (const command of commands) {
    const name = command.args[0]?.toUpperCase();
    if (name === "MULTI") {
      open.set(command.source, []);
    } else if (name === "EXEC") {
      const body = open.get(command.source);
      if (body) done.push(body);
      open.delete(command.source);
    } else if (command.source !== "lua") {
      open.get(command.source)?.push(command);
    }
  }
  return done;
}

Deno.test("redis killed during flap storm", async () => {
  const world = await startPortWorld({ ports: 16, tag: "rkill", redisConfig: PERSISTENT_REDIS });
  try {
    await world.redis.kill();
    const peers = world.names.map(peerName);
    const commands: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const peer of peers) commands.push(`link set ${peer} down`, `link set ${peer} up`);
    }
    for (const peer of peers.slice(0, 6)) commands.push(`link set ${peer} down`);
    for (const name of world.names.slice(6, 10)) commands.push(`link set ${name} down`);
    commands.push(`link set ${world.names[10]} mtu 1500`);
    commands.push(`link del ${world.names[15]}`);
    await world.ns.batch(commands);
    await sleep(1000);
    await world.redis.restart();
    const restartedAt = performance.now();

    const expected: Record<string, Record<string, string>> = {};
    world.names.slice(0, 15).forEach((name, index) => {
      expected[name] = index < 6
        ? quad(false)
        : index < 10
        ? quad(false, false)
        : quad(true, true, index === 10 ? 1500 : 9100);
    });
    assertEquals(await readKernelPorts(world.ns, world.names), sortKeys(expected));
    // Reconnect delay after a one-second outage is at most 1.6 s, then the 2 s bound.
    await waitStateMatchesKernel(world, 4000);
    const tookMs = performance.now() - restartedAt;
    assert(tookMs < 4000, `converged ${Math.round(tookMs)} ms after the restart`);
    await world.daemon.waitForLine(/Reconnecting to Redis .*attempt=\d+ delay_ms=\d+/, 100);
    await world.daemon.waitForLine(/Requesting link dump .*reason=reconnect/, 1000);
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});

Deno.test("state connection dropped in storm", async () => {
  const world = await startPortWorld({ ports: 16, tag: "rdrop" });
  let recorder: Recorder | undefined;
  try {
    recorder = await startRecorder(world.redis, { keyspace: false });
    const admin = world.redis.client("CONFIG_DB");
    const killer = repeat(() => killClients(admin, "portsyncd-state"), 15, 200);
    const peers = world.names.map(peerName);
    try {
      for (let round = 0; round < 10; round++) {
        await world.ns.batch(peers.map((peer) => `link set ${peer} ${round % 2 ? "up" : "down"}`));
        await sleep(40);
      }
      await world.ns.batch(peers.slice(0, 5).map((peer) => `link set ${peer} down`));
      await world.ns.batch([`link del ${world.names[7]}`]);
    } finally {
      await killer.stop();
    }
    await waitStateMatchesKernel(world, 8000);
    assertEquals(Object.keys(await readStatePorts(world.stateDb)).length, 15);
    await world.daemon.waitForLine(/Reconnected to Redis db=STATE_DB/, 100);
    await recorder.sync();
    // Every STATE_DB write is a whole quad inside a transaction.
    const stateWrites = recorder.commands.filter((command) =>
      command.db === STATE_DB && ["HSET", "DEL"].includes(command.args[0]!.toUpperCase())
    );
    assert(stateWrites.length > 0, "no STATE_DB writes recorded");
    for (const command of stateWrites) {
      if (command.args[0]!.toUpperCase() === "HSET") assertEquals(command.args.length, 10);
    }
    const inTransactions = transactions(recorder.commands).flat().filter((command) =>
      command.db === STATE_DB
    ).length;
    assertEquals(inTransactions, stateWrites.length, "STATE_DB writes outside MULTI/EXEC");
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await recorder?.stop();
    await world.close();
  }
});

Deno.test("cold start while redis is down", async () => {
  const world = await startPortWorld({
    ports: 8,
    tag: "rcold",
    redisConfig: PERSISTENT_REDIS,
    createPorts: false,
    beforeDaemon: (redis) => redis.kill(),
  });
  try {
    await world.daemon.waitForLine(/Reconnecting to Redis .*attempt=3/, 5000);
    await world.redis.restart();
    await createPorts(world);
    const pops = world.orchagent.log.filter((entry) => entry.key === "PortConfigDone");
    assertEquals(pops.length, 1);
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});

Deno.test("cold start connections dropped", async () => {
  let recorder: Recorder | undefined;
  let killer: { stop(): Promise<void> } | undefined;
  const world = await startPortWorld({
    ports: 24,
    tag: "rcdrop",
    createPorts: false,
    beforeDaemon: async (redis) => {
      recorder = await startRecorder(redis, { keyspace: false });
      const admin = redis.client("CONFIG_DB");
      killer = repeat(() => killClients(admin, "portsyncd-"), 3, 150);
    },
  });
  try {
    // Keep dropping connections through the whole cold-start sequence, which starts only after
    // the LOGGER table read, then let the daemon finish.
    await world.daemon.waitForLine(/Wrote ports to APPL_DB/, 10000);
    await killer?.stop();
    await createPorts(world);
    // The sequence itself takes a few ms and may fall between two drops; the start-up
    // connections before it (LOGGER table, then the daemon's own) are always hit.
    const dropped =
      /Redis step failed|Reconnecting to Redis|LOGGER table (connection|subscriber) error/;
    assert(
      world.daemon.lines.some((line) => dropped.test(line)),
      "no connection drop reached the daemon",
    );
    await recorder!.sync();
    const configDone = recorder!.commands.filter((command) =>
      command.db === APPL_DB && command.source !== "lua" &&
      command.args[0]?.toUpperCase() === "EVALSHA" && command.args.includes("PortConfigDone")
    );
    assert(configDone.length >= 1, "PortConfigDone never written");
    const groups = transactions(recorder!.commands).filter((group) =>
      group.some((command) => command.args.includes("PortConfigDone"))
    );
    assertEquals(groups.length, configDone.length, "PortConfigDone written outside MULTI/EXEC");
    for (const group of groups) {
      const staged = group.filter((command) => command.args[0]?.toUpperCase() === "EVALSHA")
        .map((command) => command.args[4 + Number(command.args[2])]);
      assertEquals(staged.sort(), [...world.names, "PortConfigDone"].sort());
    }
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await killer?.stop();
    await recorder?.stop();
    await world.close();
  }
});

Deno.test("redis restarted without its data", async () => {
  const world = await startPortWorld({ ports: 8, tag: "rlost" });
  try {
    await world.ns.batch([`link set ${peerName(world.names[0]!)} down`]);
    // Frozen, the daemon reconnects only once the entries below are back, so its resync
    // finds every port in APPL_DB and must still rewrite STATE_DB.
    world.daemon.signal("SIGSTOP");
    try {
      await world.redis.restart();
      // SONiC's database container would bring back the popped APPL_DB entries.
      await world.applDb.ping();
      for (const name of world.names) {
        await world.applDb.hset(`PORT_TABLE:${name}`, "admin_status", "up");
      }
    } finally {
      world.daemon.signal("SIGCONT");
    }
    await waitStateMatchesKernel(world, 4000);
    assertEquals((await readStatePorts(world.stateDb)).Ethernet0, quad(false));
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});

Deno.test("redis frozen during flap storm", async () => {
  const world = await startPortWorld({ ports: 16, tag: "rfrozen" });
  let resumed = true;
  try {
    const peers = world.names.map(peerName);
    let round = 0;
    const flapper = repeat(
      () => {
        round++;
        return world.ns.batch(peers.map((peer) => `link set ${peer} ${round % 2 ? "down" : "up"}`));
      },
      30,
      400,
    );
    const linkLines = () => world.daemon.lines.filter((line) => line.includes("Link message"));
    try {
      await sleep(200);
      Deno.kill(world.redis.pid, "SIGSTOP");
      resumed = false;
      await world.daemon.waitForLine(/Redis command timed out.*db=STATE_DB/, 3000);
      const before = linkLines().length;
      await sleep(2000);
      // The netlink loop keeps going while writes wait for the server.
      assert(linkLines().length > before + peers.length, "link messages not read while frozen");
    } finally {
      await flapper.stop();
    }
    await world.ns.batch([
      ...peers.slice(0, 5).map((peer) => `link set ${peer} down`),
      ...peers.slice(5).map((peer) => `link set ${peer} up`),
      `link set ${world.names[6]} down`,
      `link set ${world.names[9]} mtu 1500`,
    ]);
    await sleep(300);
    Deno.kill(world.redis.pid, "SIGCONT");
    resumed = true;
    const resumedAt = performance.now();
    await waitStateMatchesKernel(world, 5000);
    const tookMs = performance.now() - resumedAt;
    assert(tookMs <= 2000, `converged ${Math.round(tookMs)} ms after SIGCONT`);
    assertEquals((await readStatePorts(world.stateDb)).Ethernet36, quad(true, true, 1500));
    await world.daemon.waitForLine(/Redis replies again.*db=STATE_DB/, 1000);
    await world.daemon.waitForLine(/Requesting link dump .*reason=reconnect/, 1000);
    const overflowed = world.daemon.lines.filter((line) => line.includes("buffer overflowed"));
    assertEquals(overflowed, [], "netlink overflow while Redis was frozen");
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    if (!resumed) Deno.kill(world.redis.pid, "SIGCONT");
    await world.close();
  }
});

Deno.test("appl entry deleted while redis down", async () => {
  const world = await startPortWorld({ ports: 8, tag: "rappl" });
  try {
    const [first, , gone] = world.names as [string, string, string];
    await world.redis.kill();
    await world.daemon.waitForLine(/Reconnecting to Redis/, 3000);
    await world.ns.batch([`link set ${peerName(first)} down`, `link set ${peerName(gone)} down`]);
    await world.daemon.waitForLine(new RegExp(`Failed to read APPL_DB PORT_TABLE.*${gone}`), 3000);
    // Frozen, the daemon reconnects only once APPL_DB holds every entry but the deleted one.
    world.daemon.signal("SIGSTOP");
    try {
      await world.redis.restart();
      await world.applDb.ping();
      for (const name of world.names.filter((name) => name !== gone)) {
        await world.applDb.hset(`PORT_TABLE:${name}`, "admin_status", "up");
      }
    } finally {
      world.daemon.signal("SIGCONT");
    }
    const kernel = await readKernelPorts(world.ns, world.names);
    const { [gone]: goneState, ...others } = kernel;
    await waitFor(
      async () => JSON.stringify(await readStatePorts(world.stateDb)) === JSON.stringify(others),
      { message: "STATE_DB equal to the kernel except the deleted port", timeoutMs: 4000 },
    );
    assertEquals(others[first], quad(false));
    // Two recheck intervals: the netdev waits for its entry instead of being published.
    await sleep(1000);
    assertEquals(await world.stateDb.exists(`PORT_TABLE|${gone}`), 0);
    await world.applDb.hset(`PORT_TABLE:${gone}`, "admin_status", "up");
    await waitFor(
      async () =>
        JSON.stringify((await readStatePorts(world.stateDb))[gone]) ===
          JSON.stringify(goneState),
      { message: "deleted port published once its entry is back", timeoutMs: 2000 },
    );
    assertEquals(goneState, quad(false));
    assertEquals((await world.daemon.stop()).code, 0);
  } finally {
    await world.close();
  }
});
