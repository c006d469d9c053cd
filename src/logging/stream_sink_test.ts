import type { LogRecord } from "@logtape/logtape";
import { assert, assertEquals } from "../../tests/assert.ts";
import { drainStreamSinks, STREAM_MAX_PENDING_CHARS, streamSink } from "./stream_sink.ts";

/** An output whose writes wait until `release()`, like a pipe that is not read. */
class SlowOutput {
  readonly chunks: string[] = [];
  #decoder = new TextDecoder();
  #held: Array<() => void> = [];
  blocked = true;

  write(data: Uint8Array): Promise<number> {
    const text = this.#decoder.decode(data);
    if (!this.blocked) {
      this.chunks.push(text);
      return Promise.resolve(data.length);
    }
    return new Promise((resolve) =>
      this.#held.push(() => {
        this.chunks.push(text);
        resolve(data.length);
      })
    );
  }

  writeSync(data: Uint8Array): number {
    this.chunks.push(this.#decoder.decode(data));
    return data.length;
  }

  release(): void {
    this.blocked = false;
    for (const done of this.#held.splice(0)) done();
  }

  get text(): string {
    return this.chunks.join("");
  }
}

function record(message: string, level: LogRecord["level"] = "info"): LogRecord {
  return {
    category: ["portsyncd", "test"],
    level,
    message: [message],
    rawMessage: message,
    timestamp: 0,
    properties: {},
  };
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "").map((line) => line.trim());
}

Deno.test("stream sink keeps order while blocked", async () => {
  const output = new SlowOutput();
  const sink = streamSink(output);
  sink(record("first", "error"));
  sink(record("second"));
  sink(record("third", "error"));
  assertEquals(output.text, "", "nothing written while the output blocks");
  output.release();
  await drainStreamSinks(1000);
  assertEquals(lines(output.text).map((line) => line.split(": ").at(-1)), [
    "first",
    "second",
    "third",
  ]);
});

Deno.test("stream sink drops beyond its bound", async () => {
  const output = new SlowOutput();
  const sink = streamSink(output);
  sink(record("held", "error"));
  const long = "x".repeat(64 * 1024);
  const fits = Math.ceil(STREAM_MAX_PENDING_CHARS / long.length);
  for (let index = 0; index < fits + 3; index++) sink(record(long));
  output.release();
  await drainStreamSinks(1000);
  const written = lines(output.text);
  assertEquals(written.filter((line) => line.endsWith(long)).length, fits);
  const notice = written.at(-1) ?? "";
  assert(notice.includes("Dropped 3 log lines"), notice);
});
