/**
 * Tests for `EventLoopReader` on a Unix datagram socket pair, which keeps datagram boundaries
 * the way a netlink socket does and needs no privileges.
 */

import assert from "node:assert/strict";
import { EventLoopReader, HANDLE_READ_BYTES } from "./event_loop_reader.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const F_GETFD = 1;

const test = Deno.dlopen("libc.so.6", {
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
});

/** Runs `body` with a connected datagram pair: `[readSide, writeSide]`. */
async function withPair(body: (fds: [number, number]) => Promise<void>): Promise<void> {
  const fds = new Int32Array(2);
  assert.equal(test.symbols.socketpair(AF_UNIX, SOCK_DGRAM, 0, new Uint8Array(fds.buffer)), 0);
  const pair: [number, number] = [fds[0]!, fds[1]!];
  try {
    await body(pair);
  } finally {
    test.symbols.close(pair[0]);
    test.symbols.close(pair[1]);
  }
}

function send(fd: number, bytes: Uint8Array): void {
  assert.equal(Number(test.symbols.write(fd, bytes, BigInt(bytes.byteLength))), bytes.byteLength);
}

function openReader(fd: number): EventLoopReader {
  const reader = EventLoopReader.open(fd);
  if (typeof reader === "string") throw new Error(`Failed to open event-loop reader: ${reader}`);
  return reader;
}

Deno.test("reader hands over datagrams in order", async () => {
  await withPair(async ([readSide, writeSide]) => {
    const reader = openReader(readSide);
    try {
      send(writeSide, new TextEncoder().encode("first"));
      send(writeSide, new TextEncoder().encode("second"));
      const texts: string[] = [];
      for (let i = 0; i < 2; i++) {
        const result = await reader.read();
        assert.equal(result.kind, "data");
        if (result.kind === "data") {
          assert.equal(result.maybeTruncated, false);
          texts.push(new TextDecoder().decode(result.bytes));
        }
      }
      assert.deepEqual(texts, ["first", "second"]);
    } finally {
      reader.close();
    }
  });
});

Deno.test("reader waits for later datagram", async () => {
  await withPair(async ([readSide, writeSide]) => {
    const reader = openReader(readSide);
    try {
      const pending = reader.read();
      const timer = setTimeout(() => send(writeSide, new Uint8Array([7, 8, 9])), 50);
      const result = await pending;
      clearTimeout(timer);
      assert.deepEqual(result.kind === "data" ? [...result.bytes] : result, [7, 8, 9]);
    } finally {
      reader.close();
    }
  });
});

Deno.test("reader marks full-buffer datagram", async () => {
  await withPair(async ([readSide, writeSide]) => {
    const reader = openReader(readSide);
    try {
      send(writeSide, new Uint8Array(HANDLE_READ_BYTES + 100));
      const result = await reader.read();
      assert.equal(result.kind, "data");
      assert.equal(result.kind === "data" && result.maybeTruncated, true);
    } finally {
      reader.close();
    }
  });
});

Deno.test("reader close ends waiting read", async () => {
  await withPair(async ([readSide]) => {
    const reader = openReader(readSide);
    const pending = reader.read();
    assert.throws(() => reader.read(), {
      message: "Failed to start read: another read is still waiting, await it first",
    });
    reader.close();
    assert.deepEqual(await pending, { kind: "closed" });
    assert.deepEqual(await reader.read(), { kind: "closed" });
    assert.notEqual(test.symbols.fcntl(readSide, F_GETFD, 0), -1, "the caller's descriptor closed");
  });
});
