/**
 * The libc symbols that the netlink socket needs, loaded once through `Deno.dlopen`.
 *
 * Each entry notes the C declaration it binds. Pointers to caller memory are declared as
 * `"buffer"` so a `Uint8Array` can be passed directly. `poll` is the only `nonblocking`
 * symbol: it runs on a worker thread so the event loop keeps turning while it waits. errno
 * is per thread, so never read it after `poll`; every other symbol runs on the main thread,
 * where `__errno_location()` gives the right value.
 *
 * @module
 */

/** The library name passed to `Deno.dlopen` (glibc's runtime soname on Linux). */
export const LIBC_PATH = "libc.so.6";

/** The symbol table handed to `Deno.dlopen`. */
export const LIBC_SYMBOLS = {
  /** `int socket(int domain, int type, int protocol);` */
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** `int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);` */
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** `int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);` */
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** `int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen);` */
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  /** `int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);` */
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  /** `int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);` */
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  /**
   * `ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
   *                 const struct sockaddr *dest_addr, socklen_t addrlen);`
   */
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
  },
  /**
   * `ssize_t recvfrom(int sockfd, void *buf, size_t len, int flags,
   *                   struct sockaddr *src_addr, socklen_t *addrlen);`
   */
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  /**
   * `int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags,
   *               struct timespec *timeout);`
   */
  recvmmsg: {
    parameters: ["i32", "buffer", "u32", "i32", "pointer"],
    result: "i32",
  },
  /**
   * `int poll(struct pollfd *fds, nfds_t nfds, int timeout);` (`nfds_t` is `unsigned long`).
   * Runs on a worker thread, so its errno cannot be read afterwards.
   */
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  /**
   * `int poll(struct pollfd *fds, nfds_t nfds, int timeout);` bound a second time as a
   * synchronous call, so that a failed wait can be repeated with timeout 0 on the main
   * thread to learn its errno.
   */
  pollNow: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32" },
  /**
   * `int fcntl(int fd, int cmd, ...);` called with one `int` argument. Variadic, but an `int`
   * passes the same way on x86-64 and arm64 (used for `F_DUPFD_CLOEXEC`).
   */
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** `int close(int fd);` */
  close: { parameters: ["i32"], result: "i32" },
  /** `int eventfd(unsigned int initval, int flags);` (the wake-up descriptor for `close`) */
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  /** `ssize_t write(int fd, const void *buf, size_t count);` */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `ssize_t read(int fd, void *buf, size_t count);` */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `int clock_gettime(clockid_t clockid, struct timespec *tp);` */
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  /** `int *__errno_location(void);` (glibc's thread-local errno address) */
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded functions, typed from {@linkcode LIBC_SYMBOLS}. */
export type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

let loaded: Libc | undefined;

/**
 * Returns the libc symbols, opening the library on first use and reusing it afterwards.
 *
 * @throws {Error} When `Deno.dlopen` fails, for example without `--allow-ffi` or on a system
 * without glibc. The original error is kept as `cause`.
 */
export function libc(): Libc {
  if (loaded === undefined) {
    try {
      loaded = Deno.dlopen(LIBC_PATH, LIBC_SYMBOLS).symbols;
    } catch (error) {
      throw new Error(
        `Failed to load ${LIBC_PATH} for the netlink socket: run with --allow-ffi on a glibc Linux system`,
        { cause: error },
      );
    }
  }
  return loaded;
}
