/**
 * Warm restart of the daemon against a real redis-server and a network namespace: a cold
 * run, `kill -9`, link changes while the daemon is down, then a warm start that must
 * reconcile STATE_DB exactly without touching APPL_DB ports or any link.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  createNamespace,
  type DaemonProcess,
  type Namespace,
  Orchagent,
  P2_PORTS,
  readStatePort,
  type Recorder,
  type RedisServer,
  seedConfigPorts,
  startDaemon,
  startRecorder,
  startRedis,
  waitFor,
} from "../support/mod.ts";

const APPL_DB = 0;
const STATE_DB = 6;
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const PORTS = ["Ethernet0", "Ethernet4", "Ethernet8", "Ethernet12"];
const CONFIG_PORTS = {
  ...P2_PORTS,
  Ethernet8: { ...P2_PORTS.Ethernet0, alias: "etp3", index: "3", lanes: "8,9,10,11" },
  Ethernet12: { ...P2_PORTS.Ethernet0, alias: "etp4", index: "4", lanes: "12,13,14,15" },
};
const RESTORE_KEY = "WARM_RESTART_TABLE|portsyncd";

interface World {
  redis: RedisServer;
  ns: Namespace;
  dir: string;
  stateFile: string;
  configPath: string;
  stateDb: Redis;
  applDb: Redis;
  orchagent: Orchagent;
  daemons: DaemonProcess[];
}

async function withWorld(name: string, fn: (world: World) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  const daemons: DaemonProcess[] = [];
  let ns: Namespace | undefined;
  let orchagent: Orchagent | undefined;
  const dir = await Deno.makeTempDir({ prefix: "portsyncd-warm-" });
  try {
    ns = await createNamespace(name);
    const stateFile = `${dir}/state/port_state.json`;
    const configPath = `${dir}/portsyncd.toml`;
    await Deno.writeTextFile(
      configPath,
      [
        "[alerting]",
        `history_db = ${JSON.stringify(`${dir}/alerts.db`)}`,
        "[warm_restart]",
        `state_file = ${JSON.stringify(stateFile)}`,
        "snapshot_interval_ms = 100",
        "initial_sync_timeout_ms = 5000",
        "",
      ].join("\n"),
    );
    const applDb = redis.client("APPL_DB");
    orchagent = new Orchagent(applDb);
    await orchagent.startAuto();
    await fn({
      redis,
      ns,
      dir,
      stateFile,
      configPath,
      stateDb: redis.client("STATE_DB"),
      applDb,
      orchagent,
      daemons,
    });
  } finally {
    for (const daemon of daemons) await daemon.stop();
    await orchagent?.stop().catch(() => {});
    await ns?.delete();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function launch(world: World): Promise<DaemonProcess> {
  const daemon = await startDaemon({
    namespace: world.ns,
    dbConfigPath: world.redis.dbConfigPath,
    configPath: world.configPath,
  });
  world.daemons.push(daemon);
  return daemon;
}

async function snapshotNames(path: string): Promise<string[] | undefined> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    return parsed.body.ports.map((port: { name: string }) => port.name);
  } catch {
    return undefined;
  }
}

/**
 * Runs the daemon cold with four ports created after PortConfigDone (as orchagent does), adds
 * orchagent's host_tx_ready to each entry, waits for the snapshot, then kills the daemon.
 */
async function coldRunThenKill(world: World): Promise<void> {
  await seedConfigPorts(world.redis.client("CONFIG_DB"), CONFIG_PORTS);
  const daemon = await launch(world);
  await daemon.waitForLine(/Wrote ports to APPL_DB/, 10000);
  for (const port of PORTS) await world.ns.addPort(port, { up: true, peerUp: true, mtu: 9100 });
  for (const port of PORTS) {
    await waitFor(
      async () => (await readStatePort(world.stateDb, port))?.netdev_oper_status === "up",
      { message: `cold STATE_DB entry of ${port}` },
    );
    await world.stateDb.hset(`PORT_TABLE|${port}`, "host_tx_ready", "true");
  }
  await waitFor(async () => (await snapshotNames(world.stateFile))?.length === PORTS.length, {
    message: "snapshot with four ports",
  });
  daemon.signal("SIGKILL");
  const status = await daemon.exited;
  assertEquals(status.signal, "SIGKILL");
}

/** Starts recording and the daemon in warm mode; resolves once state is `reconciled`. */
async function warmStart(world: World): Promise<{ daemon: DaemonProcess; recorder: Recorder }> {
  await world.stateDb.hset("WARM_RESTART_ENABLE_TABLE|swss", "enable", "true");
  const recorder = await startRecorder(world.redis, { keyspace: false });
  const daemon = await launch(world);
  await daemon.waitForLine(/Warm restart reconciled/, 10000);
  await recorder.sync();
  return { daemon, recorder };
}

function stateSequence(recorder: Recorder): string[] {
  return recorder.commandsOn(STATE_DB, RESTORE_KEY)
    .filter((command) => command.args[0]!.toUpperCase() === "HSET" && command.args[2] === "state")
    .map((command) => command.args[3]!);
}

/** APPL_DB commands, from the daemon or inside its scripts, that touch a port or PortConfigDone. */
function applPortWrites(recorder: Recorder): string[] {
  const reads = new Set(["EXISTS", "HGETALL", "HEXISTS", "HGET"]);
  return recorder.commands
    .filter((command) => command.db === APPL_DB)
    .filter((command) => !reads.has(command.args[0]!.toUpperCase()))
    .filter((command) => command.args.some((arg) => /Ethernet|PortConfigDone/.test(arg)))
    .map((command) => command.args.join(" "));
}

/** STATE_DB commands on `PORT_TABLE|<port>` keys, as `COMMAND key`. */
function statePortWrites(recorder: Recorder): string[] {
  return recorder.commands
    .filter((command) => command.db === STATE_DB && command.args[1]?.startsWith("PORT_TABLE|"))
    .filter((command) => command.args[0]!.toUpperCase() !== "HGETALL")
    .map((command) => `${command.args[0]!.toUpperCase()} ${command.args[1]}`);
}

async function allFlags(ns: Namespace, names: string[]): Promise<Record<string, number>> {
  const flags: Record<string, number> = {};
  for (const name of names) flags[name] = await ns.flags(name);
  return flags;
}

const OK_UP_9100 = {
  state: "ok",
  netdev_oper_status: "up",
  admin_status: "up",
  mtu: "9100",
  host_tx_ready: "true",
};

Deno.test("warm restart reconciles link changes", async () => {
  await withWorld("warm", async (world) => {
    await coldRunThenKill(world);
    // While the daemon is down: flap Ethernet0 (ends up), pull Ethernet4's cable, change
    // Ethernet8's MTU, delete Ethernet12.
    await world.ns.run(["link", "set", "Ethernet0", "down"]);
    await world.ns.run(["link", "set", "Ethernet0", "up"]);
    await world.ns.run(["link", "set", "p-Ethernet4", "down"]);
    await world.ns.run(["link", "set", "Ethernet8", "mtu", "1500"]);
    await world.ns.run(["link", "del", "Ethernet12"]);
    const live = ["Ethernet0", "Ethernet4", "Ethernet8"];
    await waitFor(async () => ((await world.ns.flags("Ethernet4")) & IFF_RUNNING) === 0, {
      message: "Ethernet4 carrier loss",
    });
    // A veth brought up again gets its carrier back a moment later.
    await waitFor(async () => ((await world.ns.flags("Ethernet0")) & IFF_RUNNING) !== 0, {
      message: "Ethernet0 carrier back",
    });
    const flagsBefore = await allFlags(world.ns, live);

    const { daemon, recorder } = await warmStart(world);
    try {
      assertEquals(await readStatePort(world.stateDb, "Ethernet0"), OK_UP_9100);
      assertEquals(await readStatePort(world.stateDb, "Ethernet4"), {
        ...OK_UP_9100,
        netdev_oper_status: "down",
      });
      assertEquals(await readStatePort(world.stateDb, "Ethernet8"), { ...OK_UP_9100, mtu: "1500" });
      assertEquals(await readStatePort(world.stateDb, "Ethernet12"), undefined);
      assertEquals(await world.stateDb.hget(RESTORE_KEY, "restore_count"), "1");
      assertEquals(stateSequence(recorder), ["initialized", "restored", "reconciled"]);
      assertEquals(await world.stateDb.hget(RESTORE_KEY, "state"), "reconciled");
      assertEquals(statePortWrites(recorder).sort(), [
        "DEL PORT_TABLE|Ethernet12",
        "HSET PORT_TABLE|Ethernet4",
        "HSET PORT_TABLE|Ethernet8",
      ]);
      assertEquals(applPortWrites(recorder), []);
      assertEquals(recorder.commands.filter((c) => c.args.includes("PortConfigDone")), []);
      assertEquals(await allFlags(world.ns, live), flagsBefore);
      assert(((flagsBefore.Ethernet0 ?? 0) & IFF_UP) !== 0, "Ethernet0 stays admin up");
      assert(!daemon.lines.some((line) => /netdev down/.test(line)), "no link-down request");
      const summary = daemon.lines.find((line) => line.includes("Warm restart reconciled"))!;
      assertMatch(summary, /unchanged=1 updated=2 removed=1 duration_ms=\d+/);
      const transitions = daemon.lines.filter((line) => /Warm restart state/.test(line));
      assertEquals(transitions.map((line) => /from=(\S+) to=(\S+)/.exec(line)?.slice(1)), [
        ["none", "initialized"],
        ["initialized", "restored"],
        ["restored", "reconciled"],
      ]);
      await waitFor(
        async () => (await snapshotNames(world.stateFile))?.join(",") === live.join(","),
        { message: "snapshot without Ethernet12" },
      );

      // An event after reconciliation is written as usual.
      await world.ns.run(["link", "set", "p-Ethernet4", "up"]);
      await waitFor(
        async () => (await readStatePort(world.stateDb, "Ethernet4"))?.netdev_oper_status === "up",
        { message: "Ethernet4 back up after reconciliation" },
      );
    } finally {
      await recorder.stop();
    }
    assertEquals((await daemon.stop()).code, 0);
  });
});

Deno.test("warm restart with bad snapshot", async (t) => {
  const cases: Array<[string, (text: string) => string, RegExp]> = [
    ["corrupt", (text) => text.replace('"Ethernet4"', '"Ethernet5"'), /checksum mismatch/],
    ["truncated", (text) => text.slice(0, Math.floor(text.length / 2)), /not valid JSON/],
    [
      "older format",
      (text) => text.replace(/"version": 1/, '"version": 0'),
      /format version 0, expected 1/,
    ],
  ];
  for (const [name, damage, reason] of cases) {
    await t.step(name, async () => {
      await withWorld("warmbad", async (world) => {
        await coldRunThenKill(world);
        const original = await Deno.readTextFile(world.stateFile);
        const damaged = damage(original);
        assert(damaged !== original, "the damage changed the file");
        await Deno.writeTextFile(world.stateFile, damaged);
        await world.ns.run(["link", "set", "p-Ethernet4", "down"]);
        const flagsBefore = await allFlags(world.ns, PORTS);

        const { daemon, recorder } = await warmStart(world);
        try {
          const warnings = daemon.lines.filter((line) => /Port snapshot unusable/.test(line));
          assertEquals(warnings.length, 1);
          assertMatch(warnings[0]!, /^\s*WARN /);
          assert(warnings[0]!.includes(`file=${world.stateFile}`), warnings[0]);
          assertMatch(warnings[0]!, reason);
          const keptFiles = [];
          for await (const entry of Deno.readDir(`${world.dir}/state`)) {
            if (entry.name.startsWith("port_state.json.bad-")) keptFiles.push(entry.name);
          }
          assertEquals(keptFiles.length, 1);
          assertEquals(await Deno.readTextFile(`${world.dir}/state/${keptFiles[0]}`), damaged);

          assertEquals(stateSequence(recorder), ["initialized", "reconciled"]);
          assertEquals(await world.stateDb.hget(RESTORE_KEY, "restore_count"), "1");
          assertEquals(await readStatePort(world.stateDb, "Ethernet0"), OK_UP_9100);
          assertEquals(await readStatePort(world.stateDb, "Ethernet4"), {
            ...OK_UP_9100,
            netdev_oper_status: "down",
          });
          assertEquals(statePortWrites(recorder), ["HSET PORT_TABLE|Ethernet4"]);
          assertEquals(applPortWrites(recorder), []);
          assertEquals(await allFlags(world.ns, PORTS), flagsBefore);
          await waitFor(async () => (await snapshotNames(world.stateFile))?.length === 4, {
            message: "a fresh snapshot",
          });
        } finally {
          await recorder.stop();
        }
      });
    });
  }
});

Deno.test("warm restart without restore count", async () => {
  await withWorld("warmcold", async (world) => {
    await coldRunThenKill(world);
    await world.stateDb.hdel(RESTORE_KEY, "restore_count");
    await world.stateDb.hset("WARM_RESTART_ENABLE_TABLE|swss", "enable", "true");
    const recorder = await startRecorder(world.redis, { keyspace: false });
    try {
      const daemon = await launch(world);
      await daemon.waitForLine(/mode=cold/, 10000);
      await daemon.waitForLine(/Wrote ports to APPL_DB/, 10000);
      await recorder.sync();
      assertEquals(await world.stateDb.hget(RESTORE_KEY, "restore_count"), "0");
      assertEquals(await world.stateDb.hget(RESTORE_KEY, "state"), null);
      assertEquals(stateSequence(recorder), []);
      assert(
        recorder.commands.some((command) => command.args.includes("PortConfigDone")),
        "a cold start writes PortConfigDone",
      );
      assert(!daemon.lines.some((line) => /Warm restart state/.test(line)), "no transitions");
    } finally {
      await recorder.stop();
    }
  });
});
