import { getLogger } from "@logtape/logtape";
import { ROOT_CATEGORY } from "../logging/setup_logging.ts";

const log = getLogger([ROOT_CATEGORY, "alerting"]);

/** Options of {@linkcode WebhookSender}. */
export interface WebhookSenderOptions {
  /** Time limit of one request, in milliseconds. */
  timeoutMs: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt in milliseconds; doubles for each further attempt. */
  backoffMs: number;
  /**
   * Deliveries queued per rule behind the one in flight; the oldest is dropped (and counted
   * as failed) when a new one arrives at a full queue.
   * @default {16}
   */
  maxQueued?: number;
  /** Called once per delivery that failed after every attempt or was dropped. */
  onFailure?: (rule: string) => void;
}

interface Delivery {
  url: string;
  body: string;
}

/**
 * Posts alert documents to webhooks in the background. Each rule has at most one request in
 * flight and a bounded queue behind it, so a slow receiver cannot pile up connections or
 * memory, and {@linkcode WebhookSender.send} never waits for the network.
 */
export class WebhookSender {
  #options: Required<Omit<WebhookSenderOptions, "onFailure">> & WebhookSenderOptions;
  #queues = new Map<string, Delivery[]>();
  #running = new Map<string, Promise<void>>();
  #abort = new AbortController();
  #sent = 0;

  constructor(options: WebhookSenderOptions) {
    this.#options = { maxQueued: 16, ...options };
  }

  /** Deliveries that a receiver accepted with a 2xx status. */
  get sent(): number {
    return this.#sent;
  }

  /** Queues a JSON document for `url` on behalf of `rule` and returns at once. */
  send(rule: string, url: string, document: unknown): void {
    if (this.#abort.signal.aborted) return;
    let queue = this.#queues.get(rule);
    if (queue === undefined) {
      queue = [];
      this.#queues.set(rule, queue);
    }
    queue.push({ url, body: JSON.stringify(document) });
    if (queue.length > this.#options.maxQueued) {
      queue.shift();
      log.warning("Dropped oldest webhook delivery, queue full", {
        rule,
        limit: this.#options.maxQueued,
      });
      this.#options.onFailure?.(rule);
    }
    if (!this.#running.has(rule)) {
      const run = this.#drain(rule).finally(() => this.#running.delete(rule));
      this.#running.set(rule, run);
    }
  }

  /** Resolves when no delivery is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  /** Aborts requests in flight, drops the queues and waits for the workers to end. */
  async close(): Promise<void> {
    this.#abort.abort();
    this.#queues.clear();
    await this.idle();
  }

  async #drain(rule: string): Promise<void> {
    const queue = this.#queues.get(rule);
    while (queue !== undefined && queue.length > 0 && !this.#abort.signal.aborted) {
      const delivery = queue.shift()!;
      if (await this.#deliver(rule, delivery)) {
        this.#sent++;
      } else if (!this.#abort.signal.aborted) {
        this.#options.onFailure?.(rule);
      }
    }
    this.#queues.delete(rule);
  }

  async #deliver(rule: string, delivery: Delivery): Promise<boolean> {
    const { maxAttempts, timeoutMs, backoffMs } = this.#options;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let problem: string;
      try {
        const response = await fetch(delivery.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: delivery.body,
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(timeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) return true;
        problem = `HTTP ${response.status}`;
      } catch (error) {
        if (this.#abort.signal.aborted) return false;
        problem = error instanceof DOMException && error.name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : error instanceof Error
          ? error.message
          : String(error);
      }
      if (attempt === maxAttempts) {
        log.warning("Failed to deliver alert webhook, giving up", {
          rule,
          url: delivery.url,
          attempts: attempt,
          error: problem,
        });
        return false;
      }
      const delayMs = backoffMs * 2 ** (attempt - 1);
      log.info("Failed to deliver alert webhook, retrying", {
        rule,
        url: delivery.url,
        attempt,
        delayMs,
        error: problem,
      });
      await sleep(delayMs, this.#abort.signal);
    }
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
