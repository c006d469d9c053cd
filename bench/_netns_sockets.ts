/**
 * Opens netlink sockets inside a named network namespace from this process.
 *
 * A socket belongs to the namespace of the thread that created it, whatever thread uses it
 * later. So the main thread enters `/run/netns/<name>` with `setns`, opens the sockets and
 * returns to its own namespace. The benchmark then observes and drives the namespace's links
 * on the same clock as its Redis observations.
 *
 * @module
 */

import { NetlinkSocket, type NetlinkSocketOptions } from "../ffi/netlink_socket.ts";

/** Namespace type of `setns` (linux/sched.h). */
const CLONE_NEWNET = 0x40000000;
/** `open` flags: read-only, close-on-exec (asm-generic/fcntl.h). */
const O_RDONLY_CLOEXEC = 0o2000000;

const SYMBOLS = {
  /** `int open(const char *path, int flags);` */
  open: { parameters: ["buffer", "i32"], result: "i32" },
  /** `int setns(int fd, int nstype);` */
  setns: { parameters: ["i32", "i32"], result: "i32" },
  /** `int close(int fd);` */
  close: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * Opens one netlink socket per entry of `options` inside namespace `name`.
 *
 * @throws {Error} When the namespace cannot be entered or left; the process is then in an
 * unknown namespace and should exit.
 */
export function openSocketsIn(name: string, options: NetlinkSocketOptions[]): NetlinkSocket[] {
  const library = Deno.dlopen("libc.so.6", SYMBOLS);
  const c = library.symbols;
  const path = (text: string) => new TextEncoder().encode(`${text}\0`);
  const home = c.open(path("/proc/thread-self/ns/net"), O_RDONLY_CLOEXEC);
  const target = c.open(path(`/run/netns/${name}`), O_RDONLY_CLOEXEC);
  try {
    if (home < 0 || target < 0) {
      throw new Error(`Failed to open the namespace files of ${name}: run as root`);
    }
    if (c.setns(target, CLONE_NEWNET) !== 0) {
      throw new Error(`Failed to enter namespace ${name}: setns failed, run as root`);
    }
    let sockets: NetlinkSocket[] | undefined;
    let failure: unknown;
    try {
      sockets = options.map((option) => NetlinkSocket.open(option));
    } catch (error) {
      failure = error;
    }
    if (c.setns(home, CLONE_NEWNET) !== 0) {
      for (const socket of sockets ?? []) socket.close();
      throw new Error(`Failed to return from namespace ${name}: setns failed, stop the run`);
    }
    if (sockets === undefined) throw failure;
    return sockets;
  } finally {
    if (home >= 0) c.close(home);
    if (target >= 0) c.close(target);
    library.close();
  }
}
