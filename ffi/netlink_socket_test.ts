/**
 * Privileged tests for `NetlinkSocket`: each test creates a network namespace with a random
 * suffix and runs the socket in a child Deno process inside it (`ip netns exec`), so the
 * host's interfaces are never touched. Needs root.
 */

import assert from "node:assert/strict";
import { NetlinkSocket } from "./netlink_socket.ts";

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
}

interface Result {
  event: "result";
  batches: Batch[];
  closeMs?: number;
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

  constructor(ns: string, scenario: string, groups: number, bufferBytes: number, borrow: boolean) {
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
        ...(borrow ? ["borrow"] : []),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
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
  borrow = false,
): Promise<void> {
  await withNamespace(async (ns) => {
    const probe = new Probe(ns, scenario, groups, bufferBytes, borrow);
    try {
      await body(ns, probe);
    } finally {
      await probe.finish();
    }
  });
}

Deno.test("open reports port and buffer", async () => {
  await withProbe("close", 0, 65536, async (_ns, probe) => {
    const ready = await probe.line<Ready>("ready");
    assert.notEqual(ready.portId, 0);
    // Running as root, SO_RCVBUFFORCE applies and the kernel doubles the request.
    assert.ok(ready.receiveBufferBytes >= 65536, `got ${ready.receiveBufferBytes} bytes`);
  });
});

/** Dumps links in a fresh namespace: only `lo`, then NLMSG_DONE. */
async function checkDump(borrow: boolean): Promise<void> {
  await withProbe("dump", 0, 1 << 20, async (_ns, probe) => {
    await probe.line<Ready>("ready");
    await probe.go();
    const result = await probe.line<Result>("dump result");
    const messages = batchMessages(result.batches);
    assert.ok(messages.some((m) => m.type === NLMSG_DONE), "no NLMSG_DONE received");
    const names = messages.filter((m) => m.type === RTM_NEWLINK).map((m) => m.name);
    assert.deepEqual(names, ["lo"]);
  }, borrow);
}

Deno.test("dump lists loopback link", () => checkDump(false));

Deno.test("borrowed dump lists loopback link", () => checkDump(true));

Deno.test("subscribe sees new veth", async () => {
  await withProbe("listen", 1, 1 << 20, async (ns, probe) => {
    await probe.line<Ready>("ready");
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    await probe.go();
    const result = await probe.line<Result>("link event");
    assert.equal(result.batches[0]?.kind, "data");
    const names = batchMessages(result.batches)
      .filter((m) => m.type === RTM_NEWLINK)
      .map((m) => m.name);
    assert.ok(names.includes("Ethernet0"), `link names: ${names.join(", ")}`);
  });
});

/** Overflows a 2 KiB receive buffer: ENOBUFS first, then the datagrams still queued. */
async function checkOverflow(borrow: boolean): Promise<void> {
  await withProbe("overflow", 1, 2048, async (ns, probe) => {
    await probe.line<Ready>("ready");
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    const flaps = Array.from(
      { length: 100 },
      () => "link set Ethernet0 up\nlink set Ethernet0 down",
    )
      .join("\n");
    const batchFile = await Deno.makeTempFile({ prefix: "ffi-flap-" });
    try {
      await Deno.writeTextFile(batchFile, flaps + "\n");
      await run("ip", ["-n", ns, "-batch", batchFile]);
    } finally {
      await Deno.remove(batchFile);
    }
    await probe.go();
    const result = await probe.line<Result>("overflow result");
    const [first, second] = result.batches;
    assert.equal(first?.kind, "error");
    assert.equal(first?.kind === "error" ? first.errnoName : undefined, "ENOBUFS");
    assert.equal(first?.kind === "error" ? first.errno : undefined, 105);
    assert.equal(second?.kind, "data");
    const queued = second?.kind === "data" ? second.datagrams.length : 0;
    assert.ok(queued > 0, "no queued datagrams after ENOBUFS");
  }, borrow);
}

Deno.test("overflow reports ENOBUFS then recovers", () => checkOverflow(false));

Deno.test("borrowed overflow reports ENOBUFS", () => checkOverflow(true));

Deno.test("close wakes pending receive", async () => {
  await withProbe("close", 1, 65536, async (_ns, probe) => {
    await probe.line<Ready>("ready");
    await probe.go();
    const result = await probe.line<Result>("close result");
    assert.deepEqual(result.batches, [{ kind: "closed" }]);
    assert.ok((result.closeMs ?? Infinity) < 1000, `close took ${result.closeMs} ms`);
  });
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

Deno.test("borrowed batches keep order", async () => {
  await withProbe("drain", 1, 8 << 20, async (ns, probe) => {
    await probe.line<Ready>("ready");
    await run("ip", ["-n", ns, "link", "add", "Ethernet0", "type", "veth", "peer", "veth-p"]);
    // 150 renames queue 150 or more link messages, each carrying the name it was given.
    const lines = Array.from(
      { length: 150 },
      (_, index) =>
        `link set dev ${index === 0 ? "Ethernet0" : `Port${index - 1}`} name Port${index}`,
    );
    const file = await Deno.makeTempFile({ prefix: "ffi-rename-" });
    try {
      await Deno.writeTextFile(file, lines.join("\n") + "\n");
      await run("ip", ["-n", ns, "-batch", file]);
    } finally {
      await Deno.remove(file);
    }
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
  }, true);
});
