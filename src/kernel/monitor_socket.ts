/** What the link monitor needs from a netlink socket; `NetlinkSocket` in ffi/ implements it. */
export interface MonitorSocket {
  send(bytes: Uint8Array): void;
  receiveBatch(maxDatagrams?: number): Promise<
    | { kind: "data"; datagrams: Uint8Array[]; foreignSenders: number; truncated: number }
    | { kind: "error"; errno: number; errnoName: string; datagrams: Uint8Array[] }
    | { kind: "closed" }
  >;
  close(): void;
}
