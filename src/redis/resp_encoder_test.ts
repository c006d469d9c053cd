import { assertEquals } from "../../tests/assert.ts";
import { type CommandArgument, CommandEncoder, encodeCommand } from "./resp_encoder.ts";
import { NEED_MORE, RespParser } from "./resp_parser.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

Deno.test("encoder writes exact command bytes", () => {
  assertEquals(text(encodeCommand(["PING"])), "*1\r\n$4\r\nPING\r\n");
  assertEquals(
    text(encodeCommand(["HSET", "PORT_TABLE:Ethernet0", "mtu", "9100"])),
    "*4\r\n$4\r\nHSET\r\n$20\r\nPORT_TABLE:Ethernet0\r\n$3\r\nmtu\r\n$4\r\n9100\r\n",
  );
  assertEquals(text(encodeCommand(["SET", "k", ""])), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  assertEquals(text(encodeCommand([])), "*0\r\n");
});

Deno.test("encoder counts UTF-8 bytes", () => {
  // "端口é" is 3 UTF-16 units and 3 + 3 + 2 = 8 bytes.
  const bytes = encodeCommand(["SET", "alias", "端口é"]);
  assertEquals(
    bytes,
    encoder.encode("*3\r\n$3\r\nSET\r\n$5\r\nalias\r\n$8\r\n端口é\r\n"),
  );
  // An emoji is 2 UTF-16 units and 4 bytes.
  assertEquals(text(encodeCommand(["🙂"])), "*1\r\n$4\r\n🙂\r\n");
});

Deno.test("encoder writes numbers as decimals", () => {
  assertEquals(
    text(encodeCommand(["SELECT", 6, -1, 0, 1.5, 1234567890123])),
    "*6\r\n$6\r\nSELECT\r\n$1\r\n6\r\n$2\r\n-1\r\n$1\r\n0\r\n$3\r\n1.5\r\n" +
      "$13\r\n1234567890123\r\n",
  );
});

Deno.test("encoder grows past initial size", () => {
  const small = new CommandEncoder(8);
  small.append(["SET", "key", "v".repeat(10_000)]);
  small.append(["SET", "wide", "é".repeat(3_000)]);
  small.append(["PING"]);
  const expected = `*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10000\r\n${"v".repeat(10_000)}\r\n` +
    `*3\r\n$3\r\nSET\r\n$4\r\nwide\r\n$6000\r\n${"é".repeat(3_000)}\r\n` +
    "*1\r\n$4\r\nPING\r\n";
  assertEquals(small.length, encoder.encode(expected).length);
  assertEquals(text(small.take()), expected);
});

Deno.test("encoder take empties it", () => {
  const batch = new CommandEncoder(16);
  batch.append(["GET", "a"]);
  batch.append(["GET", "b"]);
  const first = batch.take();
  assertEquals(batch.length, 0);
  assertEquals(batch.take().length, 0);
  batch.append(["DEL", "c"]);
  const second = batch.take();
  assertEquals(text(second), "*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n");
  // The first take is a copy: reusing the buffer leaves it alone.
  assertEquals(text(first), "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n");
});

Deno.test("encoder output parses back", () => {
  // A command is a RESP array of bulk strings, which the reply parser reads too.
  const commands: CommandArgument[][] = [
    ["HSET", "PORT_TABLE:Ethernet0", "alias", "etp1", "speed", 100000],
    ["PUBLISH", "канал", "données ✓"],
    ["ECHO", "line\r\nbreak"],
  ];
  const batch = new CommandEncoder(4);
  for (const command of commands) batch.append(command);
  const parser = new RespParser();
  parser.push(batch.take());
  const parsed = [];
  for (let value = parser.next(); value !== NEED_MORE; value = parser.next()) parsed.push(value);
  assertEquals(parsed, commands.map((command) => command.map(String)));
});

Deno.test("encoder grows from zero size", () => {
  const empty = new CommandEncoder(0);
  empty.append(["PING"]);
  assertEquals(text(empty.take()), "*1\r\n$4\r\nPING\r\n");
});
