/**
 * Records what a test Redis server executes, to assert on the daemon's exact writes.
 *
 * Two sources, both optional: a `MONITOR` connection, which reports every command with its
 * database, including the commands a Lua script (EVALSHA) or a transaction (MULTI/EXEC) runs,
 * and a keyspace-notification subscription (`__keyspace@*__:*`), which reports what other
 * SONiC daemons would see. `sync()` makes sure everything executed before it was recorded.
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { RedisServer } from "./redis_server.ts";

/** One command as MONITOR reported it. */
export interface RecordedCommand {
  /** Server time of execution, in seconds since the epoch. */
  time: number;
  /** Logical database the command ran on. */
  db: number;
  /** Who ran it: `lua` for script commands, else the client address (`unix:<path>`). */
  source: string;
  /** Command name (as sent, e.g. `HSET` or `hset`) followed by its arguments. */
  args: string[];
}

/** One keyspace notification. */
export interface KeyspaceEvent {
  /** Logical database of the key. */
  db: number;
  /** Key name. */
  key: string;
  /** Event name, e.g. `hset`, `del`, `sadd`. */
  event: string;
}

/** Options of {@linkcode startRecorder}. */
export interface RecorderOptions {
  /**
   * Records commands through MONITOR.
   * @default {true}
   */
  monitor?: boolean;
  /**
   * Records keyspace notifications.
   * @default {true}
   */
  keyspace?: boolean;
}

/** A running recorder. */
export interface Recorder {
  /** Commands in execution order, without the recorder's own commands. */
  readonly commands: RecordedCommand[];
  /** Keyspace notifications in delivery order. */
  readonly events: KeyspaceEvent[];
  /**
   * Commands on database `db` with `key` as the first argument after the command name, or
   * anywhere among the arguments of EVAL, EVALSHA, DEL and other multi-key commands.
   */
  commandsOn(db: number, key: string): RecordedCommand[];
  /** Keyspace notifications for `key` on database `db`. */
  eventsOn(db: number, key: string): KeyspaceEvent[];
  /**
   * Waits until everything the server executed before this call has been recorded.
   * @param timeoutMs Upper bound, in milliseconds.
   */
  sync(timeoutMs?: number): Promise<void>;
  /** Closes the recorder's connections. The records stay readable. */
  stop(): Promise<void>;
}

/**
 * Starts recording on `server`. Commands run before this call are not recorded.
 *
 * @param server The test server to watch.
 * @param options Which sources to record.
 * @returns The recorder. Call `stop()` in a `finally` block.
 */
export async function startRecorder(
  server: RedisServer,
  options: RecorderOptions = {},
): Promise<Recorder> {
  const recorder = new ServerRecorder(server);
  try {
    // MONITOR starts last so that the recorder's own connection set-up is not recorded.
    await recorder.startControl();
    if (options.keyspace ?? true) await recorder.startKeyspace();
    if (options.monitor ?? true) await recorder.startMonitor();
  } catch (error) {
    await recorder.stop();
    throw error;
  }
  return recorder;
}

const MARKER_PREFIX = "portsyncd-recorder-sync-";

class ServerRecorder implements Recorder {
  readonly commands: RecordedCommand[] = [];
  readonly events: KeyspaceEvent[] = [];
  #server: RedisServer;
  #monitor: Deno.UnixConn | undefined;
  #monitorDone: Promise<void> = Promise.resolve();
  #subscriber: Redis | undefined;
  #control: Redis | undefined;
  #markerChannel = `${MARKER_PREFIX}${crypto.randomUUID()}`;
  #seenMarkers = new Set<string>();
  #markerCount = 0;

  constructor(server: RedisServer) {
    this.#server = server;
  }

  async startControl(): Promise<void> {
    this.#control = this.#server.client("APPL_DB");
    await this.#control.ping();
  }

  async startMonitor(): Promise<void> {
    const conn = await Deno.connect({ transport: "unix", path: this.#server.socketPath });
    this.#monitor = conn;
    await conn.write(new TextEncoder().encode("MONITOR\r\n"));
    let confirmed!: () => void;
    let failed!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      confirmed = resolve;
      failed = reject;
    });
    this.#monitorDone = this.#readMonitor(conn, confirmed).then(
      () => failed(new Error("Start MONITOR failed: the server closed the connection")),
      (error) => failed(error instanceof Error ? error : new Error(String(error))),
    );
    await ready;
  }

  async startKeyspace(): Promise<void> {
    const subscriber = this.#server.client("APPL_DB");
    this.#subscriber = subscriber;
    subscriber.on("pmessage", (_pattern: string, channel: string, event: string) => {
      const match = /^__keyspace@(\d+)__:(.*)$/s.exec(channel);
      if (match) this.events.push({ db: Number(match[1]), key: match[2]!, event });
    });
    subscriber.on("message", (channel: string, marker: string) => {
      if (channel === this.#markerChannel) this.#seenMarkers.add(marker);
    });
    await subscriber.psubscribe("__keyspace@*__:*");
    await subscriber.subscribe(this.#markerChannel);
  }

  commandsOn(db: number, key: string): RecordedCommand[] {
    return this.commands.filter((command) => {
      if (command.db !== db) return false;
      if (command.args[1] === key) return true;
      const name = command.args[0]?.toUpperCase() ?? "";
      return MULTI_KEY_COMMANDS.has(name) && command.args.slice(1).includes(key);
    });
  }

  eventsOn(db: number, key: string): KeyspaceEvent[] {
    return this.events.filter((event) => event.db === db && event.key === key);
  }

  async sync(timeoutMs = 5000): Promise<void> {
    const control = this.#control;
    if (control === undefined) {
      throw new Error("Sync the Redis recorder failed: it was stopped; start a new recorder");
    }
    const marker = `${this.#markerChannel}-${++this.#markerCount}`;
    // Redis runs commands one at a time and sends each MONITOR line and notification in
    // execution order, so seeing the marker means everything before it has arrived.
    if (this.#monitor !== undefined) await control.echo(marker);
    if (this.#subscriber !== undefined) await control.publish(this.#markerChannel, marker);
    const deadline = Date.now() + timeoutMs;
    while (!this.#hasSeen(marker)) {
      if (Date.now() > deadline) {
        throw new Error(
          `Sync the Redis recorder failed: marker ${marker} not seen within ${timeoutMs} ms; ` +
            `check that the server still runs`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    const monitor = this.#monitor;
    this.#monitor = undefined;
    if (monitor !== undefined) {
      try {
        monitor.close();
      } catch {
        // Closed already by the server going away.
      }
    }
    await this.#monitorDone.catch(() => {});
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
    this.#control?.disconnect();
    this.#control = undefined;
  }

  #hasSeen(marker: string): boolean {
    const monitorSeen = this.#monitor === undefined || this.#seenMarkers.has(`monitor:${marker}`);
    const eventSeen = this.#subscriber === undefined || this.#seenMarkers.has(marker);
    return monitorSeen && eventSeen;
  }

  async #readMonitor(conn: Deno.UnixConn, confirmed: () => void): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(64 * 1024);
    let pending = "";
    while (true) {
      let count: number | null;
      try {
        count = await conn.read(buffer);
      } catch {
        return;
      }
      if (count === null) return;
      pending += decoder.decode(buffer.subarray(0, count), { stream: true });
      let end = pending.indexOf("\r\n");
      while (end >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        end = pending.indexOf("\r\n");
        if (line === "+OK") {
          confirmed();
          continue;
        }
        const command = parseMonitorLine(line);
        if (
          command.args[0]?.toUpperCase() === "ECHO" && command.args[1]?.startsWith(MARKER_PREFIX)
        ) {
          this.#seenMarkers.add(`monitor:${command.args[1]}`);
        } else if (!command.args.some((arg) => arg.startsWith(MARKER_PREFIX))) {
          this.commands.push(command);
        }
      }
    }
  }
}

/** Commands whose keys may sit at any argument position. */
const MULTI_KEY_COMMANDS = new Set([
  "EVAL",
  "EVALSHA",
  "EVAL_RO",
  "EVALSHA_RO",
  "DEL",
  "UNLINK",
  "EXISTS",
  "MGET",
  "MSET",
  "WATCH",
  "SUNION",
  "SINTER",
  "SDIFF",
]);

/**
 * Parses one MONITOR line: `+<time> [<db> <source>] "arg" "arg" ...`.
 *
 * Arguments are quoted with C-style escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b`,
 * `\xHH`). Bytes are decoded as UTF-8.
 *
 * @throws {SyntaxError} When the line does not have that shape.
 */
export function parseMonitorLine(line: string): RecordedCommand {
  const head = /^\+(\d+(?:\.\d+)?) \[(\d+) ([^\]]*)\] /.exec(line);
  if (head === null) {
    throw new SyntaxError(`Parse MONITOR line failed: unexpected shape ${JSON.stringify(line)}`);
  }
  const args: string[] = [];
  let index = head[0].length;
  while (index < line.length) {
    if (line[index] === " ") {
      index++;
      continue;
    }
    if (line[index] !== '"') {
      throw new SyntaxError(
        `Parse MONITOR line failed: expected a quote at ${index} in ${JSON.stringify(line)}`,
      );
    }
    index++;
    const bytes: number[] = [];
    while (index < line.length && line[index] !== '"') {
      const char = line[index]!;
      if (char !== "\\") {
        bytes.push(...new TextEncoder().encode(char));
        index++;
        continue;
      }
      const next = line[index + 1];
      if (next === "x") {
        bytes.push(Number.parseInt(line.slice(index + 2, index + 4), 16));
        index += 4;
        continue;
      }
      bytes.push((ESCAPES[next ?? ""] ?? next ?? "").charCodeAt(0));
      index += 2;
    }
    if (line[index] !== '"') {
      throw new SyntaxError(`Parse MONITOR line failed: unclosed quote in ${JSON.stringify(line)}`);
    }
    index++;
    args.push(new TextDecoder().decode(new Uint8Array(bytes)));
  }
  return { time: Number(head[1]), db: Number(head[2]), source: head[3]!, args };
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  a: "\x07",
  b: "\b",
  '"': '"',
  "\\": "\\",
};
