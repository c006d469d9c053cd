/** Netlink socket operations used by the link monitor; `NetlinkSocket` in ffi/ implements them. */
export interface MonitorSocket {
  send(bytes: Uint8Array): void;
  /** With `borrow`, datagrams may be views that the next call overwrites. */
  receiveBatch(maxDatagrams?: number, options?: { borrow?: boolean }): Promise<
    | { kind: "data"; datagrams: Uint8Array[]; foreignSenders: number; truncated: number }
    | { kind: "error"; errno: number; errnoName: string; datagrams: Uint8Array[] }
    | { kind: "closed" }
  >;
  close(): void;
}
