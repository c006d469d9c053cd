/**
 * Throw-away network namespaces with veth "front-panel" ports.
 *
 * The daemon reads link events of the namespace it runs in. Each test makes its own
 * namespace with a random name, adds veth pairs whose front end carries a SONiC port name
 * (`Ethernet0`) and whose peer (`p-Ethernet0`) plays the cable's far end, and deletes the
 * namespace at the end. The kernel reports the front end RUNNING (carrier) only while both
 * ends are up, so `ip link set p-Ethernet0 down` is a cable pull.
 *
 * @module
 */

/** Options of {@linkcode Namespace.addPort}. */
export interface AddPortOptions {
  /** MTU of both ends, in bytes. Unset keeps the kernel default (1500). */
  mtu?: number;
  /**
   * Sets the front-panel end administratively up.
   * @default {false}
   */
  up?: boolean;
  /**
   * Sets the peer end up, which gives the front end carrier once it is up too.
   * @default {false}
   */
  peerUp?: boolean;
}

/** A port created by {@linkcode Namespace.addPort}. */
export interface AddedPort {
  /** Interface index of the front-panel end inside the namespace. */
  ifindex: number;
  /** Name of the peer end. */
  peer: string;
}

/** A network namespace owned by the test that created it. */
export interface Namespace {
  /** Namespace name, as in `ip netns list`. */
  readonly name: string;
  /**
   * Runs `ip -n <name> ...args` and returns its stdout.
   * @throws {Error} With ip's stderr when the command fails.
   */
  run(args: string[]): Promise<string>;
  /**
   * Runs any program inside the namespace (`ip netns exec <name> ...command`) and returns stdout.
   * @throws {Error} With the program's stderr when it fails.
   */
  exec(command: string[]): Promise<string>;
  /** Adds a veth pair `name` / `p-<name>` (peer name cut to 15 characters). */
  addPort(name: string, options?: AddPortOptions): Promise<AddedPort>;
  /** Reads the interface index of `name`. */
  ifindex(name: string): Promise<number>;
  /**
   * Reads the `IFF_*` flag word of `name` as an RTM_NEWLINK message would carry it
   * (UP 0x1, RUNNING 0x40, LOWER_UP 0x10000), derived from sysfs because `ip` hides RUNNING.
   */
  flags(name: string): Promise<number>;
  /** Runs many `ip` commands in one process (`ip -n <name> -batch -`), for fast flaps. */
  batch(commands: string[]): Promise<void>;
  /** Deletes the namespace and every interface in it. Safe to call twice. */
  delete(): Promise<void>;
}

/** Interface flag bits of `<linux/if.h>`. */
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFF_LOWER_UP = 0x10000;
const IFF_DORMANT = 0x20000;

/** Linux interface names hold at most 15 bytes (IFNAMSIZ 16 with the final NUL). */
const IFNAMSIZ_MAX_CHARS = 15;

/**
 * Creates a network namespace named `<prefix>-<8 random hex digits>`.
 *
 * @param prefix Start of the name, to tell which test left a namespace behind.
 * @returns The namespace. Call `delete()` in a `finally` block.
 * @throws {Error} When `ip netns add` fails (not root, or iproute2 missing).
 */
export async function createNamespace(prefix = "psd"): Promise<Namespace> {
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(16).padStart(8, "0");
  const name = `${prefix}-${suffix}`;
  await runProgram("ip", ["netns", "add", name], `Create namespace ${name}`);
  const ns = new TestNamespace(name);
  try {
    await ns.run(["link", "set", "lo", "up"]);
  } catch (error) {
    await ns.delete();
    throw error;
  }
  return ns;
}

/** Peer name for a front-panel port: `p-` plus the name, cut to 15 characters. */
export function peerName(name: string): string {
  return `p-${name}`.slice(0, IFNAMSIZ_MAX_CHARS);
}

class TestNamespace implements Namespace {
  readonly name: string;
  #deleted = false;

  constructor(name: string) {
    this.name = name;
  }

  run(args: string[]): Promise<string> {
    return runProgram("ip", ["-n", this.name, ...args], `Run ip ${args.join(" ")} in ${this.name}`);
  }

  exec(command: string[]): Promise<string> {
    return runProgram(
      "ip",
      ["netns", "exec", this.name, ...command],
      `Run ${command.join(" ")} in ${this.name}`,
    );
  }

  async addPort(name: string, options: AddPortOptions = {}): Promise<AddedPort> {
    const peer = peerName(name);
    const mtu = options.mtu === undefined ? [] : ["mtu", String(options.mtu)];
    await this.run(["link", "add", name, ...mtu, "type", "veth", "peer", "name", peer, ...mtu]);
    if (options.peerUp) await this.run(["link", "set", peer, "up"]);
    if (options.up) await this.run(["link", "set", name, "up"]);
    return { ifindex: await this.ifindex(name), peer };
  }

  async ifindex(name: string): Promise<number> {
    const parsed: unknown = JSON.parse(await this.run(["-j", "link", "show", "dev", name]));
    const first = Array.isArray(parsed) ? parsed[0] as { ifindex?: unknown } : undefined;
    if (typeof first?.ifindex !== "number") {
      throw new Error(`Read ifindex of ${name} in ${this.name} failed: ip printed no ifindex`);
    }
    return first.ifindex;
  }

  async flags(name: string): Promise<number> {
    // sysfs `flags` contains the configured flags only. The kernel adds RUNNING, LOWER_UP and
    // DORMANT when it reports a link (dev_get_flags), so they are derived here the same way.
    const script =
      'cd "/sys/class/net/$1" && cat flags operstate && (cat carrier 2>/dev/null || echo 0)';
    const text = await this.exec(["sh", "-c", script, "sh", name]);
    const [flagsText = "", operstate = "", carrier = ""] = text.trim().split("\n");
    const configured = Number.parseInt(flagsText, 16);
    if (Number.isNaN(configured)) {
      throw new Error(`Read flags of ${name} in ${this.name} failed: sysfs gave "${text.trim()}"`);
    }
    let flags = configured & ~(IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT);
    if ((configured & IFF_UP) !== 0) {
      if (operstate === "up" || operstate === "unknown") flags |= IFF_RUNNING;
      if (carrier === "1") flags |= IFF_LOWER_UP;
      if (operstate === "dormant") flags |= IFF_DORMANT;
    }
    return flags;
  }

  async batch(commands: string[]): Promise<void> {
    await runProgram(
      "ip",
      ["-n", this.name, "-batch", "-"],
      `Run an ip batch of ${commands.length} commands in ${this.name}`,
      commands.join("\n") + "\n",
    );
  }

  async delete(): Promise<void> {
    if (this.#deleted) return;
    await runProgram("ip", ["netns", "del", this.name], `Delete namespace ${this.name}`);
    this.#deleted = true;
  }
}

/** Runs a program to completion and returns stdout, or throws with stderr. */
async function runProgram(
  program: string,
  args: string[],
  action: string,
  input?: string,
): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `${action} failed: exit code ${output.code}, stderr: ${decoder.decode(output.stderr).trim()}`,
    );
  }
  return decoder.decode(output.stdout);
}
