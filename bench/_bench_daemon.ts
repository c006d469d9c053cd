/**
 * Runs the portsyncd under measurement inside the benchmark's namespace.
 *
 * Contract for `--daemon-cmd`: the command is split on whitespace (no shell quoting) and run as
 * `ip netns exec <ns> <command...> --db-config <path>`, with the repository root as working
 * directory. It must exec the daemon itself (no wrapper that forks), because CPU and memory are
 * read from `/proc/<pid>` of the spawned process. The daemon must follow SONiC's portsyncd
 * contract: APPL_DB ports and `PortConfigDone` from CONFIG_DB, STATE_DB `PORT_TABLE|<port>`,
 * then `PortInitDone`.
 *
 * @module
 */

/** Lines kept for error messages. */
const TAIL_LINES = 30;

/** A running daemon and what it printed. */
export class BenchDaemon {
  readonly pid: number;
  readonly exited: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #tail: string[] = [];
  #matches = new Map<RegExp, number>();
  #done = false;

  private constructor(child: Deno.ChildProcess, watch: RegExp[]) {
    this.#child = child;
    this.pid = child.pid;
    for (const pattern of watch) this.#matches.set(pattern, 0);
    const readers = [this.#read(child.stdout), this.#read(child.stderr)];
    this.exited = Promise.all([child.status, ...readers]).then(([status]) => {
      this.#done = true;
      return status;
    });
  }

  /**
   * Starts `command` in namespace `namespace`. Lines matching a pattern of `watch` are counted.
   */
  static start(
    namespace: string,
    command: string[],
    dbConfigPath: string,
    cwd: string,
    watch: RegExp[],
  ): BenchDaemon {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", namespace, ...command, "--db-config", dbConfigPath],
      cwd,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new BenchDaemon(child, watch);
  }

  /** Whether the process has exited. */
  get done(): boolean {
    return this.#done;
  }

  /** Number of printed lines that matched `pattern` so far. */
  count(pattern: RegExp): number {
    return this.#matches.get(pattern) ?? 0;
  }

  /** The last lines printed. */
  tail(): string {
    return this.#tail.join("\n");
  }

  /** Sends SIGTERM, then SIGKILL after `timeoutMs`, and waits for the exit. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.#done) return;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), timeoutMs)
    );
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === "late") {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited just now.
      }
    }
    await this.exited;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) this.#line(line);
    }
    if (pending !== "") this.#line(pending);
  }

  #line(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    for (const [pattern, count] of this.#matches) {
      if (pattern.test(line)) this.#matches.set(pattern, count + 1);
    }
  }
}
