import { getLogger } from "@logtape/logtape";
import type { RedisClient } from "../redis/redis_client.ts";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";
import { ApplPortTable, PORT_TABLE } from "./appl_port_table.ts";
import type { ApplPortLookup } from "./port_sync.ts";
/** Keyspace events after which the key is gone. `hdel` is not one: a `del` follows it when the hash empties. */
const GONE_EVENTS = new Set(["del", "expired", "evicted", "rename_from", "move_from"]);
/** Field-level events that tell nothing about whether the key still exists. */
const FIELD_EVENTS = new Set(["hdel", "hexpired", "hgetdel"]);
/** Keys asked for per SCAN call. */
const SCAN_COUNT = 1000;
/** Upper bound on SCAN calls of one rescan, far above any APPL_DB size. */
const MAX_SCAN_CALLS = 100_000;
/** Shortest time between two rescans started by lookups after a failed one, in ms. */
const RETRY_INTERVAL_MS = 1000;

/** Options of {@link ApplPortCache}. */
export interface ApplPortCacheOptions {
  /** Client on APPL_DB for CONFIG GET, SCAN and the EXISTS fallback. */
  client: RedisClient;
  /**
   * A connection of its own for keyspace notifications, not connected yet,
   * with `autoResubscribe: false`: the cache subscribes and rescans after every connect. The
   * cache owns it and closes it in {@link ApplPortCache.close}.
   */
  subscriber: RedisClient;
  /** APPL_DB number, part of the keyspace channel name. */
  dbId: number;
  /** APPL_DB key separator, `:` in SONiC. */
  separator: string;
}

const log = getLogger([ROOT_CATEGORY, "sync"]);

/**
 * Keeps the set of APPL_DB `PORT_TABLE:<name>` keys in memory, so a batch of link events
 * needs no Redis read.
 *
 * The set follows keyspace notifications on APPL_DB (`__keyspace@<db>__:PORT_TABLE:*`): any
 * key event means the key exists, except deletions (`del`, `expired`, `evicted`, and the
 * source side of `RENAME`/`MOVE`) and field-level removals, after which Redis sends `del`
 * itself if the hash emptied. The cache subscribes first and scans second; an event seen
 * during the scan wins over the scan's answer for its key, so nothing changes unseen.
 *
 * It answers from memory only while subscribed and scanned. Before that, after the
 * subscriber connection drops (until it is back and a new scan is done), and when the server's
 * `notify-keyspace-events` lacks keyspace events for hashes and generic commands (`K` with
 * `h` and `g`, or `A`), it answers the way `ApplPortTable` does: one pipelined EXISTS per name.
 *
 * FLUSHDB, FLUSHALL and SWAPDB send no keyspace events; SONiC restarts the daemon with them.
 */
export class ApplPortCache implements ApplPortLookup {
  #options: ApplPortCacheOptions;
  #prefix: string;
  #channelPrefix: string;
  #present = new Set<string>();
  /** Keys seen in events during a scan: true when present afterwards. */
  #dirty: Map<string, boolean> | undefined;
  #ready = false;
  #disabled = false;
  #closed = false;
  #generation = 0;
  #refreshing: Promise<void> | undefined;
  #lastFailureAt = -Infinity;
  #fallback: ApplPortTable;

  constructor(options: ApplPortCacheOptions) {
    this.#options = options;
    this.#fallback = new ApplPortTable(options.client, options.separator);
    this.#prefix = `${PORT_TABLE}${options.separator}`;
    this.#channelPrefix = `__keyspace@${options.dbId}__:${this.#prefix}`;
  }

  /** Whether lookups are served from memory. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Connects the subscriber and fills the cache. Never throws: on failure lookups use EXISTS
   * until the subscriber's next connect or a later lookup fills it.
   */
  async start(): Promise<void> {
    const { subscriber } = this.#options;
    subscriber.on("pmessage", (_pattern: string, channel: string, event: string) => {
      this.#onEvent(channel, event);
    });
    subscriber.on("close", () => this.#invalidate());
    subscriber.on("error", (error: Error) => {
      log.warning("APPL_DB notification connection error", { error });
    });
    try {
      await subscriber.connect();
    } catch (error) {
      log.warning("Failed to connect for APPL_DB notifications, reading PORT_TABLE per batch", {
        error,
      });
    }
    subscriber.on("ready", () => {
      this.#disabled = false;
      // A refresh still running belongs to the connection that dropped: run a new one after it.
      void (this.#refreshing ?? Promise.resolve()).then(() => this.#refresh());
    });
    if (subscriber.status === "ready") await this.#refresh();
  }

  /** Stops following APPL_DB and closes the subscriber connection. */
  close(): void {
    this.#closed = true;
    this.#invalidate();
    this.#options.subscriber.disconnect();
  }

  existing(names: string[]): Promise<Set<string>> {
    if (this.#ready) {
      const found = new Set<string>();
      for (const name of names) if (this.#present.has(name)) found.add(name);
      return Promise.resolve(found);
    }
    this.#retryLater();
    return this.#fallback.existing(names);
  }

  /** Starts a refresh from a lookup, at most once per second, when the last one failed. */
  #retryLater(): void {
    if (this.#closed || this.#disabled || this.#refreshing) return;
    if (this.#options.subscriber.status !== "ready") return;
    if (performance.now() - this.#lastFailureAt < RETRY_INTERVAL_MS) return;
    void this.#refresh();
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshOnce().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    const generation = ++this.#generation;
    this.#ready = false;
    const { client, subscriber } = this.#options;
    try {
      const flags = await client.configGet("notify-keyspace-events") ?? "";
      if (!keyspaceEventsCover(flags)) {
        this.#disabled = true;
        log.info(
          "APPL_DB keyspace notifications for hashes are off, reading PORT_TABLE per batch",
          { "notify-keyspace-events": flags },
        );
        return;
      }
      await subscriber.psubscribe(`${escapeGlob(this.#channelPrefix)}*`);
      this.#dirty = new Map();
      const keys = await scanKeys(client, `${escapeGlob(this.#prefix)}*`);
      if (generation !== this.#generation) return;
      const present = new Set(keys.map((key) => key.slice(this.#prefix.length)));
      for (const [name, exists] of this.#dirty) {
        if (exists) present.add(name);
        else present.delete(name);
      }
      this.#present = present;
      this.#ready = true;
      log.info("Following APPL_DB PORT_TABLE through keyspace notifications", {
        keys: present.size,
      });
    } catch (error) {
      this.#lastFailureAt = performance.now();
      log.warning("Failed to load APPL_DB PORT_TABLE keys, reading them per batch for now", {
        error,
      });
    } finally {
      if (generation === this.#generation) this.#dirty = undefined;
    }
  }

  #invalidate(): void {
    this.#generation++;
    this.#ready = false;
    this.#dirty = undefined;
  }

  #onEvent(channel: string, event: string): void {
    if (!channel.startsWith(this.#channelPrefix) || FIELD_EVENTS.has(event)) return;
    const name = channel.slice(this.#channelPrefix.length);
    const exists = !GONE_EVENTS.has(event);
    this.#dirty?.set(name, exists);
    if (exists) this.#present.add(name);
    else this.#present.delete(name);
  }
}

/**
 * Returns whether a `notify-keyspace-events` value sends keyspace events for hash and generic
 * commands: `K` plus either `A` or both `h` and `g`.
 */
export function keyspaceEventsCover(flags: string): boolean {
  return flags.includes("K") &&
    (flags.includes("A") || (flags.includes("h") && flags.includes("g")));
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  for (let call = 0; call < MAX_SCAN_CALLS; call++) {
    const [next, batch] = await client.scan(cursor, pattern, SCAN_COUNT);
    keys.push(...batch);
    cursor = next;
    if (cursor === "0") return keys;
  }
  throw new Error(
    `Failed to scan APPL_DB ${pattern}: more than ${MAX_SCAN_CALLS} SCAN calls, check the database`,
  );
}
