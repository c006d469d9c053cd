/**
 * Runs the simulated-switch demo as a user would and checks its tables and its cleanup:
 * after a normal end, after Ctrl-C (SIGINT) and after SIGTERM, no namespace, redis-server,
 * portsyncd or temporary folder of the run may remain.
 */

import { assert, assertEquals, assertMatch } from "./assert.ts";
import { REPO_ROOT } from "./support/daemon.ts";

const NAMESPACE_PREFIX = "psd-demo-";
/** Bound of one demo run, script and cleanup included, in milliseconds. */
const RUN_TIMEOUT_MS = 60_000;

interface DemoChild {
  child: Deno.ChildProcess;
  lines: string[];
  stderr: Promise<string>;
  /** Resolves when stdout ended and the process exited; kills it after RUN_TIMEOUT_MS. */
  done: Promise<Deno.CommandStatus>;
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
}

function spawnDemo(args: string[], viaTask: boolean): DemoChild {
  const command = viaTask
    ? ["task", "--quiet", "demo", ...args]
    : ["run", "--allow-all", "demo/demo.ts", ...args];
  const child = new Deno.Command(Deno.execPath(), {
    args: command,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const readStdout = (async () => {
    let pending = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (pending + chunk).split("\n");
      pending = parts.pop() ?? "";
      lines.push(...parts);
    }
    if (pending !== "") lines.push(pending);
  })();
  const stderr = new Response(child.stderr).text();
  const timer = setTimeout(() => killIfRunning(child), RUN_TIMEOUT_MS);
  const done = Promise.all([child.status, readStdout, stderr]).then(([status]) => {
    clearTimeout(timer);
    return status;
  });
  let exited = false;
  done.then(() => exited = true);
  const waitForLine = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !exited) {
      const line = lines.find((candidate) => pattern.test(candidate));
      if (line !== undefined) return line;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(
      `Wait for demo output ${pattern} failed: ${exited ? "the demo exited" : "timed out"}; ` +
        `output:\n${lines.join("\n")}`,
    );
  };
  return { child, lines, stderr, done, waitForLine };
}

function killIfRunning(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // Already exited.
  }
}

async function listNamespaces(): Promise<string[]> {
  const output = await new Deno.Command("ip", { args: ["netns", "list"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(output.stdout).split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(NAMESPACE_PREFIX));
}

/** PIDs of processes whose command line contains `text`. */
async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (cmdline.replaceAll("\0", " ").includes(text)) found.push(Number(entry.name));
  }
  return found;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** What one run created, read from its output. */
interface Created {
  namespace?: string;
  redisPid?: number;
  redisDir?: string;
  daemonPid?: number;
}

function createdBy(lines: readonly string[]): Created {
  const text = lines.join("\n");
  const redis = /Started redis-server \(pid (\d+)\) on (\S+)\/redis\.sock/.exec(text);
  return {
    namespace: /Created network namespace (\S+)/.exec(text)?.[1],
    redisPid: redis ? Number(redis[1]) : undefined,
    redisDir: redis?.[2],
    daemonPid: Number(/Started portsyncd \(pid (\d+)\)/.exec(text)?.[1]) || undefined,
  };
}

/** Asserts that nothing of the run remains, then removes leftovers so later tests stay clean. */
async function assertCleanedUp(created: Created, namespacesBefore: string[]): Promise<void> {
  const leftovers: string[] = [];
  const namespaces = await listNamespaces();
  if (created.namespace && namespaces.includes(created.namespace)) {
    leftovers.push(`namespace ${created.namespace}`);
    await new Deno.Command("ip", { args: ["netns", "del", created.namespace] }).output();
  }
  // Any other new namespace with the prefix comes from a run whose output was lost.
  for (const name of namespaces) {
    if (!namespacesBefore.includes(name) && name !== created.namespace) {
      leftovers.push(`namespace ${name}`);
    }
  }
  if (created.redisDir) {
    for (const pid of await processesMentioning(created.redisDir)) {
      leftovers.push(`process ${pid} using ${created.redisDir}`);
      Deno.kill(pid, "SIGKILL");
    }
    if (await exists(created.redisDir)) {
      leftovers.push(`folder ${created.redisDir}`);
      await Deno.remove(created.redisDir, { recursive: true });
    }
  }
  for (const pid of [created.daemonPid, created.redisPid]) {
    if (pid === undefined) continue;
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmdline.includes("demo") || cmdline.includes("main.ts") || cmdline.includes("redis")) {
      leftovers.push(`process ${pid}: ${cmdline.replaceAll("\0", " ")}`);
    }
  }
  assertEquals(leftovers, [], "the demo left resources behind");
}

interface Row {
  port: string;
  state: string;
  admin: string;
  oper: string;
  mtu: string;
}

/** Parses every printed STATE_DB table, in print order. */
function parseTables(lines: readonly string[]): Row[][] {
  const tables: Row[][] = [];
  let current: Row[] | undefined;
  for (const line of lines) {
    if (/STATE_DB PORT_TABLE: \d+ ports/.test(line)) {
      current = [];
      tables.push(current);
      continue;
    }
    const row = /^[* ] (\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$/.exec(line);
    if (current && row && row[1] !== "port") {
      const [, port = "", state = "", admin = "", oper = "", mtu = ""] = row;
      current.push({ port, state, admin, oper, mtu });
    } else if (current && !/^[* ] {1,2}port\s/.test(line)) {
      current = undefined;
    }
  }
  return tables;
}

function upRow(port: string): Row {
  return { port, state: "ok", admin: "up", oper: "up", mtu: "9100" };
}

Deno.test("demo script then cleanup", async () => {
  const before = await listNamespaces();
  const demo = spawnDemo(["--duration", "0", "--ports", "4"], true);
  let status: Deno.CommandStatus | undefined;
  try {
    status = await demo.done;
  } finally {
    await assertCleanedUp(createdBy(demo.lines), before);
  }
  const output = demo.lines.join("\n");
  assertEquals(status.code, 0, `exit code; stderr: ${await demo.stderr}; output:\n${output}`);
  const tables = parseTables(demo.lines);
  const ports = ["Ethernet0", "Ethernet4", "Ethernet8", "Ethernet12"];
  assertEquals(tables.at(-1), ports.map(upRow));
  const seen = (wanted: Row[]) =>
    tables.some((table) => JSON.stringify(table) === JSON.stringify(wanted));
  const allUp = ports.map(upRow);
  assert(seen(allUp.map((row, i) => i === 1 ? { ...row, oper: "down" } : row)), "cable pull");
  assert(seen(allUp.map((row, i) => i === 2 ? { ...row, admin: "down", oper: "down" } : row)));
  assert(seen(allUp.map((row, i) => i === 3 ? { ...row, mtu: "1500" } : row)), "mtu change");
  assert(seen(allUp.slice(1)), "Ethernet0 deleted");
  assertMatch(output, /Step 8\/8: Create Ethernet0 again/);
  assertMatch(output, /portsyncd \| .*PortInitDone/);
  assertMatch(output, /Script done/);
  assertMatch(output, /Cleanup: delete namespace psd-demo-[0-9a-f]{8}: done/);
});

Deno.test("demo SIGINT mid-script cleans up", async () => {
  const before = await listNamespaces();
  const demo = spawnDemo(["--ports", "2"], false);
  let status: Deno.CommandStatus | undefined;
  try {
    await demo.waitForLine(/Step 1\/8/, 30_000);
    demo.child.kill("SIGINT");
    status = await demo.done;
  } finally {
    killIfRunning(demo.child);
    await demo.done;
    await assertCleanedUp(createdBy(demo.lines), before);
  }
  const output = demo.lines.join("\n");
  assertEquals(status.code, 130, `exit code; output:\n${output}`);
  assertMatch(output, /SIGINT received/);
  assertMatch(output, /Cleanup: stop portsyncd \(pid \d+\): done/);
  assert(!output.includes("Script done"), "the script went on after SIGINT");
});

Deno.test("demo SIGTERM at start-up cleans up", async () => {
  const before = await listNamespaces();
  const demo = spawnDemo([], false);
  let status: Deno.CommandStatus | undefined;
  try {
    await demo.waitForLine(/Started portsyncd/, 30_000);
    demo.child.kill("SIGTERM");
    status = await demo.done;
  } finally {
    killIfRunning(demo.child);
    await demo.done;
    await assertCleanedUp(createdBy(demo.lines), before);
  }
  const output = demo.lines.join("\n");
  assertEquals(status.code, 143, `exit code; output:\n${output}`);
  assertMatch(output, /Cleanup: stop redis-server \(pid \d+\) and remove \S+: done/);
});

Deno.test("demo rejects too many ports", async () => {
  const before = await listNamespaces();
  const demo = spawnDemo(["--ports", "65"], false);
  const status = await demo.done;
  assertEquals(status.code, 2);
  assertMatch(await demo.stderr, /Invalid value for --ports: "65"/);
  assertEquals(demo.lines.filter((line) => line.includes("Created network namespace")), []);
  assertEquals((await listNamespaces()).filter((name) => !before.includes(name)), []);
});
