/**
 * Runs the daemon under test inside a test network namespace and captures its log.
 *
 * The daemon is started as a user would start it: `ip netns exec <ns> deno run --allow-all
 * main.ts --db-config <file>`. `ip netns exec` replaces itself with the program, so the PID
 * and signals reach Deno directly. Standard output and standard error are merged into one
 * in-memory list of lines that tests search with `waitForLine`.
 *
 * @module
 */

import type { Namespace } from "./netns.ts";

/** Options of {@linkcode startDaemon}. */
export interface StartDaemonOptions {
  /** Namespace the daemon runs in. The daemon receives link events of this namespace only. */
  namespace: Namespace;
  /** SONiC `database_config.json` path, passed as `--db-config`. */
  dbConfigPath: string;
  /** Daemon config file, passed as `--config`; by default one beside `dbConfigPath` that keeps the state file in that folder. */
  configPath?: string;
  /** More command-line arguments, after the ones above. */
  args?: string[];
  /** Extra environment variables, added to the inherited environment of the test. */
  env?: Record<string, string>;
  /**
   * Script to run, absolute or relative to the repository root. Tests of this harness pass
   * a stand-in here.
   * @default {"main.ts"}
   */
  entry?: string;
  /** Deno flags before `--allow-all`, such as the package's V8 heap limits. */
  denoFlags?: string[];
  /**
   * Program and leading arguments to run instead of `deno run --allow-all <entry>`, for
   * example an installed `/usr/bin/portsyncd`. `--db-config` and the rest follow them.
   */
  command?: string[];
}

/** A running daemon process. */
export interface DaemonProcess {
  /** PID of the Deno process. */
  readonly pid: number;
  /** Every line printed so far on stdout or stderr, in arrival order, without line ends. */
  readonly lines: string[];
  /**
   * Resolves with the first line, printed before or after the call, that matches `pattern`.
   * @throws {Error} When `timeoutMs` passes or the process exits first. The message ends
   * with the last lines of the log.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal to the process. */
  signal(signal: Deno.Signal): void;
  /** Resolves when the process has exited and its output is fully read. */
  readonly exited: Promise<Deno.CommandStatus>;
  /**
   * Sends SIGTERM and waits, then sends SIGKILL when the process is still alive after
   * `timeoutMs` milliseconds (default 5000). Safe to call after the process exited.
   */
  stop(timeoutMs?: number): Promise<Deno.CommandStatus>;
}

/** Repository root: two folders above this file (`tests/support/`). */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/**
 * Starts the daemon (or the given entry script) in `options.namespace`.
 *
 * @param options Namespace, database config and command line.
 * @returns The running process. Call `stop()` in a `finally` block.
 */
export async function startDaemon(options: StartDaemonOptions): Promise<DaemonProcess> {
  const entry = options.entry ?? "main.ts";
  // An installed daemon (`command`) runs in its own root and keeps its packaged config.
  const configPath = options.configPath ??
    (options.command ? undefined : await writeDefaultConfig(options.dbConfigPath));
  const entryPath = entry.startsWith("/") ? entry : `${REPO_ROOT}/${entry}`;
  const args = [
    "netns",
    "exec",
    options.namespace.name,
    ...(options.command ??
      [Deno.execPath(), "run", ...(options.denoFlags ?? []), "--allow-all", entryPath]),
    "--db-config",
    options.dbConfigPath,
    ...(configPath === undefined ? [] : ["--config", configPath]),
    ...(options.args ?? []),
  ];
  const child = new Deno.Command("ip", {
    args,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return new ChildDaemon(child);
}

/**
 * Writes a config beside the database config that keeps the daemon's files in that test
 * folder, so tests never write to `/var/lib/sonic` and never share a snapshot.
 */
async function writeDefaultConfig(dbConfigPath: string): Promise<string> {
  const folder = dbConfigPath.slice(0, dbConfigPath.lastIndexOf("/")) || ".";
  const path = `${folder}/portsyncd.toml`;
  try {
    await Deno.stat(path);
    return path;
  } catch {
    // Missing: write it below.
  }
  await Deno.writeTextFile(path, isolatedConfig(folder));
  return path;
}

/**
 * Returns TOML that keeps every file the daemon writes in `folder` and sends its logs to
 * stderr, where `waitForLine` reads them: the syslog socket named does not exist.
 */
export function isolatedConfig(folder: string): string {
  return [
    "[warm_restart]",
    `state_file = ${JSON.stringify(`${folder}/port_state.json`)}`,
    "[alerting]",
    `history_db = ${JSON.stringify(`${folder}/alerts.db`)}`,
    "[logging]",
    `syslog_socket = ${JSON.stringify(`${folder}/no-syslog`)}`,
    "",
  ].join("\n");
}

const TAIL_LINES = 20;

class ChildDaemon implements DaemonProcess {
  readonly pid: number;
  readonly lines: string[] = [];
  readonly exited: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #status: Deno.CommandStatus | undefined;
  #listeners = new Set<() => void>();

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.pid = child.pid;
    const readers = [this.#readLines(child.stdout), this.#readLines(child.stderr)];
    this.exited = Promise.all([child.status, ...readers]).then(([status]) => {
      this.#status = status;
      this.#notify();
      return status;
    });
  }

  waitForLine(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    let searched = 0;
    return new Promise((resolve, reject) => {
      const check = () => {
        for (; searched < this.lines.length; searched++) {
          const line = this.lines[searched]!;
          if (pattern.test(line)) {
            finish();
            resolve(line);
            return;
          }
        }
        if (this.#status !== undefined) {
          finish();
          reject(
            new Error(
              `Wait for a log line matching ${pattern} failed: the process exited with code ` +
                `${this.#status.code} first; last lines:\n${this.#tail()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `Wait for a log line matching ${pattern} failed: none within ${timeoutMs} ms; ` +
              `last lines:\n${this.#tail()}`,
          ),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  signal(signal: Deno.Signal): void {
    if (this.#status === undefined) this.#child.kill(signal);
  }

  async stop(timeoutMs = 5000): Promise<Deno.CommandStatus> {
    if (this.#status !== undefined) return this.#status;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Exited between the check and the signal.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === "timeout") {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited just now.
      }
    }
    return await this.exited;
  }

  async #readLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      if (parts.length > 0) {
        this.lines.push(...parts.map((line) => line.replace(/\r$/, "")));
        this.#notify();
      }
    }
    if (pending !== "") {
      this.lines.push(pending);
      this.#notify();
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #tail(): string {
    return this.lines.slice(-TAIL_LINES).join("\n");
  }
}
