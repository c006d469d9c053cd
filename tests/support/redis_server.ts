/**
 * A private `redis-server` per test, reachable only through a unix socket.
 *
 * SONiC daemons talk to Redis through the unix socket named in `database_config.json`
 * (swss-common `DBConnector` default). Each test gets its own server in a fresh temporary folder, configured the
 * way SONiC runs it (keyspace notifications `AKE`, no persistence), plus a matching
 * `database_config.json` to hand to the daemon.
 *
 * @module
 */

import { Redis } from "ioredis";
import { RedisClient } from "../../src/redis/redis_client.ts";
import { buildDatabaseConfig, databaseId } from "./database_config.ts";

/** Options of {@linkcode startRedis}. */
export interface StartRedisOptions {
  /**
   * Path of the `redis-server` binary.
   * @default {"redis-server"}
   */
  binary?: string;
  /**
   * Upper bound for the server to answer PING after spawning, in milliseconds.
   * @default {5000}
   */
  readyTimeoutMs?: number;
  /** Extra `redis.conf` lines appended after the defaults. */
  extraConfig?: string[];
}

/** A running test Redis server and the clients opened on it. */
export interface RedisServer {
  /** Temporary folder with the socket, config files and server log, removed by `stop()`. */
  readonly dir: string;
  /** Unix socket path, the same across `restart()`. */
  readonly socketPath: string;
  /** PID of the current `redis-server` process, which changes on `restart()`. */
  readonly pid: number;
  /** Path of the SONiC `database_config.json` pointing at this server. */
  readonly dbConfigPath: string;
  /**
   * Opens an ioredis client on the database named `dbName` (e.g. `CONFIG_DB`).
   * `stop()` closes it. Clients reconnect by themselves after `kill()` and `restart()`.
   */
  client(dbName: string): Redis;
  /**
   * Opens the daemon's own client (src/redis) on `dbName`, connected, for handing to the
   * daemon's classes. `stop()` closes it. It reconnects every 300 ms after `kill()`.
   */
  daemonClient(dbName: string): Promise<RedisClient>;
  /** Closes clients, ends the server with SIGTERM (SIGKILL after 5 s) and removes `dir`. */
  stop(): Promise<void>;
  /** Ends the server with SIGKILL, like a crash, and removes the stale socket file. */
  kill(): Promise<void>;
  /** Starts a new server on the same socket path, after stopping the current one. */
  restart(): Promise<void>;
}

const STOP_GRACE_MS = 5000;

/**
 * Starts `redis-server` on a unix socket in a new temporary folder and waits until it
 * answers PING.
 *
 * @param options Binary, readiness bound and extra config lines.
 * @returns The running server. Call `stop()` in a `finally` block.
 * @throws {Error} When the server exits early or does not answer within the bound.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = await Deno.makeTempDir({ prefix: "portsyncd-redis-" });
  try {
    const server = new TestRedisServer(dir, options);
    await server.writeFiles();
    await server.spawn();
    return server;
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

class TestRedisServer implements RedisServer {
  readonly dir: string;
  readonly socketPath: string;
  readonly dbConfigPath: string;
  #options: StartRedisOptions;
  #child: Deno.ChildProcess | undefined;
  #clients: Array<Redis | RedisClient> = [];
  #stopped = false;

  constructor(dir: string, options: StartRedisOptions) {
    this.dir = dir;
    this.socketPath = `${dir}/redis.sock`;
    this.dbConfigPath = `${dir}/database_config.json`;
    this.#options = options;
  }

  get pid(): number {
    if (this.#child === undefined) {
      throw new Error(`Read redis-server pid failed: no server runs on ${this.socketPath}`);
    }
    return this.#child.pid;
  }

  async writeFiles(): Promise<void> {
    const lines = [
      "port 0",
      `unixsocket ${this.socketPath}`,
      "unixsocketperm 700",
      'save ""',
      "appendonly no",
      "notify-keyspace-events AKE",
      "databases 20",
      "daemonize no",
      `dir ${this.dir}`,
      `logfile ${this.dir}/redis.log`,
      ...(this.#options.extraConfig ?? []),
    ];
    await Deno.writeTextFile(`${this.dir}/redis.conf`, lines.join("\n") + "\n");
    const config = buildDatabaseConfig(this.socketPath);
    await Deno.writeTextFile(this.dbConfigPath, JSON.stringify(config, null, 2) + "\n");
  }

  async spawn(): Promise<void> {
    const binary = this.#options.binary ?? "redis-server";
    const child = new Deno.Command(binary, {
      args: [`${this.dir}/redis.conf`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#child = child;
    let exited: Deno.CommandStatus | undefined;
    child.status.then((status) => exited = status);
    const timeoutMs = this.#options.readyTimeoutMs ?? 5000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && exited === undefined) {
      if (await answersPing(this.socketPath)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (exited === undefined) {
      child.kill("SIGKILL");
      exited = await child.status;
    }
    this.#child = undefined;
    const log = await Deno.readTextFile(`${this.dir}/redis.log`).catch(() => "");
    throw new Error(
      `Start redis-server on ${this.socketPath} failed: no PONG within ${timeoutMs} ms ` +
        `(exit code ${exited.code}); server log ends with: ${log.slice(-800)}`,
    );
  }

  client(dbName: string): Redis {
    if (this.#stopped) {
      throw new Error(`Open a ${dbName} client failed: the server on ${this.socketPath} stopped`);
    }
    const client = new Redis({
      path: this.socketPath,
      db: databaseId(dbName),
      connectionName: `test-${dbName}`,
      maxRetriesPerRequest: 3,
    });
    // Tests kill and restart the server on purpose; a failed command still rejects, so the
    // connection errors themselves need no report.
    client.on("error", () => {});
    this.#clients.push(client);
    return client;
  }

  async daemonClient(dbName: string): Promise<RedisClient> {
    if (this.#stopped) {
      throw new Error(`Open a ${dbName} client failed: the server on ${this.socketPath} stopped`);
    }
    const client = new RedisClient({
      path: this.socketPath,
      db: databaseId(dbName),
      name: `test-daemon-${dbName}`,
      retryStrategy: () => 300,
    });
    this.#clients.push(client);
    await client.connect();
    return client;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const client of this.#clients.splice(0)) client.disconnect();
    await this.#end("SIGTERM");
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async kill(): Promise<void> {
    await this.#end("SIGKILL");
    await Deno.remove(this.socketPath).catch(() => {});
  }

  async restart(): Promise<void> {
    if (this.#stopped) {
      throw new Error(`Restart redis-server failed: the server on ${this.socketPath} stopped`);
    }
    await this.#end("SIGTERM");
    await this.spawn();
  }

  async #end(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      // A server paused with SIGSTOP handles SIGTERM only once it runs again.
      child.kill("SIGCONT");
      child.kill(signal);
    } catch {
      // Already exited: the status below resolves at once.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS);
    });
    const result = await Promise.race([child.status, timedOut]);
    clearTimeout(timer);
    if (result === "timeout") {
      child.kill("SIGKILL");
      await child.status;
    }
  }
}

/** Sends one inline PING over a fresh unix connection and checks for `+PONG`. */
async function answersPing(socketPath: string): Promise<boolean> {
  let conn: Deno.UnixConn | undefined;
  try {
    conn = await Deno.connect({ transport: "unix", path: socketPath });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const count = await conn.read(buffer);
    return count !== null && new TextDecoder().decode(buffer.subarray(0, count)) === "+PONG\r\n";
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}
