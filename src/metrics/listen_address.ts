/** A parsed `[metrics] listen` value. */
export interface ListenAddress {
  /** Host without brackets: `::1`, `127.0.0.1`, `localhost`, `0.0.0.0`, ... */
  host: string;
  port: number;
}

/**
 * Parses `host:port`, with IPv6 hosts in brackets (`[::1]:9090`).
 *
 * @returns The address, or undefined when the text has no valid host and port 1 to 65535.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

/** Returns whether a host only reaches this machine: `localhost`, 127.0.0.0/8 or `::1`. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
