import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { RedisReplyError } from "./redis_errors.ts";
import { NEED_MORE, RespParser, RespProtocolError, type RespValue } from "./resp_parser.ts";

const encoder = new TextEncoder();

/** 40 CJK characters: 120 bytes, past the parser's 64-byte hand-decoding path. */
const LONG_UTF8 = "端口".repeat(20);

/** One reply of each RESP2 type and shape, as wire text and as the value it must parse to. */
const FIXTURES: Array<[string, RespValue]> = [
  ["+OK\r\n", "OK"],
  ["+\r\n", ""],
  ["-ERR unknown command 'FOO'\r\n", new RedisReplyError("ERR unknown command 'FOO'")],
  [
    "-WRONGTYPE Operation against a key\r\n",
    new RedisReplyError("WRONGTYPE Operation against a key"),
  ],
  [":0\r\n", 0],
  [":-42\r\n", -42],
  [":9007199254740991\r\n", Number.MAX_SAFE_INTEGER],
  ["$5\r\nhello\r\n", "hello"],
  ["$0\r\n\r\n", ""],
  // A bulk string is counted, not read up to a line end: CRLF inside stays.
  ["$4\r\na\r\nb\r\n", "a\r\nb"],
  ["$-1\r\n", null],
  ["*-1\r\n", null],
  ["*0\r\n", []],
  // "portés" is 6 characters and 7 bytes.
  ["$7\r\nportés\r\n", "portés"],
  [`$120\r\n${LONG_UTF8}\r\n`, LONG_UTF8],
  ["*3\r\n$3\r\nfoo\r\n:7\r\n*2\r\n$-1\r\n+x\r\n", ["foo", 7, [null, "x"]]],
  [
    "*2\r\n*2\r\n*1\r\n*0\r\n-ERR deep\r\n$2\r\nok\r\n",
    [[[[]], new RedisReplyError("ERR deep")], "ok"],
  ],
  ["*4\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$0\r\n\r\n*-1\r\n", ["message", "chan", "", null]],
];

/** The whole fixture stream, as Redis would send it on one connection. */
const STREAM = encoder.encode(FIXTURES.map(([wire]) => wire).join(""));
const EXPECTED = FIXTURES.map(([, value]) => plain(value));

/** Error replies as comparable records, so deep equality also checks message and code. */
function plain(value: RespValue): unknown {
  if (value instanceof RedisReplyError) {
    return { error: value.message, code: value.code, isReplyError: true };
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** Takes every complete reply the parser holds. */
function drain(parser: RespParser): unknown[] {
  const values: unknown[] = [];
  for (let value = parser.next(); value !== NEED_MORE; value = parser.next()) {
    values.push(plain(value));
  }
  return values;
}

/** Feeds `bytes` in chunks that end at `cuts`, reusing one read buffer like the client does. */
function parseInChunks(bytes: Uint8Array, cuts: number[]): unknown[] {
  const parser = new RespParser();
  const readBuffer = new Uint8Array(bytes.length);
  const values: unknown[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    readBuffer.set(bytes.subarray(from, to));
    parser.push(readBuffer.subarray(0, to - from));
    values.push(...drain(parser));
    // Scribble over the read buffer: the parser must have copied any partial reply.
    readBuffer.fill(0x21);
    from = to;
  }
  assertEquals(parser.buffered, 0);
  return values;
}

/** Seeded xorshift32, so a failing random split can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

function parseAll(text: string): unknown[] {
  return parseInChunks(encoder.encode(text), []);
}

function protocolError(text: string, message: string): void {
  const parser = new RespParser();
  parser.push(encoder.encode(text));
  assertThrows(() => drain(parser), RespProtocolError, message);
}

Deno.test("parser reads each RESP2 type", () => {
  for (const [wire, value] of FIXTURES) {
    assertEquals(parseAll(wire), [plain(value)], `fixture ${JSON.stringify(wire)}`);
  }
});

Deno.test("parser reads replies in one chunk", () => {
  assertEquals(parseInChunks(STREAM, []), EXPECTED);
});

Deno.test("parser splits at every byte boundary", () => {
  for (let cut = 1; cut < STREAM.length; cut++) {
    assertEquals(parseInChunks(STREAM, [cut]), EXPECTED, `split at byte ${cut}`);
  }
});

Deno.test("parser reads byte by byte", () => {
  const cuts = Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1);
  assertEquals(parseInChunks(STREAM, cuts), EXPECTED);
});

Deno.test("parser reads random chunk sizes", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seededRandom(seed);
    const cuts: number[] = [];
    for (
      let at = 1 + Math.floor(random() * 24);
      at < STREAM.length;
      at += 1 + Math.floor(random() * 24)
    ) {
      cuts.push(at);
    }
    assertEquals(parseInChunks(STREAM, cuts), EXPECTED, `seed ${seed}, cuts ${cuts.join(",")}`);
  }
});

Deno.test("parser waits on every prefix", () => {
  for (const [wire] of FIXTURES) {
    const bytes = encoder.encode(wire);
    for (let length = 0; length < bytes.length; length++) {
      const parser = new RespParser();
      parser.push(bytes.slice(0, length));
      assertEquals(parser.next(), NEED_MORE, `${JSON.stringify(wire)} cut to ${length} bytes`);
      assertEquals(parser.buffered, length);
    }
  }
});

Deno.test("parser keeps a partial large bulk", () => {
  const value = "x".repeat(200_000) + LONG_UTF8;
  const bytes = encoder.encode(`$${encoder.encode(value).length}\r\n${value}\r\n+next\r\n`);
  const cuts: number[] = [];
  for (let at = 65_536; at < bytes.length; at += 65_536) cuts.push(at);
  assertEquals(parseInChunks(bytes, cuts), [value, "next"]);
});

Deno.test("parser rejects unknown type byte", () => {
  protocolError(
    "%1\r\n+a\r\n+b\r\n",
    "Failed to parse a Redis reply: unknown type byte 0x25; only RESP2 is spoken",
  );
});

Deno.test("parser rejects CR without LF", () => {
  protocolError("+OK\rX\n", "Failed to parse a Redis reply: CR without LF");
  // The CR ends one read and the wrong byte starts the next.
  const parser = new RespParser();
  parser.push(encoder.encode(":12\r"));
  assertEquals(parser.next(), NEED_MORE);
  parser.push(encoder.encode("0\n"));
  assertThrows(
    () => parser.next(),
    RespProtocolError,
    "Failed to parse a Redis reply: CR without LF",
  );
});

Deno.test("parser rejects bad lengths", () => {
  protocolError("$abc\r\n", 'Failed to parse a Redis reply: integer "abc" has a non-digit');
  protocolError("$-2\r\n", "Failed to parse a Redis reply: bulk length -2");
  protocolError("$600000000\r\n", "Failed to parse a Redis reply: bulk length 600000000");
  protocolError("$\r\n", "Failed to parse a Redis reply: empty integer");
  protocolError("*-3\r\n", "Failed to parse a Redis reply: array length -3");
  protocolError("*1x\r\n", 'Failed to parse a Redis reply: integer "1x" has a non-digit');
  protocolError(":-\r\n", "Failed to parse a Redis reply: empty integer");
  protocolError(
    "$3\r\nabcd\r\n",
    "Failed to parse a Redis reply: bulk string of 3 bytes has no CRLF after it",
  );
});

Deno.test("parser rejects huge array length", () => {
  protocolError("*99999999999\r\n", "Failed to parse a Redis reply: array length 99999999999");
});

Deno.test("parser rejects deep nesting", () => {
  // 32 levels parse; 33 do not.
  assertEquals(parseAll("*1\r\n".repeat(32) + ":1\r\n").length, 1);
  protocolError(
    "*1\r\n".repeat(33) + ":1\r\n",
    "Failed to parse a Redis reply: arrays nested deeper than 32",
  );
});

Deno.test("parser error replies carry code", () => {
  const parser = new RespParser();
  parser.push(encoder.encode("-NOSCRIPT No matching script\r\n-OOPS\r\n"));
  const first = parser.next();
  const second = parser.next();

  assert(first instanceof RedisReplyError);
  assertEquals(first.code, "NOSCRIPT");
  assertEquals(first.message, "NOSCRIPT No matching script");
  assertEquals(first.name, "RedisReplyError");
  assert(second instanceof RedisReplyError);
  assertEquals(second.code, "OOPS");
  assertEquals(parser.next(), NEED_MORE);
});
