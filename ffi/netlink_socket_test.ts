/**
 * Privileged tests for `NetlinkSocket`: each test creates a network namespace with a random
 * suffix and runs the socket in a child Deno process inside it (`ip netns exec`), so the
 * host's interfaces are never touched. Needs root.
 */

import assert from "node:assert/strict";
import { NetlinkSocket, type WaitMode } from "./netlink_socket.ts";

const PROBE = new URL("./testdata/netlink_socket_probe.ts", import.meta.url).pathname;
/** Bound on each wait for the child, in milliseconds. */
const CHILD_WAIT_MS = 15_000;
/** `RTM_NEWLINK`, `NLMSG_DONE`, `IFLA_IFNAME` from the kernel's uapi headers. */
const RTM_NEWLINK = 16;
const NLMSG_DONE = 3;
const IFLA_IFNAME = 3;
/** `struct nlmsghdr` and `struct ifinfomsg` sizes in bytes. */
const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;

type Batch =
  | { kind: "data"; datagrams: string[]; foreignSenders: number; truncated: number }
  | { kind: "error"; errno: number; errnoName: string; datagrams: string[] }
  | { kind: "closed" }
  | { kind: "timeout" };

interface Ready {
  event: "ready";
  portId: number;
  receiveBufferBytes: number;
  waitMode: WaitMode;
}

interface Result {
  event: "result";
  batches: Batch[];
  closeMs?: number;
  sendResult?: number;
  sendErrno?: number;
}

/** Options of a probe: borrowed batches or copies, and its socket's wait mode. */
interface ProbeOptions {
  borrow?: boolean;
  wait?: WaitMode;
}

interface Message {
  type: number;
  /** Interface name from `IFLA_IFNAME`, for `RTM_NEWLINK` only. */
  name?: string;
}

/** Splits a datagram into netlink messages and reads `IFLA_IFNAME` from link messages. */
function parseMessages(base64: string): Message[] {
  const bytes = Uint8Array.fromBase64(base64);
  const view = new DataView(bytes.buffer);
  const messages: Message[] = [];
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= bytes.byteLength) {
    const length = view.getUint32(offset, true);
    const type = view.getUint16(offset + 4, true);
    assert.ok(length >= NLMSG_HDRLEN, `nlmsg_len ${length} is below the header size`);
    assert.ok(offset + length <= bytes.byteLength, `nlmsg_len ${length} runs past the datagram`);
    const message: Message = { type };
    if (type === RTM_NEWLINK) {
      let attr = offset + NLMSG_HDRLEN + IFINFOMSG_LEN;
      while (attr + 4 <= offset + length) {
        const attrLength = view.getUint16(attr, true);
        if (attrLength < 4) break;
        if (view.getUint16(attr + 2, true) === IFLA_IFNAME) {
          const raw = bytes.subarray(attr + 4, attr + attrLength);
          message.name = new TextDecoder().decode(raw).replace(/\0+$/, "");
        }
        attr += (attrLength + 3) & ~3;
      }
    }
    messages.push(message);
    offset += (length + 3) & ~3;
  }
  return messages;
}

function batchMessages(batches: Batch[]): Message[] {
  return batches.flatMap((b) => ("datagrams" in b ? b.datagrams.flatMap(parseMessages) : []));
}

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `Failed to run ${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${CHILD_WAIT_MS} ms waiting for ${what}`)),
      CHILD_WAIT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A probe child running in namespace `ns`, read line by line. */
class Probe {
  readonly #child: Deno.ChildProcess;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #pending = "";

  readonly wait: WaitMode;

  constructor(
    ns: string,
    scenario: string,
    groups: number,
    bufferBytes: number,
    options: ProbeOptions,
  ) {
    this.wait = options.wait ?? "event-loop";
    this.#child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        ns,
        Deno.execPath(),
        "run",
        "--allow-all",
        PROBE,
        scenario,
        String(groups),
        String(bufferBytes),
        ...(options.borrow ? ["borrow"] : []),
        ...(this.wait === "poll-thread" ? ["poll-thread"] : []),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** Reads the ready line and checks that the socket waits the way it was asked to. */
  async ready(): Promise<Ready> {
    const ready = await this.line<Ready>("ready");
    assert.equal(ready.waitMode, this.wait, "the probe's socket waits another way");
    return ready;
  }

  async line<T>(what: string): Promise<T> {
    for (let chunks = 0; chunks < 10_000; chunks++) {
      const newline = this.#pending.indexOf("\n");
      if (newline !== -1) {
        const line = this.#pending.slice(0, newline);
        this.#pending = this.#pending.slice(newline + 1);
        return JSON.parse(line) as T;
      }
      const { value, done } = await withTimeout(this.#reader.read(), what);
      if (done) throw new Error(`Probe exited before ${what}`);
      this.#pending += value;
    }
    throw new Error(`Probe sent no newline before ${what}`);
  }

  async go(): Promise<void> {
    const writer = this.#child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("go\n"));
    await writer.close();
  }

  async finish(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.#reader.cancel().catch(() => {});
    await this.#child.stdin.close().catch(() => {});
    await this.#child.status;
  }
}

/** Runs `body` with a fresh namespace name, deleting the namespace afterwards. */
async function withNamespace(body: (ns: string) => Promise<void>): Promise<void> {
  const ns = `ffi-test-${crypto.randomUUID().slice(0, 8)}`;
  await run("ip", ["netns", "add", ns]);
  try {
    await body(ns);
  } finally {
    await run("ip", ["netns", "delete", ns]);
  }
}

async function withProbe(
  scenario: string,
  groups: number,
  bufferBytes: number,
  body: (ns: string, probe: Probe) => Promise<void>,
  options: ProbeOptions = {},
): Promise<void> {
  await withNamespace(async (ns) => {
    const probe = new Probe(ns, scenario, groups, bufferBytes, options);
    try {
      await body(ns, probe);
    } finally {
      await probe.finish();
    }
  });
}

/** Registers `name` once per wait mode. The poll-thread variant gets a suffix. */
function testEachWait(name: string, body: (wait: WaitMode) => Promise<void>): void {
  Deno.test(name, () => body("event-loop"));
  Deno.test(`${name}, waiting on a poll thread`, () => body("poll-thread"));
}

testEachWait("open reports port and buffer", async (wait) => {
  await withProbe("close", 0, 65536, async (_ns, probe) => {
    const ready = await probe.ready();
    assert.notEqual(ready.portId, 0);
    // Running as root, SO_RCVBUFFORCE applies and the kernel doubles the request.
    assert.ok(ready.receiveBufferBytes >= 65536, `got ${ready.receiveBufferBytes} bytes`);
  }, { wait });
});

/** Dumps links in a fresh namespace: only `lo`, then NLMSG_DONE. */
async function checkDump(options: ProbeOptions): Promise<void> {
  await withProbe("dump", 0, 1 << 20, async (_ns, probe) => {
    await probe.ready();
    await probe.go();
    const result = await probe.line<Result>("dump result");
    const messages = batchMessages(result.batches);
    assert.ok(messages.some((m) => m.type === NLMSG_DONE), "no NLMSG_DONE received");
    const names = messages.filter((m) => m.type === RTM_NEWLINK).map((m) => m.name);
    assert.deepEqual(names, ["lo"]);
  }, options);
}

testEachWait("dump lists loopback link", (wait) => checkDump({ wait }));

testEachWait("borrowed dump lists loopback link", (wait) => checkDump({ borrow: true, wait }));

testEachWait("subscribe sees new veth", async (wait) => {
  await withProbe("listen", 1, 1 << 20, async (ns, probe) => {
    await probe.ready();
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    await probe.go();
    const result = await probe.line<Result>("link event");
    assert.equal(result.batches[0]?.kind, "data");
    const names = batchMessages(result.batches)
      .filter((m) => m.type === RTM_NEWLINK)
      .map((m) => m.name);
    assert.ok(names.includes("Ethernet0"), `link names: ${names.join(", ")}`);
  }, { wait });
});

testEachWait("waiting receive wakes for new veth", async (wait) => {
  await withProbe("drain", 1, 1 << 20, async (ns, probe) => {
    await probe.ready();
    await probe.go();
    // The probe is waiting now, with nothing queued. It reads until 500 ms pass quietly.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await run("ip", ["-n", ns, "link", "add", "Ethernet4", "type", "veth", "peer", "veth-p"]);
    const result = await probe.line<Result>("drain result");
    assert.equal(result.batches[0]?.kind, "data");
    const names = batchMessages(result.batches)
      .filter((m) => m.type === RTM_NEWLINK)
      .map((m) => m.name);
    assert.ok(names.includes("Ethernet4"), `link names: ${names.join(", ")}`);
  }, { wait });
});

/** Writes `lines` to a temporary file and runs them with `ip -n ns -batch`. */
async function runIpBatch(ns: string, lines: string[]): Promise<void> {
  const file = await Deno.makeTempFile({ prefix: "ffi-batch-" });
  try {
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    await run("ip", ["-n", ns, "-batch", file]);
  } finally {
    await Deno.remove(file);
  }
}

/** Returns 100 admin flips of `name`, two link messages each. */
function flaps(name: string): string[] {
  return Array.from({ length: 100 }, () => [`link set ${name} up`, `link set ${name} down`])
    .flat();
}

/** Overflows a 2 KiB receive buffer: ENOBUFS first, then the datagrams still queued. */
async function checkOverflow(options: ProbeOptions): Promise<void> {
  await withProbe("overflow", 1, 2048, async (ns, probe) => {
    await probe.ready();
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    await runIpBatch(ns, flaps("Ethernet0"));
    await probe.go();
    const result = await probe.line<Result>("overflow result");
    const [first, second] = result.batches;
    assert.equal(first?.kind, "error");
    assert.equal(first?.kind === "error" ? first.errnoName : undefined, "ENOBUFS");
    assert.equal(first?.kind === "error" ? first.errno : undefined, 105);
    assert.equal(second?.kind, "data");
    const queued = second?.kind === "data" ? second.datagrams.length : 0;
    assert.ok(queued > 0, "no queued datagrams after ENOBUFS");
  }, options);
}

testEachWait("overflow reports ENOBUFS then recovers", (wait) => checkOverflow({ wait }));

testEachWait("borrowed overflow reports ENOBUFS", (wait) => checkOverflow({ borrow: true, wait }));

testEachWait("overflow while waiting keeps reading", async (wait) => {
  await withProbe("busy-overflow", 1, 2048, async (ns, probe) => {
    await probe.ready();
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    await probe.go();
    const { marker } = await probe.line<{ event: "armed"; marker: string }>("armed");
    // The probe's event loop stays busy until the marker exists: these flips overflow the
    // 2 KiB buffer while its receive waits, so the wait itself ends in the error.
    await runIpBatch(ns, flaps("Ethernet0"));
    await Deno.writeTextFile(marker, "");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // One rename, one message: it fits the small buffer, where a new veth pair would not.
    await run("ip", ["-n", ns, "link", "set", "dev", "veth-p", "name", "Ethernet8"]);
    const result = await probe.line<Result>("busy-overflow result");
    const first = result.batches[0];
    assert.equal(first?.kind === "error" ? first.errnoName : first?.kind, "ENOBUFS");
    const later = batchMessages(result.batches.slice(1))
      .filter((m) => m.type === RTM_NEWLINK)
      .map((m) => m.name);
    assert.ok(later.includes("Ethernet8"), `link names after the error: ${later.join(", ")}`);
  }, { wait });
});

testEachWait("socket rejects foreign senders", async (wait) => {
  await withProbe("foreign", 1, 65536, async (_ns, probe) => {
    await probe.ready();
    await probe.go();
    const result = await probe.line<Result>("foreign result");
    assert.equal(result.sendResult, -1, "the kernel delivered the other socket's datagram");
    assert.equal(result.sendErrno, 111, "sendto should fail with ECONNREFUSED");
    assert.deepEqual(result.batches, [{ kind: "timeout" }]);
  }, { wait });
});

testEachWait("close wakes pending receive", async (wait) => {
  await withProbe("close", 1, 65536, async (_ns, probe) => {
    await probe.ready();
    await probe.go();
    const result = await probe.line<Result>("close result");
    assert.deepEqual(result.batches, [{ kind: "closed" }]);
    assert.ok((result.closeMs ?? Infinity) < 1000, `close took ${result.closeMs} ms`);
  }, { wait });
});

Deno.test("open rejects invalid groups", () => {
  assert.throws(() => NetlinkSocket.open({ groups: -1, receiveBufferBytes: 4096 }), {
    name: "RangeError",
    message: "Failed to open netlink socket: groups -1 is invalid, use a 32-bit unsigned bit mask",
  });
  assert.throws(() => NetlinkSocket.open({ groups: 0, receiveBufferBytes: 0 }), {
    name: "RangeError",
    message:
      "Failed to set netlink receive buffer: 0 bytes is invalid, use a positive 31-bit integer",
  });
});

testEachWait("borrowed batches keep order", async (wait) => {
  await withProbe("drain", 1, 8 << 20, async (ns, probe) => {
    await probe.ready();
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    // 150 renames queue 150 or more link messages, each carrying the name it was given.
    await runIpBatch(
      ns,
      Array.from(
        { length: 150 },
        (_, index) =>
          `link set dev ${index === 0 ? "Ethernet0" : `Port${index - 1}`} name Port${index}`,
      ),
    );
    await probe.go();
    const result = await probe.line<Result>("drain result");
    assert.ok(result.batches.length >= 3, `${result.batches.length} batches for 150+ messages`);
    for (const batch of result.batches) {
      assert.equal(batch.kind, "data");
      assert.ok(
        batch.kind === "data" && batch.datagrams.length <= 64,
        "a borrowed batch holds at most 64 datagrams",
      );
    }
    const renamed = batchMessages(result.batches)
      .filter((m) => m.type === RTM_NEWLINK && m.name?.startsWith("Port"))
      .map((m) => Number(m.name!.slice(4)));
    const expected = Array.from({ length: 150 }, (_, index) => index);
    assert.deepEqual([...new Set(renamed)], expected);
  }, { borrow: true, wait });
});
