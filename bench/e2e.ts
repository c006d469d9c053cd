// deno-lint-ignore-file no-console -- a command-line report: its output is the product
/**
 * End-to-end benchmark of a portsyncd in a network namespace against a real `redis-server`,
 * with the orchagent stand-in popping APPL_DB and veth pairs as ports.
 *
 * ```sh
 * deno run --allow-all bench/e2e.ts [--ports 32,256,1024] [--daemon-cmd "CMD ARGS"]
 *   [--samples 1000] [--rates 2000,5000,10000,15000,20000] [--idle-seconds 10]
 *   [--settle-seconds 0]
 * ```
 *
 * Per port count it starts a fresh Redis, namespace and daemon and measures, in this order:
 * PortInitDone after the last netdev appears; single-change latency to STATE_DB (keyspace
 * notification) and the kernel-alone latency to a netlink listener; paced storms (sustained
 * rate without loss); the unpaced `ip -batch` storm (10 admin flips per port, then one
 * carrier-up per port); idle CPU (after `--settle-seconds`) and Redis commands; peak RSS. It
 * prints a table and then one JSON line. See bench/RESULTS.md for the meaning of every row.
 *
 * Without `--daemon-cmd` it measures what the package ships: it builds `dist/portsyncd.js` with
 * `deno task bundle` and runs it with the package's runtime flags (V8 limits included) and
 * `--allow-all` instead of the package's permission list, whose paths are SONiC's.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { databaseId } from "../tests/support/database_config.ts";
import { createNamespace, type Namespace } from "../tests/support/netns.ts";
import { Orchagent } from "../tests/support/orchagent.ts";
import { type RedisServer, startRedis } from "../tests/support/redis_server.ts";
import { isolatedConfig, REPO_ROOT } from "../tests/support/daemon.ts";
import { RUNTIME_FLAGS } from "../packaging/permission_flags.ts";
import { BenchDaemon } from "./_bench_daemon.ts";
import { KeyspaceWatch } from "./_keyspace_watch.ts";
import { LinkObserver } from "./_link_observer.ts";
import { readOptions } from "./_command_line.ts";
import { cpuBetweenMs, cpuMs, statusKb, threadCpu } from "./_proc_stats.ts";
import { percentile } from "./_percentile.ts";

const USAGE =
  `Usage: deno task bench:e2e [options]   (as root; the same as deno run --allow-all bench/e2e.ts)

  --ports LIST           port counts to measure, comma-separated (default 32,256,1024; at most 4096)
  --daemon-cmd "CMD"     the portsyncd to measure (default: the shipped bundle, built first)
  --samples N            single-change samples per port count (default 1000)
  --rates LIST           paced storm rates in changes per second (default 2000,5000,10000,15000,20000)
  --idle-seconds N       length of the idle measurement (default 10)
  --settle-seconds N     wait after the storms before the idle measurement (default 0)

It prints a table and one JSON line; bench/RESULTS.md explains every row.`;

/** Lines of a daemon log that tell of lost netlink messages. */
const OVERFLOW_PATTERN = /overflow|ENOBUFS|No buffer space/i;
/** A storm passes when STATE_DB is right within this time of the last kernel change. */
const STORM_CONVERGE_MS = 1000;
/** Maximum wait for STATE_DB to settle after a storm, before counting lost final states. */
const STORM_DEADLINE_MS = 5000;
/** Maximum wait for the kernel to apply every carrier change of a storm (linkwatch). */
const KERNEL_DEADLINE_MS = 30_000;
/** STATE_DB is read back only after this long without a notification or a link message. */
const QUIET_MS = 150;
/** Longest paced storm. */
const PACED_STORM_MS = 1000;

interface Options {
  ports: number[];
  daemonCommand: string[];
  samples: number;
  rates: number[];
  idleSeconds: number;
  /** Wait after the storms before the idle measurement, for V8's clean-up after them to end. */
  settleSeconds: number;
}

interface StormResult {
  targetRate: number;
  achievedRate: number;
  changes: number;
  kernelMessages: number;
  stateWrites: number;
  convergeMs: number | null;
  lostFinalStates: number;
  overflowLines: number;
  /** Receive errors (ENOBUFS) of the bench's own listener: its message count is then short. */
  listenerErrors: number;
  /** Time from the end of the storm's commands to the kernel's last change, when known. */
  kernelSettleMs: number | null;
  cpuMs: number;
  passed: boolean;
}

interface PortCountResult {
  ports: number;
  portInitDoneMs: number;
  latency: { p50: number; p99: number; kernelP50: number; kernelP99: number; missed: number };
  paced: StormResult[];
  sustainedRate: number;
  unpaced: StormResult;
  cpuUsPerStateWrite: number;
  cpuUsPerLinkChange: number;
  idleCpuMs: number;
  idleRedisCommands: number;
  peakRssMb: number;
  rss: Record<string, number | undefined>;
}

/** Tracks every port of one run: names, ifindexes and the state the storms left. */
interface Ports {
  names: string[];
  ifindex: Map<string, number>;
  admin: Map<string, boolean>;
  oper: boolean;
}

let interrupted = false;

function checkInterrupted(): void {
  if (interrupted) throw new Error("Benchmark interrupted by a signal");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function timeout(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => setTimeout(() => resolve("timeout"), ms));
}

function parseOptions(args: string[]): Options {
  const options: Options = {
    ports: [32, 256, 1024],
    daemonCommand: [],
    samples: 1000,
    rates: [2000, 5000, 10000, 15000, 20000],
    idleSeconds: 10,
    settleSeconds: 0,
  };
  const numbers = (text: string, name: string) =>
    text.split(",").map((part) => {
      const value = Number(part);
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`Invalid ${name} value ${JSON.stringify(part)}; use positive integers`);
      }
      return value;
    });
  for (let index = 0; index < args.length; index++) {
    const name = args[index]!;
    const value = args[++index];
    if (value === undefined) throw new Error(`Missing value for ${name}; see --help`);
    switch (name) {
      case "--ports":
        options.ports = numbers(value, name);
        if (options.ports.some((count) => count > 4096)) {
          throw new Error("Invalid --ports: at most 4096 ports per run");
        }
        break;
      case "--daemon-cmd":
        options.daemonCommand = value.trim().split(/\s+/);
        break;
      case "--samples":
        options.samples = Math.min(numbers(value, name)[0]!, 10000);
        break;
      case "--rates":
        options.rates = numbers(value, name).map((rate) => Math.min(rate, 200000));
        break;
      case "--idle-seconds":
        options.idleSeconds = Math.min(numbers(value, name)[0]!, 600);
        break;
      case "--settle-seconds":
        options.settleSeconds = Math.min(numbers(value, name)[0]!, 600);
        break;
      default:
        throw new Error(`Unknown option ${JSON.stringify(name)}; see --help`);
    }
  }
  return options;
}

/** Polls `check` every `intervalMs` until it returns true; throws after `limitMs`. */
async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  limitMs: number,
  daemon?: BenchDaemon,
  intervalMs = 10,
): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    checkInterrupted();
    if (daemon?.done) {
      throw new Error(`Wait for ${what} failed: the daemon exited; last lines:\n${daemon.tail()}`);
    }
    if (await check()) return;
    await sleep(intervalMs);
  }
  throw new Error(`Wait for ${what} failed: not within ${limitMs} ms`);
}

/**
 * Counts ports whose STATE_DB admin/oper status differ from the kernel's, read with a link
 * dump at the same time: the kernel, not the commands the bench sent, defines the final state.
 */
async function countWrong(stateDb: Redis, ports: Ports, observer: LinkObserver): Promise<number> {
  const pipeline = stateDb.pipeline();
  for (const name of ports.names) {
    pipeline.hmget(`PORT_TABLE|${name}`, "admin_status", "netdev_oper_status");
  }
  const [replies, kernel] = await Promise.all([pipeline.exec(), observer.dump()]);
  let wrong = 0;
  ports.names.forEach((name, index) => {
    const [admin, oper] = (replies?.[index]?.[1] ?? []) as Array<string | null>;
    const link = kernel.get(name);
    if (
      link === undefined || admin !== (link.admin ? "up" : "down") ||
      oper !== (link.oper ? "up" : "down")
    ) wrong++;
  });
  return wrong;
}

/** Counts ports whose kernel state is not yet the one the bench's commands lead to. */
async function countKernelPending(ports: Ports, observer: LinkObserver): Promise<number> {
  const kernel = await observer.dump();
  let pending = 0;
  for (const name of ports.names) {
    const link = kernel.get(name);
    const admin = ports.admin.get(name) ?? false;
    if (link === undefined || link.admin !== admin || link.oper !== (ports.oper && admin)) {
      pending++;
    }
  }
  return pending;
}

/**
 * Waits until the kernel itself has applied the final state of a storm, bounded by
 * KERNEL_DEADLINE_MS. Carrier changes reach the kernel's operstate through linkwatch
 * (net/core/link_watch.c: 100 devices per run, 200 when urgent, non-urgent runs at most once
 * per second), so after a storm over 1024 veth pairs the kernel may keep changing links for
 * several seconds (16 s once on this machine). Returns the time from
 * `since` to the last link message then, or null with the ports still pending.
 */
async function awaitKernel(
  ports: Ports,
  observer: LinkObserver,
  since: number,
): Promise<{ kernelMs: number | null; pending: number }> {
  const deadline = performance.now() + KERNEL_DEADLINE_MS;
  let pending = ports.names.length;
  while (performance.now() < deadline) {
    checkInterrupted();
    await sleep(100);
    pending = await countKernelPending(ports, observer);
    if (pending === 0) return { kernelMs: Math.max(0, observer.lastAt - since), pending };
  }
  return { kernelMs: null, pending };
}

/**
 * Waits until the kernel and STATE_DB have been quiet for QUIET_MS and STATE_DB matches the
 * kernel's states, bounded by STORM_DEADLINE_MS. Returns the time from the last kernel
 * message to the last STATE_DB notification, or null with the count of wrong ports.
 */
async function settle(
  stateDb: Redis,
  ports: Ports,
  observer: LinkObserver,
  state: KeyspaceWatch,
  daemon: BenchDaemon,
): Promise<{ convergeMs: number | null; wrong: number }> {
  const deadline = performance.now() + STORM_DEADLINE_MS;
  let wrong = ports.names.length;
  while (performance.now() < deadline) {
    checkInterrupted();
    await sleep(25);
    const now = performance.now();
    if (now - Math.max(observer.lastAt, state.lastAt) < QUIET_MS) continue;
    wrong = await countWrong(stateDb, ports, observer);
    if (wrong === 0) {
      return { convergeMs: Math.max(0, state.lastAt - observer.lastAt), wrong };
    }
    if (daemon.done) break;
  }
  return { convergeMs: null, wrong };
}

async function ipBatch(ns: Namespace, commands: string[]): Promise<number> {
  await ns.batch(commands);
  return performance.now();
}

async function measurePortCount(count: number, options: Options): Promise<PortCountResult> {
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const redis: RedisServer = await startRedis();
    cleanups.push(() => redis.stop());
    const ns = await createNamespace("psdbench");
    cleanups.push(() => ns.delete());
    const observer = new LinkObserver(ns.name);
    cleanups.push(() => observer.close());

    const configDb = redis.client("CONFIG_DB");
    const applDb = redis.client("APPL_DB");
    const stateDb = redis.client("STATE_DB");
    const names = Array.from({ length: count }, (_, index) => `Ethernet${index * 4}`);
    const seed = configDb.pipeline();
    names.forEach((name, index) => {
      seed.hset(`PORT|${name}`, {
        alias: `etp${index + 1}`,
        index: String(index + 1),
        lanes: `${index * 4},${index * 4 + 1},${index * 4 + 2},${index * 4 + 3}`,
        speed: "100000",
        mtu: "9100",
        admin_status: "up",
      });
    });
    await seed.exec();

    const orchagent = new Orchagent(applDb);
    await orchagent.startAuto();
    cleanups.push(() => orchagent.stop().catch(() => {}));
    const state = await KeyspaceWatch.start(stateDb, databaseId("STATE_DB"), "PORT_TABLE|");
    cleanups.push(() => state.close());
    const initDone = await KeyspaceWatch.start(applDb, databaseId("APPL_DB"), "_PORT_TABLE:");
    cleanups.push(() => initDone.close());
    const initDoneAt = initDone.next("_PORT_TABLE:PortInitDone");

    const daemon = BenchDaemon.start(
      ns.name,
      options.daemonCommand,
      redis.dbConfigPath,
      REPO_ROOT,
      [OVERFLOW_PATTERN],
    );
    cleanups.push(() => daemon.stop());

    // Orchagent creates netdevs only once it has every port: wait for all final APPL_DB hashes.
    await until(
      "APPL_DB ports",
      async () => {
        const keys = await applDb.keys("PORT_TABLE:Ethernet*");
        return keys.length === count && await applDb.exists("PORT_TABLE:PortConfigDone") === 1;
      },
      60_000,
      daemon,
    );

    // PortInitDone after the last netdev appears.
    await ipBatch(
      ns,
      names.map((name) => `link add ${name} type veth peer name p-${name}`),
    );
    await until("the last link message", () => performance.now() - observer.lastAt > 100, 10_000);
    const lastNetdevAt = observer.lastAt;
    const doneAt = await Promise.race([initDoneAt, timeout(30_000)]);
    if (doneAt === "timeout") {
      throw new Error(
        `Wait for PortInitDone failed: none within 30 s; last lines:\n${daemon.tail()}`,
      );
    }
    const portInitDoneMs = doneAt - lastNetdevAt;

    const links = JSON.parse(await ns.run(["-j", "link", "show"])) as Array<
      { ifname: string; ifindex: number }
    >;
    const ports: Ports = {
      names,
      ifindex: new Map(links.map((link) => [link.ifname, link.ifindex])),
      admin: new Map(names.map((name) => [name, true])),
      oper: false,
    };
    await ipBatch(ns, names.map((name) => `link set ${name} up`));
    const ready = await settle(stateDb, ports, observer, state, daemon);
    if (ready.convergeMs === null) {
      throw new Error(`Bring ports up failed: ${ready.wrong} ports wrong in STATE_DB`);
    }

    const latency = await measureLatency(ports, observer, state, options.samples);
    await restoreUp(stateDb, ports, observer, state, daemon);

    const paced: StormResult[] = [];
    for (const rate of options.rates) {
      checkInterrupted();
      const result = await pacedStorm(rate, stateDb, ports, observer, state, daemon);
      paced.push(result);
      await restoreUp(stateDb, ports, observer, state, daemon);
      if (!result.passed) break;
    }
    const sustainedRate = Math.max(
      0,
      ...paced.filter((result) => result.passed).map((result) => result.achievedRate),
    );

    const unpaced = await unpacedStorm(ns, stateDb, ports, observer, state, daemon);

    await sleep(1000 + options.settleSeconds * 1000);
    const idleCpuBefore = threadCpu(daemon.pid);
    const commandsBefore = await countCommands(stateDb);
    await sleep(options.idleSeconds * 1000);
    const idleCpuMs = cpuBetweenMs(idleCpuBefore, threadCpu(daemon.pid));
    const idleRedisCommands = await countCommands(stateDb) - commandsBefore;

    const rss = {
      VmHWM: statusKb(daemon.pid, "VmHWM"),
      VmRSS: statusKb(daemon.pid, "VmRSS"),
      RssAnon: statusKb(daemon.pid, "RssAnon"),
      RssFile: statusKb(daemon.pid, "RssFile"),
    };
    const storms = [...paced, unpaced];
    const stormCpu = storms.reduce((sum, storm) => sum + storm.cpuMs, 0);
    const stormWrites = storms.reduce((sum, storm) => sum + storm.stateWrites, 0);
    const stormChanges = storms.reduce((sum, storm) => sum + storm.changes, 0);
    return {
      ports: count,
      portInitDoneMs,
      latency,
      paced,
      sustainedRate,
      unpaced,
      cpuUsPerStateWrite: (stormCpu * 1000) / Math.max(1, stormWrites),
      cpuUsPerLinkChange: (stormCpu * 1000) / Math.max(1, stormChanges),
      idleCpuMs,
      idleRedisCommands,
      peakRssMb: (rss.VmHWM ?? 0) / 1024,
      rss,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error(`Cleanup step failed: ${error}`);
      }
    }
  }
}

/** Total commands the Redis server processed, minus INFO itself. */
async function countCommands(client: Redis): Promise<number> {
  const text = await client.info("commandstats");
  let total = 0;
  for (const match of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (match[1] !== "info") total += Number(match[2]);
  }
  return total;
}

async function measureLatency(
  ports: Ports,
  observer: LinkObserver,
  state: KeyspaceWatch,
  samples: number,
): Promise<PortCountResult["latency"]> {
  const toState: number[] = [];
  const toKernel: number[] = [];
  let missed = 0;
  for (let sample = 0; sample < samples; sample++) {
    checkInterrupted();
    const name = ports.names[sample % ports.names.length]!;
    const ifindex = ports.ifindex.get(name)!;
    const up = !ports.admin.get(name);
    const key = `PORT_TABLE|${name}`;
    const kernelAt = observer.next(ifindex);
    const stateAt = state.next(key);
    const started = performance.now();
    observer.setAdmin(ifindex, up);
    ports.admin.set(name, up);
    const [kernel, written] = await Promise.all([
      Promise.race([kernelAt, timeout(1000)]),
      Promise.race([stateAt, timeout(1000)]),
    ]);
    if (kernel === "timeout" || written === "timeout") {
      observer.cancel(ifindex);
      state.cancel(key);
      missed++;
    } else {
      toKernel.push(kernel - started);
      toState.push(written - started);
    }
    // Let the change's follow-up messages (IPv6 link info) pass before the next sample.
    await sleep(3);
  }
  return {
    p50: percentile(toState, 0.5),
    p99: percentile(toState, 0.99),
    kernelP50: percentile(toKernel, 0.5),
    kernelP99: percentile(toKernel, 0.99),
    missed,
  };
}

/** Brings every port back to admin up (peers down) and waits for STATE_DB to match. */
async function restoreUp(
  stateDb: Redis,
  ports: Ports,
  observer: LinkObserver,
  state: KeyspaceWatch,
  daemon: BenchDaemon,
): Promise<void> {
  for (const name of ports.names) {
    if (!ports.admin.get(name)) {
      observer.setAdmin(ports.ifindex.get(name)!, true);
      ports.admin.set(name, true);
    }
  }
  const result = await settle(stateDb, ports, observer, state, daemon);
  if (result.convergeMs === null) {
    throw new Error(`Restore ports up failed: ${result.wrong} ports wrong in STATE_DB`);
  }
}

/**
 * Flips ports administratively at `rate` changes per second for PACED_STORM_MS, in bursts
 * that catch up with the schedule after each timer tick (1 to 4 ms apart).
 */
async function pacedStorm(
  rate: number,
  stateDb: Redis,
  ports: Ports,
  observer: LinkObserver,
  state: KeyspaceWatch,
  daemon: BenchDaemon,
): Promise<StormResult> {
  const total = Math.round((rate * PACED_STORM_MS) / 1000);
  const before = snapshot(observer, state, daemon);
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    checkInterrupted();
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const name = ports.names[sent % ports.names.length]!;
      const up = !ports.admin.get(name);
      observer.setAdmin(ports.ifindex.get(name)!, up);
      ports.admin.set(name, up);
    }
    if (sent >= total || performance.now() - started > PACED_STORM_MS * 3) break;
    await sleep(1);
  }
  const elapsedS = (performance.now() - started) / 1000;
  return await finishStorm(
    rate,
    sent / elapsedS,
    sent,
    before,
    stateDb,
    ports,
    observer,
    state,
    daemon,
  );
}

/**
 * The storm of the issue, through `ip -batch` as fast as the kernel takes it: 10 admin flips
 * per port (round-robin), then one carrier-up per port (peer up). Peers stay down until then,
 * so the final state (admin up, oper up) differs from every intermediate one.
 */
async function unpacedStorm(
  ns: Namespace,
  stateDb: Redis,
  ports: Ports,
  observer: LinkObserver,
  state: KeyspaceWatch,
  daemon: BenchDaemon,
): Promise<StormResult> {
  const commands: string[] = [];
  for (let round = 0; round < 10; round++) {
    for (const name of ports.names) {
      commands.push(`link set ${name} ${round % 2 === 0 ? "down" : "up"}`);
    }
  }
  for (const name of ports.names) commands.push(`link set p-${name} up`);
  const before = snapshot(observer, state, daemon);
  const started = performance.now();
  const ended = await ipBatch(ns, commands);
  const elapsedS = (ended - started) / 1000;
  ports.oper = true;
  const kernel = await awaitKernel(ports, observer, ended);
  if (kernel.kernelMs === null) {
    console.error(`Kernel still changing ${kernel.pending} ports after ${KERNEL_DEADLINE_MS} ms`);
  }
  return await finishStorm(
    0,
    commands.length / elapsedS,
    commands.length,
    before,
    stateDb,
    ports,
    observer,
    state,
    daemon,
    kernel.kernelMs,
  );
}

interface Snapshot {
  messages: number;
  listenerErrors: number;
  writes: number;
  overflow: number;
  cpuMs: number;
}

function snapshot(observer: LinkObserver, state: KeyspaceWatch, daemon: BenchDaemon): Snapshot {
  return {
    messages: observer.messages,
    listenerErrors: observer.errors,
    writes: state.count,
    overflow: daemon.count(OVERFLOW_PATTERN),
    cpuMs: cpuMs(daemon.pid),
  };
}

async function finishStorm(
  targetRate: number,
  achievedRate: number,
  changes: number,
  before: Snapshot,
  stateDb: Redis,
  ports: Ports,
  observer: LinkObserver,
  state: KeyspaceWatch,
  daemon: BenchDaemon,
  kernelSettleMs: number | null = null,
): Promise<StormResult> {
  const settled = await settle(stateDb, ports, observer, state, daemon);
  const after = snapshot(observer, state, daemon);
  const overflowLines = after.overflow - before.overflow;
  return {
    targetRate,
    achievedRate: Math.round(achievedRate),
    changes,
    kernelMessages: after.messages - before.messages,
    stateWrites: after.writes - before.writes,
    convergeMs: settled.convergeMs,
    lostFinalStates: settled.wrong,
    overflowLines,
    listenerErrors: after.listenerErrors - before.listenerErrors,
    kernelSettleMs,
    cpuMs: after.cpuMs - before.cpuMs,
    passed: settled.convergeMs !== null && settled.convergeMs <= STORM_CONVERGE_MS &&
      overflowLines === 0,
  };
}

function machineFacts(): Record<string, string | number> {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel: model,
    kernel: Deno.osRelease(),
    memoryMb: Math.round(Deno.systemMemoryInfo().total / 1024 / 1024),
    deno: Deno.version.deno,
    loadAverage: Deno.loadavg().map((load) => load.toFixed(2)).join(" "),
  };
}

function fmt(value: number | null, digits = 2): string {
  if (value === null || Number.isNaN(value)) return "n/a";
  return value.toFixed(digits);
}

function printTable(results: PortCountResult[]): void {
  const rows: Array<[string, (result: PortCountResult) => string]> = [
    [
      "single change -> STATE_DB p50 / p99 (ms)",
      (r) => `${fmt(r.latency.p50)} / ${fmt(r.latency.p99)}`,
    ],
    [
      "kernel alone p50 / p99 (ms)",
      (r) => `${fmt(r.latency.kernelP50)} / ${fmt(r.latency.kernelP99)}`,
    ],
    ["sustained rate without loss (changes/s)", (r) => String(r.sustainedRate)],
    ["unpaced storm rate (changes/s)", (r) => String(r.unpaced.achievedRate)],
    [
      "unpaced: kernel msgs / STATE_DB writes",
      (r) => `${r.unpaced.kernelMessages} / ${r.unpaced.stateWrites}`,
    ],
    ["unpaced: bench listener receive errors", (r) => String(r.unpaced.listenerErrors)],
    ["unpaced: kernel's last change after storm (ms)", (r) => fmt(r.unpaced.kernelSettleMs, 0)],
    ["unpaced: converge after last change (ms)", (r) => fmt(r.unpaced.convergeMs, 1)],
    ["unpaced: ports differing from kernel after 5 s", (r) => String(r.unpaced.lostFinalStates)],
    ["unpaced: overflow log lines", (r) => String(r.unpaced.overflowLines)],
    ["PortInitDone after last netdev (ms)", (r) => fmt(r.portInitDoneMs, 1)],
    ["storm CPU per STATE_DB write (us)", (r) => fmt(r.cpuUsPerStateWrite, 1)],
    ["storm CPU per link change (us)", (r) => fmt(r.cpuUsPerLinkChange, 1)],
    ["idle CPU (ms) / Redis commands", (r) => `${fmt(r.idleCpuMs, 1)} / ${r.idleRedisCommands}`],
    ["peak RSS VmHWM (MB)", (r) => fmt(r.peakRssMb, 1)],
  ];
  const header = ["measure", ...results.map((r) => `${r.ports} ports`)];
  const body = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...body].map((row) => row[column]!.length))
  );
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of body) console.log(line(row));
  for (const result of results) {
    const storms = result.paced.map((storm) =>
      `${storm.targetRate}->${storm.achievedRate}/s ${storm.passed ? "ok" : "FAIL"} ` +
      `(converge ${fmt(storm.convergeMs, 1)} ms, lost ${storm.lostFinalStates}, ` +
      `overflow ${storm.overflowLines}, writes ${storm.stateWrites}/${storm.changes})`
    );
    console.log(`paced storms, ${result.ports} ports: ${storms.join("; ")}`);
  }
}

/** Builds the bundle and returns the command the package's launcher would run. */
async function shippedCommand(): Promise<string[]> {
  console.error("Building dist/portsyncd.js with deno task bundle...");
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/scripts/build/bundle.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!build.success) {
    throw new Error(
      `Build the bundle failed; run deno task bundle to see why:\n${
        new TextDecoder().decode(build.stderr)
      }`,
    );
  }
  return [
    Deno.execPath(),
    "run",
    ...RUNTIME_FLAGS,
    "--allow-all",
    `${REPO_ROOT}/dist/portsyncd.js`,
  ];
}

async function main(): Promise<number> {
  const options = readOptions(Deno.args, USAGE, parseOptions);
  if (options === undefined) return 2;
  // The shipped daemon gets a config that keeps its snapshot and alert history in a folder of
  // the bench's own, instead of /var/lib/sonic/portsyncd.
  let stateDir: string | undefined;
  if (options.daemonCommand.length === 0) {
    stateDir = await Deno.makeTempDir({ prefix: "psd-bench-state-" });
    await Deno.writeTextFile(`${stateDir}/portsyncd.toml`, isolatedConfig(stateDir));
    options.daemonCommand = [...await shippedCommand(), "--config", `${stateDir}/portsyncd.toml`];
  }
  const onSignal = () => interrupted = true;
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const results: PortCountResult[] = [];
  try {
    for (const count of options.ports) {
      console.error(`Measuring ${count} ports...`);
      results.push(await measurePortCount(count, options));
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (stateDir !== undefined) await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
  printTable(results);
  console.log(JSON.stringify({
    daemonCommand: options.daemonCommand.join(" "),
    machine: machineFacts(),
    results,
  }));
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
