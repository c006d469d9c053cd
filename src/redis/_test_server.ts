/**
 * Test helper that runs a private `redis-server` for the client tests of this folder: on a
 * unix socket in a temporary folder, optionally also on a TCP port of 127.0.0.1. Unlike the
 * helpers of `src/sonic_db/` and `tests/support/`, it does not load ioredis, and it can pause
 * the server with SIGSTOP.
 *
 * @module
 */

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** TCP port of 127.0.0.1 to listen on too, 0 for a free one. When unset, only the unix socket. */
  tcpPort?: number;
}

/** A running test server. */
export interface TestServer {
  /** Temporary folder with the socket and the server log, removed by {@link TestServer.stop}. */
  readonly dir: string;
  /** Unix socket path, the same across {@link TestServer.restart}. */
  readonly socketPath: string;
  /** TCP port on 127.0.0.1, or 0 when the server listens on the unix socket only. */
  readonly port: number;
  /** PID of the current `redis-server` process; it changes on {@link TestServer.restart}. */
  readonly pid: number;
  /** Sends `signal` to the server, such as SIGSTOP to pause it and SIGCONT to resume it. */
  signal(signal: Deno.Signal): void;
  /** Ends the server with SIGKILL, like a crash, and removes its stale socket file. */
  kill(): Promise<void>;
  /** Starts a new server on the same socket and port after ending the current one. */
  restart(): Promise<void>;
  /** Ends the server (SIGCONT, SIGTERM, then SIGKILL after 5 s) and removes the folder. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;
const READY_INTERVAL_MS = 20;
const STOP_GRACE_MS = 5_000;

/**
 * Starts `redis-server` with no persistence and waits until it replies to PING.
 *
 * @throws {Error} When the server exits or does not reply within 5 s.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "redis_client_test_" });
  try {
    const port = options.tcpPort === 0 ? freeTcpPort() : options.tcpPort ?? 0;
    const server = new RedisServerProcess(dir, port);
    await server.spawn();
    return server;
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

class RedisServerProcess implements TestServer {
  readonly dir: string;
  readonly socketPath: string;
  readonly port: number;
  #child: Deno.ChildProcess | undefined;

  constructor(dir: string, port: number) {
    this.dir = dir;
    this.socketPath = `${dir}/redis.sock`;
    this.port = port;
  }

  get pid(): number {
    if (this.#child === undefined) {
      throw new Error(`Failed to read the redis-server PID: no server runs on ${this.socketPath}`);
    }
    return this.#child.pid;
  }

  signal(signal: Deno.Signal): void {
    if (this.#child === undefined) {
      throw new Error(`Failed to send ${signal}: no server runs on ${this.socketPath}`);
    }
    this.#child.kill(signal);
  }

  async spawn(): Promise<void> {
    const args = [
      "--port",
      String(this.port),
      "--unixsocket",
      this.socketPath,
      "--unixsocketperm",
      "700",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--dir",
      this.dir,
      "--logfile",
      `${this.dir}/redis.log`,
    ];
    if (this.port !== 0) args.push("--bind", "127.0.0.1");
    const child = new Deno.Command("redis-server", {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#child = child;
    let exited: Deno.CommandStatus | undefined;
    child.status.then((status) => exited = status);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && exited === undefined) {
      if (await repliesToPing(this.socketPath)) return;
      await new Promise((resolve) => setTimeout(resolve, READY_INTERVAL_MS));
    }
    await this.#end("SIGKILL");
    const log = await Deno.readTextFile(`${this.dir}/redis.log`).catch(() => "");
    throw new Error(
      `Failed to start redis-server on ${this.socketPath}: no PONG within ` +
        `${READY_TIMEOUT_MS} ms; the log ends with: ${log.slice(-600)}`,
    );
  }

  async kill(): Promise<void> {
    await this.#end("SIGKILL");
    await Deno.remove(this.socketPath).catch(() => {});
  }

  async restart(): Promise<void> {
    await this.#end("SIGTERM");
    await this.spawn();
  }

  async stop(): Promise<void> {
    await this.#end("SIGTERM");
    await Deno.remove(this.dir, { recursive: true });
  }

  async #end(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      // A paused server handles SIGTERM only once it runs again.
      child.kill("SIGCONT");
      child.kill(signal);
    } catch {
      // Already exited, so the status below resolves at once.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS);
    });
    const result = await Promise.race([child.status, grace]);
    clearTimeout(timer);
    if (result === "timeout") {
      child.kill("SIGKILL");
      await child.status;
    }
  }
}

/** Returns a TCP port of 127.0.0.1 that was free a moment ago. */
function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Sends an inline PING over a new connection and checks for `+PONG`. */
async function repliesToPing(socketPath: string): Promise<boolean> {
  let conn: Deno.UnixConn | undefined;
  try {
    conn = await Deno.connect({ transport: "unix", path: socketPath });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(16);
    const count = await conn.read(buffer);
    return count !== null && new TextDecoder().decode(buffer.subarray(0, count)) === "+PONG\r\n";
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}
