/**
 * The `struct mmsghdr` array that `recvmmsg` fills: one slot per datagram, each with its own
 * buffer and sender address, all in memory allocated once.
 *
 * x86-64 and aarch64 Linux layouts (LP64), from `<sys/socket.h>` and `<bits/uio.h>`:
 * `struct iovec { void *iov_base; size_t iov_len; }` is 16 bytes;
 * `struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov;
 * size_t msg_iovlen; void *msg_control; size_t msg_controllen; int msg_flags; }` is 56 bytes;
 * `struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }` is 64 bytes.
 *
 * @module
 */

const IOVEC_SIZE = 16;
const MMSGHDR_SIZE = 64;
const MSG_NAME = 0;
const MSG_NAMELEN = 8;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_FLAGS = 48;
const MSG_LEN = 56;
/** `struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }` */
const SOCKADDR_NL_SIZE = 12;
const SOCKADDR_NL_PID = 4;
/** `MSG_TRUNC` in `msg_flags`: the datagram was longer than its slot. */
const MSG_TRUNC = 0x20;

/**
 * Slots for one `recvmmsg` call. After a call that returned `count`, slot `i < count` contains
 * one datagram: {@link length}, {@link truncated}, {@link senderPortId} and {@link datagram}.
 */
export class ReceiveVector {
  /** The `struct mmsghdr` array, passed to `recvmmsg` as its `msgvec`. */
  readonly headers: Uint8Array;
  /** Number of slots, the `vlen` of `recvmmsg`. */
  readonly slots: number;
  /** Bytes per slot buffer. */
  readonly slotBytes: number;
  readonly #buffers: Uint8Array;
  readonly #addresses: Uint8Array;
  readonly #headerView: DataView;
  readonly #addressView: DataView;
  /** Reached by the kernel only through pointers, so held here to keep it alive. */
  readonly #iovecs: Uint8Array;

  /**
   * @param slots Datagrams per call.
   * @param slotBytes Buffer per datagram, above the largest datagram expected.
   */
  constructor(slots: number, slotBytes: number) {
    this.slots = slots;
    this.slotBytes = slotBytes;
    this.headers = new Uint8Array(slots * MMSGHDR_SIZE);
    this.#buffers = new Uint8Array(slots * slotBytes);
    this.#addresses = new Uint8Array(slots * SOCKADDR_NL_SIZE);
    const iovecs = new Uint8Array(slots * IOVEC_SIZE);
    this.#iovecs = iovecs;
    this.#headerView = new DataView(this.headers.buffer);
    this.#addressView = new DataView(this.#addresses.buffer);
    const iovecView = new DataView(iovecs.buffer);
    const buffersAt = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.#buffers));
    const iovecsAt = Deno.UnsafePointer.value(Deno.UnsafePointer.of(iovecs));
    const addressesAt = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.#addresses));
    for (let slot = 0; slot < slots; slot++) {
      iovecView.setBigUint64(slot * IOVEC_SIZE, BigInt(buffersAt) + BigInt(slot * slotBytes), true);
      iovecView.setBigUint64(slot * IOVEC_SIZE + 8, BigInt(slotBytes), true);
      const header = slot * MMSGHDR_SIZE;
      this.#headerView.setBigUint64(
        header + MSG_NAME,
        BigInt(addressesAt) + BigInt(slot * SOCKADDR_NL_SIZE),
        true,
      );
      this.#headerView.setBigUint64(
        header + MSG_IOV,
        BigInt(iovecsAt) + BigInt(slot * IOVEC_SIZE),
        true,
      );
      this.#headerView.setBigUint64(header + MSG_IOVLEN, 1n, true);
    }
  }

  /** Resets the fields that `recvmmsg` overwrites. Call it before each `recvmmsg`. */
  prepare(count = this.slots): void {
    for (let slot = 0; slot < count; slot++) {
      this.#headerView.setUint32(slot * MMSGHDR_SIZE + MSG_NAMELEN, SOCKADDR_NL_SIZE, true);
    }
  }

  /** Returns the datagram's real length, which exceeds {@link slotBytes} when it was cut. */
  length(slot: number): number {
    return this.#headerView.getUint32(slot * MMSGHDR_SIZE + MSG_LEN, true);
  }

  /** Returns whether the datagram was longer than its slot. */
  truncated(slot: number): boolean {
    const flags = this.#headerView.getInt32(slot * MMSGHDR_SIZE + MSG_FLAGS, true);
    return (flags & MSG_TRUNC) !== 0 || this.length(slot) > this.slotBytes;
  }

  /** Returns the sender's `nl_pid`, which is 0 for the kernel. */
  senderPortId(slot: number): number {
    return this.#addressView.getUint32(slot * SOCKADDR_NL_SIZE + SOCKADDR_NL_PID, true);
  }

  /** Returns a view of the datagram in its slot, valid until the next call into this vector. */
  datagram(slot: number): Uint8Array {
    const start = slot * this.slotBytes;
    return this.#buffers.subarray(start, start + this.length(slot));
  }
}
