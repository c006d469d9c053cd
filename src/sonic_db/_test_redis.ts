/**
 * Test helper that runs a private `redis-server` on a unix socket in a temporary folder.
 * Only the `*_test.ts` files of this folder use it.
 *
 * @module
 */

import { Redis } from "ioredis";
import type { RedisClient } from "../redis/redis_client.ts";
import { createConnection } from "./connection.ts";
import { loadDatabaseConfig } from "./database_config.ts";

/** A running test Redis server. */
export interface TestRedis {
  /** Temporary folder for the server and other test files. It contains the socket unless the caller chose another path. */
  dir: string;
  /** Unix socket of the server. */
  socketPath: string;
  /** Stop the server (SIGTERM, then SIGKILL after 5 s) and remove `dir`. */
  stop(): Promise<void>;
}

const READY_ATTEMPTS = 100;
const READY_INTERVAL_MS = 50;
const STOP_TIMEOUT_MS = 5000;

/**
 * Start `redis-server` with no TCP port, no persistence and keyspace events on, and wait
 * until it replies to PING on its socket.
 *
 * @param socketPath Socket to listen on. Default: `redis.sock` in a new temporary folder.
 * @throws {Error} When the server does not answer within 5 s.
 */
export async function startTestRedis(socketPath?: string): Promise<TestRedis> {
  const dir = await Deno.makeTempDir({ prefix: "sonic_db_test_" });
  socketPath ??= `${dir}/redis.sock`;
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      "0",
      "--unixsocket",
      socketPath,
      "--save",
      "",
      "--appendonly",
      "no",
      "--notify-keyspace-events",
      "AKE",
      "--dir",
      dir,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();

  async function stop(): Promise<void> {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }, STOP_TIMEOUT_MS);
    try {
      await child.status;
    } finally {
      clearTimeout(timer);
      await Deno.remove(dir, { recursive: true });
    }
  }

  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
    if (await answersPing(socketPath)) return { dir, socketPath, stop };
    await new Promise((resolve) => setTimeout(resolve, READY_INTERVAL_MS));
  }
  await stop();
  throw new Error(`Failed to start redis-server on ${socketPath}: no PONG within 5 s`);
}

async function answersPing(socketPath: string): Promise<boolean> {
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path: socketPath });
  } catch {
    return false;
  }
  try {
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const count = await conn.read(buffer);
    return count !== null && new TextDecoder().decode(buffer.subarray(0, count)) === "+PONG\r\n";
  } finally {
    conn.close();
  }
}

/**
 * Write a `database_config.json` into `dir` that points APPL_DB (0), CONFIG_DB (4) and
 * STATE_DB (6), plus a test DB 9, at the socket, as the SONiC sample does.
 *
 * @returns The path of the written file.
 */
export async function writeTestDatabaseConfig(dir: string, socketPath: string): Promise<string> {
  const path = `${dir}/database_config.json`;
  const config = {
    INSTANCES: {
      redis: { hostname: "127.0.0.1", port: 6379, unix_socket_path: socketPath },
    },
    DATABASES: {
      APPL_DB: { id: 0, separator: ":", instance: "redis" },
      CONFIG_DB: { id: 4, separator: "|", instance: "redis" },
      STATE_DB: { id: 6, separator: "|", instance: "redis" },
      TEST_DB: { id: 9, separator: ":", instance: "redis" },
    },
    VERSION: "1.0",
  };
  await Deno.writeTextFile(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * Runs `fn` with a connection to STATE_DB of a private redis-server, then stops the server.
 * `purpose` names the connection (`portsyncd-<purpose>` in CLIENT LIST).
 */
export async function withStateDb(
  purpose: string,
  fn: (client: RedisClient) => Promise<void>,
): Promise<void> {
  const server = await startTestRedis();
  const config = await loadDatabaseConfig(
    await writeTestDatabaseConfig(server.dir, server.socketPath),
  );
  const client = createConnection(config, "STATE_DB", { purpose });
  try {
    await client.connect();
    await fn(client);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/**
 * Opens an ioredis connection in MONITOR mode on the server of `client`, to see every command
 * the daemon's client sends. Disconnect it when done.
 */
export async function monitorOf(client: RedisClient): Promise<Redis> {
  const watcher = new Redis({ path: client.options.path, lazyConnect: true });
  await watcher.connect();
  try {
    return await watcher.monitor();
  } finally {
    // monitor() opens a connection of its own; this one would retry after the server stops.
    watcher.disconnect();
  }
}
