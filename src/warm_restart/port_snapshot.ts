/**
 * Format of the port-state snapshot that a warm restart reconciles against: the last state
 * the daemon wrote to STATE_DB per port, versioned and protected by a SHA-256 checksum.
 *
 * ```json
 * {"version":1,"sha256":"<hex>","body":{"saved_at":"...","ports":[{"name":"Ethernet0",...}]}}
 * ```
 *
 * The checksum covers the canonical JSON of `body` (object keys sorted, no spaces), so a file
 * reformatted by hand still verifies while any changed value does not.
 *
 * @module
 */

/** Format version written by this daemon; files with another version are not trusted. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** One port as last written to STATE_DB `PORT_TABLE|<name>`. */
export interface SnapshotPort {
  name: string;
  /** Kernel ifindex of the netdev when the state was written. */
  ifindex: number;
  /** `admin_status`, from IFF_UP. */
  admin: boolean;
  /** `netdev_oper_status`, from IFF_RUNNING. */
  oper: boolean;
  /** `mtu` in bytes, absent when the daemon never learned it. */
  mtu: number | undefined;
  /** When the daemon wrote the state, in milliseconds since the epoch. */
  writtenAt: number;
}

/** A decoded snapshot. */
export interface PortSnapshot {
  /** When the file was saved, in milliseconds since the epoch. */
  savedAt: number;
  /** Ports by name. */
  ports: Map<string, SnapshotPort>;
}

/** Raised when snapshot text cannot be trusted. `reason` gives the cause in a few words. */
export class SnapshotFormatError extends Error {
  /** Short cause, such as `checksum mismatch` or `format version 0, expected 1`. */
  readonly reason: string;

  constructor(reason: string) {
    super(`Failed to decode port snapshot: ${reason}; the daemon reconciles without it`);
    this.name = "SnapshotFormatError";
    this.reason = reason;
  }
}

/** Encodes a snapshot as the text of the state file, ports sorted by name. */
export async function encodeSnapshot(snapshot: PortSnapshot): Promise<string> {
  const ports = [...snapshot.ports.values()]
    .sort(byName)
    .map((port) => ({
      name: port.name,
      ifindex: port.ifindex,
      admin: port.admin ? "up" : "down",
      oper: port.oper ? "up" : "down",
      ...(port.mtu === undefined ? {} : { mtu: port.mtu }),
      written_at: new Date(port.writtenAt).toISOString(),
    }));
  const body = { saved_at: new Date(snapshot.savedAt).toISOString(), ports };
  const sha256 = await sha256Hex(canonicalJson(body));
  return JSON.stringify({ version: SNAPSHOT_FORMAT_VERSION, sha256, body }, null, 1) + "\n";
}

/**
 * Decodes the text of a state file, checking in order: JSON syntax, format version,
 * checksum, and the type of every field.
 *
 * @throws {SnapshotFormatError} When any check fails.
 */
export async function decodeSnapshot(text: string): Promise<PortSnapshot> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SnapshotFormatError(`not valid JSON (${text.length} bytes, truncated or corrupt)`);
  }
  if (!isRecord(parsed)) throw new SnapshotFormatError("top level is not a JSON object");
  if (parsed.version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotFormatError(
      `format version ${JSON.stringify(parsed.version)}, expected ${SNAPSHOT_FORMAT_VERSION}`,
    );
  }
  if (typeof parsed.sha256 !== "string" || !isRecord(parsed.body)) {
    throw new SnapshotFormatError("field sha256 or body is missing");
  }
  const actual = await sha256Hex(canonicalJson(parsed.body));
  if (actual !== parsed.sha256) {
    throw new SnapshotFormatError(`checksum mismatch (stored ${parsed.sha256}, actual ${actual})`);
  }
  const savedAt = parseTime(parsed.body.saved_at, "saved_at");
  if (!Array.isArray(parsed.body.ports)) throw new SnapshotFormatError("ports is not a list");
  const ports = new Map<string, SnapshotPort>();
  parsed.body.ports.forEach((entry: unknown, index: number) => {
    const port = parsePort(entry, index);
    ports.set(port.name, port);
  });
  return { savedAt, ports };
}

/** JSON with object keys sorted at every level and no whitespace: the checksummed form. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
    return `{${
      keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

function byName(a: SnapshotPort, b: SnapshotPort): number {
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function parsePort(entry: unknown, index: number): SnapshotPort {
  const where = `ports[${index}]`;
  if (!isRecord(entry)) throw new SnapshotFormatError(`${where} is not an object`);
  const { name, ifindex, admin, oper, mtu } = entry;
  if (typeof name !== "string" || name === "") {
    throw new SnapshotFormatError(`${where}.name is not a non-empty string`);
  }
  if (!Number.isInteger(ifindex) || (ifindex as number) < 0) {
    throw new SnapshotFormatError(`${where}.ifindex is not a non-negative integer`);
  }
  if ((admin !== "up" && admin !== "down") || (oper !== "up" && oper !== "down")) {
    throw new SnapshotFormatError(`${where}.admin or oper is not "up" or "down"`);
  }
  if (mtu !== undefined && (!Number.isInteger(mtu) || (mtu as number) < 0)) {
    throw new SnapshotFormatError(`${where}.mtu is not a non-negative integer`);
  }
  return {
    name,
    ifindex: ifindex as number,
    admin: admin === "up",
    oper: oper === "up",
    mtu: mtu as number | undefined,
    writtenAt: parseTime(entry.written_at, `${where}.written_at`),
  };
}

function parseTime(value: unknown, where: string): number {
  const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new SnapshotFormatError(`${where} is not an ISO 8601 time`);
  return time;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
