/**
 * The stderr and stdout log sink: lines are buffered briefly and written without blocking the
 * event loop, so a slow reader of the log (a full pipe) never stops netlink reading.
 *
 * @module
 */
import type { LogRecord, Sink } from "@logtape/logtape";
import { formatRecord } from "./format_line.ts";
import { markImmediate } from "./immediate_sink.ts";

/** Buffered characters after which a stream sink writes at once instead of on its timer. */
const STREAM_FLUSH_CHARS = 64 * 1024;
/**
 * Maximum time a line waits in a stream sink, in ms. At paced storm rates every batch contains
 * one message, so a flush per event-loop turn cost one write per link message: 18 % of the
 * daemon's busy time in a storm profile.
 */
const STREAM_FLUSH_MS = 10;
/**
 * Characters held while the output is not read. Above it, lines are dropped and counted
 * until the reader catches up, rather than the daemon's memory growing without bound.
 */
export const STREAM_MAX_PENDING_CHARS = 1024 * 1024;

/** An output stream such as `Deno.stderr`. */
export interface OutputStream {
  write(data: Uint8Array): Promise<number>;
  writeSync(data: Uint8Array): number;
}

/** Every stream sink created, so that {@link drainStreamSinks} can wait for all of them. */
const writers = new Set<StreamWriter>();

/**
 * Buffers formatted lines and writes them with one asynchronous write at a time, in order.
 * A write that blocks, because the pipe is not read, waits off the event loop.
 */
class StreamWriter {
  #stream: OutputStream;
  #encoder = new TextEncoder();
  #pending = "";
  #dropped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> | undefined;

  constructor(stream: OutputStream) {
    this.#stream = stream;
  }

  /** Adds one line; `urgent` (errors) starts a write at once. */
  add(line: string, urgent: boolean): void {
    if (this.#pending.length >= STREAM_MAX_PENDING_CHARS) {
      this.#dropped++;
      return;
    }
    this.#pending += line + "\n";
    if (urgent || this.#pending.length >= STREAM_FLUSH_CHARS) {
      this.#flush();
    } else {
      this.#timer ??= setTimeout(() => this.#flush(), STREAM_FLUSH_MS);
    }
  }

  /** Resolves once everything added so far is written, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.#pending !== "" || this.#dropped > 0 || this.#writing !== undefined) {
      this.#flush();
      const remaining = deadline - performance.now();
      if (remaining <= 0 || this.#writing === undefined) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#writing,
        new Promise((resolve) => timer = setTimeout(resolve, remaining)),
      ]);
      clearTimeout(timer);
    }
  }

  /**
   * Writes what is pending with blocking writes, for process exit. A write still in flight is
   * not waited for, so call {@link drain} first where possible.
   */
  flushSync(): void {
    this.#clearTimer();
    const text = this.#take();
    if (text === "") return;
    const bytes = this.#encoder.encode(text);
    try {
      for (let written = 0; written < bytes.length;) {
        written += this.#stream.writeSync(bytes.subarray(written));
      }
    } catch {
      // The output is closed: there is nowhere left to report it.
    }
  }

  #flush(): void {
    this.#clearTimer();
    if (this.#writing !== undefined) return;
    const text = this.#take();
    if (text === "") return;
    this.#writing = this.#writeAll(this.#encoder.encode(text)).finally(() => {
      this.#writing = undefined;
      // Lines added meanwhile wait for the timer like any others, so a fast reader still gets
      // about one write per 10 ms. A full buffer goes at once.
      if (this.#pending.length >= STREAM_FLUSH_CHARS || this.#dropped > 0) {
        this.#flush();
      } else if (this.#pending !== "") {
        this.#timer ??= setTimeout(() => this.#flush(), STREAM_FLUSH_MS);
      }
    });
  }

  /** Takes the pending text, ending with a notice of the lines dropped meanwhile. */
  #take(): string {
    let text = this.#pending;
    this.#pending = "";
    if (this.#dropped > 0) {
      text += `  WARN portsyncd.logging: Dropped ${this.#dropped} log lines because the log ` +
        "output was not read fast enough; check the reader of this process's output\n";
      this.#dropped = 0;
    }
    return text;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    try {
      for (let written = 0; written < bytes.length;) {
        written += await this.#stream.write(bytes.subarray(written));
      }
    } catch {
      // The output is closed: there is nowhere left to report it.
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Creates a sink that formats each record at once and writes the lines of up to 10 ms in one
 * write. Errors and fatal records, and a buffer over 64 KiB, start a write at once. Lines
 * keep their order. What is pending when the process unloads is written synchronously.
 */
export function streamSink(stream: OutputStream): Sink {
  const writer = new StreamWriter(stream);
  writers.add(writer);
  globalThis.addEventListener("unload", () => writer.flushSync());
  return markImmediate((record: LogRecord) => {
    writer.add(formatRecord(record), record.level === "error" || record.level === "fatal");
  });
}

/** Waits until every stream sink has written its lines, for at most `timeoutMs`. */
export async function drainStreamSinks(timeoutMs: number): Promise<void> {
  await Promise.all([...writers].map((writer) => writer.drain(timeoutMs)));
}
