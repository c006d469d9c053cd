// deno-lint-ignore-file no-console -- a command-line report: its output is the product
/**
 * Wake-up benchmark of the netlink socket's two wait modes: the time from a link change to
 * the moment an idle listener process has the notification in hand, and the listener's CPU
 * time per notification.
 *
 * ```sh
 * deno run --allow-all bench/wake.ts [--changes 400] [--gap-ms 5] [--rounds 3]
 * ```
 *
 * Needs root. Makes a namespace with one veth port, then per round and wait mode starts a
 * listener process (`bench/_wake_listener.ts`) in it and flips the port's admin state from
 * this process, `--gap-ms` apart, so the listener is asleep before each change. Both
 * processes read `CLOCK_MONOTONIC`. The first 20 changes of each run warm up and are
 * dropped. Prints a table and one JSON line.
 *
 * @module
 */

import { monotonicMicroseconds } from "../ffi/monotonic_clock.ts";
import type { NetlinkSocket, WaitMode } from "../ffi/netlink_socket.ts";
import { encodeLinkMessage } from "../src/netlink/encode_link_message.ts";
import { createNamespace } from "../tests/support/netns.ts";
import { readOptions } from "./_command_line.ts";
import { openSocketsIn } from "./_netns_sockets.ts";
import { percentile } from "./_percentile.ts";

const USAGE = `Usage: deno run --allow-all bench/wake.ts [options]   (as root)
  --changes N    link changes per run (default 400)
  --gap-ms N     pause between changes in ms (default 5)
  --rounds N     runs per wait mode, interleaved (default 3)`;

const LISTENER = new URL("./_wake_listener.ts", import.meta.url).pathname;
const MODES: readonly WaitMode[] = ["poll-thread", "event-loop"];
/** Changes at the start of each run left out of the figures. */
const WARM_UP = 20;
const RTM_NEWLINK = 16;
const NLM_F_REQUEST = 0x1;
const IFF_UP = 0x1;

interface Options {
  changes: number;
  gapMs: number;
  rounds: number;
}

interface RunResult {
  mode: WaitMode;
  round: number;
  p50: number;
  p90: number;
  p99: number;
  matched: number;
  cpuUsPerChange: number;
}

function parseOptions(args: string[]): Options {
  const options: Options = { changes: 400, gapMs: 5, rounds: 3 };
  for (let index = 0; index < args.length; index++) {
    const name = args[index];
    const text = args[index + 1];
    const value = Number(text);
    const key = ({ "--changes": "changes", "--gap-ms": "gapMs", "--rounds": "rounds" } as const)[
      name as "--changes" | "--gap-ms" | "--rounds"
    ];
    if (key === undefined) throw new Error(`Option ${name} is unknown\n${USAGE}`);
    if (text === undefined) throw new Error(`Option ${name} is missing its value\n${USAGE}`);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`Option ${name} ${text} is invalid: use a positive integer`);
    }
    options[key] = value;
    index++;
  }
  if (options.changes <= WARM_UP) {
    throw new Error(
      `Option --changes ${options.changes} is invalid: use more than the ${WARM_UP} warm-up changes`,
    );
  }
  return options;
}

/** Reads JSON lines from a child's stdout. */
class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #pending = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  async next<T>(): Promise<T> {
    for (let chunks = 0; chunks < 100_000; chunks++) {
      const newline = this.#pending.indexOf("\n");
      if (newline !== -1) {
        const line = this.#pending.slice(0, newline);
        this.#pending = this.#pending.slice(newline + 1);
        return JSON.parse(line) as T;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("Listener exited before its report; see its stderr above");
      this.#pending += value;
    }
    throw new Error("Listener output has no newline; see its stderr above");
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Returns each change's latency: from its send to the first batch before the next send. */
function latencies(sent: number[], received: number[]): number[] {
  const result: number[] = [];
  let next = 0;
  for (let index = 0; index < sent.length; index++) {
    const start = sent[index]!;
    const end = sent[index + 1] ?? Infinity;
    while (next < received.length && received[next]! < start) next++;
    const at = received[next];
    if (at !== undefined && at < end && index >= WARM_UP) result.push(at - start);
  }
  return result;
}

async function runOnce(
  namespace: string,
  requester: NetlinkSocket,
  ifindex: number,
  mode: WaitMode,
  round: number,
  options: Options,
): Promise<RunResult> {
  const timeoutMs = options.changes * options.gapMs * 2 + 10_000;
  const child = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      namespace,
      Deno.execPath(),
      "run",
      "--allow-all",
      LISTENER,
      mode,
      String(options.changes),
      String(timeoutMs),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = new LineReader(child.stdout);
  try {
    const ready = await lines.next<{ waitMode: WaitMode }>();
    if (ready.waitMode !== mode) {
      throw new Error(`Listener waits on ${ready.waitMode} instead of ${mode}; see its log`);
    }
    const sent: number[] = [];
    for (let index = 0; index < options.changes; index++) {
      await new Promise((resolve) => setTimeout(resolve, options.gapMs));
      const message = encodeLinkMessage({
        type: RTM_NEWLINK,
        headerFlags: NLM_F_REQUEST,
        sequence: index + 1,
        portId: 0,
        family: 0,
        deviceType: 0,
        index: ifindex,
        flags: index % 2 === 0 ? IFF_UP : 0,
        change: IFF_UP,
      });
      sent.push(monotonicMicroseconds());
      // The kernel applies the change and sends the notification inside this call.
      requester.send(message);
    }
    const done = await lines.next<{ times: number[]; cpuMs: number }>();
    const matched = latencies(sent, done.times);
    return {
      mode,
      round,
      p50: percentile(matched, 0.5),
      p90: percentile(matched, 0.9),
      p99: percentile(matched, 0.99),
      matched: matched.length,
      cpuUsPerChange: (done.cpuMs * 1000) / options.changes,
    };
  } finally {
    await lines.cancel();
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.status;
  }
}

async function main(): Promise<number> {
  const options = readOptions(Deno.args, USAGE, parseOptions);
  if (options === undefined) return 2;
  const namespace = await createNamespace("psd-wake");
  try {
    const { ifindex } = await namespace.addPort("Ethernet0");
    const [requester] = openSocketsIn(namespace.name, [
      { groups: 0, receiveBufferBytes: 1 << 20 },
    ]) as [NetlinkSocket];
    const results: RunResult[] = [];
    try {
      for (let round = 1; round <= options.rounds; round++) {
        for (const mode of MODES) {
          results.push(await runOnce(namespace.name, requester, ifindex, mode, round, options));
        }
      }
    } finally {
      requester.close();
    }
    console.log(
      "| wait mode   | round | change to listener p50 / p90 / p99 (µs) | changes after warm-up | " +
        "listener CPU per change (µs) |",
    );
    console.log(
      "|-------------|-------|-----------------------------------------|-----------------------|" +
        "------------------------------|",
    );
    for (const r of results) {
      const times = [r.p50, r.p90, r.p99].map((value) => value.toFixed(0)).join(" / ");
      console.log(
        `| ${r.mode.padEnd(11)} | ${String(r.round).padEnd(5)} | ${times.padEnd(39)} | ` +
          `${String(r.matched).padEnd(21)} | ${r.cpuUsPerChange.toFixed(1).padEnd(28)} |`,
      );
    }
    console.log(JSON.stringify({
      options,
      loadAverage: Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" "),
      results,
    }));
    return 0;
  } finally {
    await namespace.delete();
  }
}

if (import.meta.main) Deno.exit(await main());
