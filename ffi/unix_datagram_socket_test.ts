import { assert, assertEquals, assertInstanceOf, assertThrows } from "../tests/assert.ts";
import { SyscallError } from "./errno.ts";
import { encodeUnixAddress, UnixDatagramSocket } from "./unix_datagram_socket.ts";

Deno.test("unix address encodes path and abstract", () => {
  const path = encodeUnixAddress("/run/x");
  assertEquals(path.length, 2 + 6 + 1);
  assertEquals(new TextDecoder().decode(path.bytes.subarray(2, 8)), "/run/x");
  assertEquals(path.bytes[8], 0);
  const abstract = encodeUnixAddress("@notify");
  assertEquals(abstract.length, 2 + 1 + 6);
  assertEquals(abstract.bytes[2], 0);
  assertEquals(new TextDecoder().decode(abstract.bytes.subarray(3, 9)), "notify");
  assertThrows(() => encodeUnixAddress("@"), RangeError);
  assertThrows(() => encodeUnixAddress("/" + "a".repeat(107)), RangeError);
});

Deno.test("unix datagram path round trip", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/sock`;
  const receiver = UnixDatagramSocket.bind(path);
  const sender = UnixDatagramSocket.open();
  try {
    assertEquals(receiver.receive(), undefined);
    sender.send(new TextEncoder().encode("one"), path);
    sender.send(new TextEncoder().encode("two"), path);
    assertEquals(new TextDecoder().decode(receiver.receive()), "one");
    assertEquals(new TextDecoder().decode(receiver.receive()), "two");
    assertEquals(receiver.receive(), undefined);
  } finally {
    sender.close();
    receiver.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("unix datagram abstract round trip", () => {
  const name = `@portsyncd-test-${crypto.randomUUID()}`;
  const receiver = UnixDatagramSocket.bind(name);
  const sender = UnixDatagramSocket.open();
  try {
    sender.send(new TextEncoder().encode("READY=1"), name);
    assertEquals(new TextDecoder().decode(receiver.receive()), "READY=1");
  } finally {
    sender.close();
    receiver.close();
  }
});

Deno.test("unix datagram send to missing path", () => {
  const sender = UnixDatagramSocket.open();
  try {
    const error = assertThrows(
      () => sender.send(new Uint8Array([1]), `/nonexistent-${crypto.randomUUID()}`),
      SyscallError,
    );
    assertInstanceOf(error, SyscallError);
    assertEquals(error.errnoName, "ENOENT");
  } finally {
    sender.close();
  }
  assert(sender.closed);
  assertThrows(() => sender.send(new Uint8Array([1]), "/x"), Error);
});
