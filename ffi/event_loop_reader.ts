/**
 * Waits for a datagram socket on the event loop's own thread.
 *
 * Deno cannot wait on a descriptor it did not open, except through its Node.js compatibility
 * layer: the `pipe_wrap` binding's `Pipe.open(fd)` registers any socket with the runtime's
 * reactor (epoll), so a datagram wakes the event loop only. The alternative, `poll` as a
 * non-blocking FFI call, wakes a worker thread first and the event loop second. On the 2-vCPU
 * benchmark VM the reactor wait reached the reader 30 to 70 µs sooner at the median
 * (`bench/wake.ts`, figures in bench/RESULTS.md).
 *
 * The handle reads with `read(2)`, so it consumes the first datagram: {@linkcode
 * EventLoopReader.read} hands that datagram over, and the caller reads the rest with its own
 * `recvmmsg`. The handle gets a duplicate of the descriptor, because it closes what it was
 * given. After a read error (such as `ENOBUFS`) the reader closes the handle and opens a new one
 * on a new duplicate, rather than rely on what state the runtime leaves a failed handle in.
 *
 * @module
 */

import process from "node:process";
import { readErrno, SyscallError } from "./errno.ts";
import { libc } from "./libc.ts";

/** `F_DUPFD_CLOEXEC` from <fcntl.h>: duplicate at the lowest free number, close on exec. */
const F_DUPFD_CLOEXEC = 1030;
/** Size of the handle's own read buffer. A datagram that fills it may have been cut. */
export const HANDLE_READ_BYTES = 64 * 1024;
/** libuv's end-of-file code. Every other negative read result is a negated errno. */
const UV_EOF = -4095;

/** The outcome of one {@linkcode EventLoopReader.read}. */
export type EventLoopRead =
  /** One datagram, with `maybeTruncated` set when it filled the handle's 64 KiB buffer. */
  | { kind: "data"; bytes: Uint8Array; maybeTruncated: boolean }
  /** A failed read, with `errno` 0 for end of file. The next read opens a new handle. */
  | { kind: "error"; errno: number }
  /** {@linkcode EventLoopReader.close} was called. */
  | { kind: "closed" }
  /** A new handle could not be opened, so the caller must wait another way from now on. */
  | { kind: "unavailable"; reason: string };

/** The part of the runtime's `Pipe` handle this module uses. */
interface PipeHandle {
  open(fd: number): number;
  readStart(): number;
  readStop(): number;
  close(callback?: () => void): void;
  onread: ((buffer: ArrayBuffer | undefined) => void) | undefined;
}

interface PipeBinding {
  Pipe: new (type: number) => PipeHandle;
  constants: { SOCKET: number };
}

interface StreamBinding {
  streamBaseState: ArrayLike<number>;
  kReadBytesOrError: number;
}

interface Bindings {
  pipe: PipeBinding;
  stream: StreamBinding;
}

let bindings: Bindings | string | undefined;

/** Loads the two bindings once, or returns why they are not usable. */
function loadBindings(): Bindings | string {
  if (bindings !== undefined) return bindings;
  try {
    const binding = (process as unknown as { binding(name: string): unknown }).binding;
    const pipe = binding("pipe_wrap") as PipeBinding;
    const stream = binding("stream_wrap") as StreamBinding;
    if (
      typeof pipe?.Pipe !== "function" || typeof pipe.constants?.SOCKET !== "number" ||
      typeof stream?.kReadBytesOrError !== "number" || stream.streamBaseState === undefined
    ) {
      bindings = "the runtime's pipe_wrap or stream_wrap binding lacks Pipe or streamBaseState";
    } else {
      bindings = { pipe, stream };
    }
  } catch (error) {
    bindings = `process.binding failed: ${error instanceof Error ? error.message : error}`;
  }
  return bindings;
}

/**
 * Reads datagrams of one socket, one at a time, on the event loop's thread.
 *
 * The socket is not owned: the reader works on duplicates and never closes `fd` itself.
 * Reading is started only while a {@linkcode EventLoopReader.read} waits and is stopped when
 * a datagram arrives, so nothing is read ahead of the caller.
 */
export class EventLoopReader {
  readonly #fd: number;
  readonly #bindings: Bindings;
  #handle: PipeHandle | undefined;
  #waiter: ((result: EventLoopRead) => void) | undefined;
  /** A result that arrived while no read waited. The next read returns it. */
  #early: EventLoopRead | undefined;
  #closed = false;

  private constructor(fd: number, loaded: Bindings) {
    this.#fd = fd;
    this.#bindings = loaded;
  }

  /**
   * Opens a reader for the socket `fd`. Also makes the socket non-blocking, which is shared by
   * every duplicate.
   *
   * @returns The reader, or the reason the runtime cannot provide one.
   */
  static open(fd: number): EventLoopReader | string {
    const loaded = loadBindings();
    if (typeof loaded === "string") return loaded;
    const reader = new EventLoopReader(fd, loaded);
    try {
      reader.#handle = reader.#openHandle();
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return reader;
  }

  /**
   * Waits for the next datagram. Only one read may wait at a time.
   *
   * @throws {Error} When another read is still waiting.
   */
  read(): Promise<EventLoopRead> {
    if (this.#closed) return Promise.resolve({ kind: "closed" });
    if (this.#waiter) {
      throw new Error("Failed to start read: another read is still waiting, await it first");
    }
    const early = this.#early;
    if (early) {
      this.#early = undefined;
      return Promise.resolve(early);
    }
    if (!this.#handle) {
      try {
        this.#handle = this.#openHandle();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return Promise.resolve({ kind: "unavailable", reason });
      }
    }
    const handle = this.#handle;
    return new Promise((resolve) => {
      this.#waiter = resolve;
      const status = handle.readStart();
      if (status !== 0) {
        this.#waiter = undefined;
        this.#dropHandle();
        resolve({ kind: "unavailable", reason: `readStart returned ${status}` });
      }
    });
  }

  /** Stops reading and closes the current duplicate. A waiting read resolves `closed`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropHandle();
    this.#deliver({ kind: "closed" });
  }

  #openHandle(): PipeHandle {
    const duplicate = Number(libc().fcntl(this.#fd, F_DUPFD_CLOEXEC, 0));
    if (duplicate === -1) {
      throw new SyscallError("fcntl", readErrno(), `duplicate descriptor ${this.#fd}`);
    }
    const { pipe } = this.#bindings;
    let handle: PipeHandle;
    try {
      handle = new pipe.Pipe(pipe.constants.SOCKET);
      const status = handle.open(duplicate);
      if (status !== 0) throw new Error(`Pipe.open returned ${status}`);
    } catch (error) {
      libc().close(duplicate);
      throw new Error(
        `Failed to register descriptor ${this.#fd} with the event loop: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
    handle.onread = (buffer) => this.#onRead(handle, buffer);
    return handle;
  }

  #onRead(handle: PipeHandle, buffer: ArrayBuffer | undefined): void {
    if (handle !== this.#handle) return;
    handle.readStop();
    const { streamBaseState, kReadBytesOrError } = this.#bindings.stream;
    const nread = Number(streamBaseState[kReadBytesOrError]);
    if (nread > 0 && buffer !== undefined) {
      const bytes = new Uint8Array(buffer, 0, nread);
      this.#deliver({ kind: "data", bytes, maybeTruncated: nread >= HANDLE_READ_BYTES });
      return;
    }
    if (nread === 0) {
      // Nothing was read, so a waiting read keeps waiting.
      if (this.#waiter) handle.readStart();
      return;
    }
    // The next read opens a new handle instead of restarting this one after its error.
    this.#dropHandle();
    this.#deliver({ kind: "error", errno: nread === UV_EOF ? 0 : -nread });
  }

  #deliver(result: EventLoopRead): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(result);
    else if (result.kind !== "closed") this.#early = result;
  }

  #dropHandle(): void {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return;
    handle.onread = ignoreRead;
    handle.readStop();
    // Closing the handle closes its duplicate, not the caller's descriptor.
    handle.close();
  }
}

function ignoreRead(): void {}
