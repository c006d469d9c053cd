/**
 * An `AF_UNIX` datagram socket, the transport of syslog (`/dev/log`) and of systemd's
 * `sd_notify` protocol (`NOTIFY_SOCKET`). Deno's own unix datagram API is unstable, so the
 * socket is opened through libc like the netlink socket.
 *
 * @module
 */

import { checkSyscall, EAGAIN, EINTR, readErrno, SyscallError } from "./errno.ts";
import { libc } from "./libc.ts";

// Constants from <sys/socket.h>, <linux/net.h> and <asm-generic/fcntl.h>.
/** `AF_UNIX`: local sockets. */
const AF_UNIX = 1;
/** `SOCK_DGRAM`: message boundaries are kept, no connection. */
const SOCK_DGRAM = 2;
/** `SOCK_NONBLOCK` (octal 04000): calls return `EAGAIN` instead of blocking. */
const SOCK_NONBLOCK = 0o4000;
/** `SOCK_CLOEXEC` (octal 02000000): do not leak the descriptor into child processes. */
const SOCK_CLOEXEC = 0o2000000;
/** `MSG_DONTWAIT` (0x40): never block, even on a blocking socket. */
const MSG_DONTWAIT = 0x40;

/**
 * `struct sockaddr_un`: a 2-byte family, then `sun_path[108]`. A path is NUL-terminated; an
 * abstract name starts with a NUL byte and its length is given by the address length alone.
 */
const SOCKADDR_UN_SIZE = 110;
const SUN_PATH_OFFSET = 2;
const SUN_PATH_SIZE = 108;
/** Largest datagram {@linkcode UnixDatagramSocket.receive} returns whole. */
const RECEIVE_BUFFER_SIZE = 64 * 1024;
/** Cap on consecutive `EINTR` retries of one call. */
const MAX_EINTR_RETRIES = 64;

/** An encoded `sockaddr_un` and the length to pass with it. */
export interface UnixAddress {
  bytes: Uint8Array;
  length: number;
}

/**
 * Encodes a socket address: a file system path, or an abstract name written with a leading
 * `@` as systemd writes it in `NOTIFY_SOCKET` (`@name` is sent as `\0name`).
 *
 * @throws {RangeError} When the address is empty or longer than `sun_path` allows
 * (107 bytes for a path, 107 for an abstract name after the `@`).
 */
export function encodeUnixAddress(address: string): UnixAddress {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  const limit = SUN_PATH_SIZE - 1;
  if (name.length === 0 || name.length > limit) {
    throw new RangeError(
      `Failed to encode unix socket address ${JSON.stringify(address)}: use 1 to ${limit} bytes`,
    );
  }
  const bytes = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  if (abstract) {
    bytes.set(name, SUN_PATH_OFFSET + 1);
    return { bytes, length: SUN_PATH_OFFSET + 1 + name.length };
  }
  bytes.set(name, SUN_PATH_OFFSET);
  return { bytes, length: SUN_PATH_OFFSET + name.length + 1 };
}

/**
 * A non-blocking `AF_UNIX` `SOCK_DGRAM` socket. Sending never blocks: a full receiver makes
 * {@linkcode send} throw with `EAGAIN`, so a stalled syslog daemon cannot stall port sync.
 */
export class UnixDatagramSocket {
  #fd: number;
  #boundPath: string | undefined;
  readonly #buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);

  private constructor(fd: number, boundPath: string | undefined) {
    this.#fd = fd;
    this.#boundPath = boundPath;
  }

  /**
   * Opens an unbound socket for sending.
   *
   * @throws {SyscallError} When `socket` fails.
   */
  static open(): UnixDatagramSocket {
    return new UnixDatagramSocket(createSocket(), undefined);
  }

  /**
   * Opens a socket bound to `address` (a path or `@abstract`), to receive datagrams. A bound
   * path is removed again by {@linkcode close}.
   *
   * @throws {SyscallError} When `bind` fails, for example `EADDRINUSE` when the path exists.
   */
  static bind(address: string): UnixDatagramSocket {
    const { bytes, length } = encodeUnixAddress(address);
    const fd = createSocket();
    try {
      checkSyscall(libc().bind(fd, bytes, length), "bind", `bind unix socket ${address}`);
    } catch (error) {
      libc().close(fd);
      throw error;
    }
    return new UnixDatagramSocket(fd, address.startsWith("@") ? undefined : address);
  }

  /** Whether {@linkcode close} has been called. */
  get closed(): boolean {
    return this.#fd === -1;
  }

  /**
   * Sends one datagram to `address` without blocking.
   *
   * @throws {SyscallError} When `sendto` fails: `ENOENT` or `ECONNREFUSED` when no socket
   * is bound to the address, `EAGAIN` when the receiver's queue is full.
   * @throws {Error} When the socket is closed.
   */
  send(data: Uint8Array, address: string | UnixAddress): void {
    this.#assertOpen("send datagram");
    const target = typeof address === "string" ? encodeUnixAddress(address) : address;
    const c = libc();
    for (let attempt = 0;; attempt++) {
      const result = Number(
        c.sendto(
          this.#fd,
          data,
          BigInt(data.byteLength),
          MSG_DONTWAIT,
          target.bytes,
          target.length,
        ),
      );
      if (result !== -1) return;
      const errno = readErrno();
      if (errno !== EINTR || attempt >= MAX_EINTR_RETRIES) {
        throw new SyscallError("sendto", errno, `send ${data.byteLength}-byte datagram`);
      }
    }
  }

  /**
   * Reads one waiting datagram, or returns undefined when none is queued. Datagrams longer
   * than 64 KiB are cut.
   *
   * @throws {SyscallError} When `recvfrom` fails with anything but `EAGAIN`.
   */
  receive(): Uint8Array | undefined {
    this.#assertOpen("receive datagram");
    const c = libc();
    for (let attempt = 0;; attempt++) {
      const length = Number(
        c.recvfrom(this.#fd, this.#buffer, BigInt(RECEIVE_BUFFER_SIZE), MSG_DONTWAIT, null, null),
      );
      if (length !== -1) return this.#buffer.slice(0, length);
      const errno = readErrno();
      if (errno === EAGAIN) return undefined;
      if (errno !== EINTR || attempt >= MAX_EINTR_RETRIES) {
        throw new SyscallError("recvfrom", errno, "receive datagram");
      }
    }
  }

  /** Closes the socket and removes the path it was bound to. Safe to call twice. */
  close(): void {
    if (this.#fd === -1) return;
    libc().close(this.#fd);
    this.#fd = -1;
    if (this.#boundPath !== undefined) {
      try {
        Deno.removeSync(this.#boundPath);
      } catch {
        // Already removed by someone else; nothing is left to clean.
      }
    }
  }

  #assertOpen(action: string): void {
    if (this.#fd === -1) {
      throw new Error(`Failed to ${action}: the unix socket is closed, open a new one`);
    }
  }
}

function createSocket(): number {
  return checkSyscall(
    libc().socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
    "socket",
    "create unix datagram socket",
  );
}
