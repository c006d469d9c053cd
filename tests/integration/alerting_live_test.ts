/**
 * Alerting against the live daemon in a network namespace: a veth port flaps until the flap
 * rule fires, and the test finds the change in the SQLite history, at `GET /alerts`, in
 * `portsyncd alerts`, as a webhook POST and as `portsyncd_alerts_firing`; then it resolves.
 * Also: webhook receiver down or slow, a silence, a corrupt history file, history kept over a
 * restart, and every metric the shipped Prometheus rules and Grafana dashboard query present
 * in a live `/metrics`.
 *
 * The metrics server is plain HTTP on the namespace's loopback (`tls = false`), reached with
 * `ip netns exec <ns> curl`; the webhook receiver runs in the namespace too.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { Redis } from "ioredis";
import { HISTORY_SCHEMA_VERSION } from "../../src/alerting/_history_schema.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  createNamespace,
  type DaemonProcess,
  type Namespace,
  Orchagent,
  P2_PORTS,
  readStatePort,
  type RedisServer,
  REPO_ROOT,
  seedConfigPorts,
  startDaemon,
  startRedis,
  waitFor,
} from "../support/mod.ts";
import { metricNames, shippedQueries } from "../support/shipped_queries.ts";
import { sleep } from "./_world.ts";

const METRICS_URL = "http://127.0.0.1:9090";
const HOOK_PORT = 8080;
/** A port nothing listens on in the namespace, for the receiver-down case. */
const CLOSED_PORT = 8081;
const FLAP_THRESHOLD_TEXT = "rate > 1/s";

/**
 * Returns TOML for the built-in flap rule with test thresholds: more than one oper change per
 * second over 2 s, for 600 ms both ways, with a webhook.
 */
function flapRule(options: { id?: string; webhookUrl?: string } = {}): string {
  return [
    "[[alerting.rules]]",
    `id = "${options.id ?? "port_flapping"}"`,
    'metric = "portsyncd_port_oper_flaps_total"',
    "matchers = ['port=\"Ethernet0\"']",
    'condition = "rate_of_change"',
    "threshold = 1",
    'window = "2s"',
    'for = "600ms"',
    'severity = "warning"',
    'actions = ["log", "webhook"]',
    ...(options.webhookUrl ? [`webhook_url = "${options.webhookUrl}"`] : []),
    'summary = "Ethernet0 flaps in the alerting test"',
    "",
  ].join("\n");
}

/** `[alerting]` keys shared by the tests: fast evaluation and short webhook retries. */
function alertingKeys(webhookPort = HOOK_PORT): string {
  return [
    "interval_ms = 200",
    `webhook_url = "http://127.0.0.1:${webhookPort}/hook"`,
    "webhook_timeout_ms = 400",
    "webhook_max_attempts = 2",
    "webhook_backoff_ms = 50",
    "",
  ].join("\n");
}

interface HookRequest {
  method: string;
  path: string;
  contentType: string | null;
  body: string;
}

/** The webhook receiver of `_webhook_receiver.ts`, running inside the namespace. */
class WebhookReceiver {
  readonly requests: HookRequest[] = [];
  #child: Deno.ChildProcess;
  #done: Promise<unknown>;
  #listening: Promise<void>;

  constructor(ns: Namespace, port: number, delayMs: number) {
    const script = `${REPO_ROOT}/tests/integration/_webhook_receiver.ts`;
    this.#child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        ns.name,
        Deno.execPath(),
        "run",
        "--allow-net",
        script,
        "--port",
        String(port),
        "--delay-ms",
        String(delayMs),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let ready!: () => void;
    this.#listening = new Promise((resolve) => ready = resolve);
    this.#done = Promise.all([this.#read(ready), this.#child.status]);
  }

  static async start(ns: Namespace, port = HOOK_PORT, delayMs = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(ns, port, delayMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), 10_000);
    });
    const first = await Promise.race([receiver.#listening, timeout]);
    clearTimeout(timer);
    if (first === "timeout") {
      await receiver.stop();
      throw new Error(`Start webhook receiver failed: not listening on ${port} within 10 s`);
    }
    return receiver;
  }

  /** Requests whose JSON body has this `rule`, with the body parsed. */
  posts(rule: string): Array<HookRequest & { document: Record<string, unknown> }> {
    return this.requests.map((request) => ({
      ...request,
      document: JSON.parse(request.body) as Record<string, unknown>,
    })).filter((request) => request.document.rule === rule);
  }

  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Exited already.
    }
    await this.#done;
  }

  async #read(ready: () => void): Promise<void> {
    let pending = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const parsed = JSON.parse(line) as HookRequest | { listening: number };
        if ("listening" in parsed) ready();
        else this.requests.push(parsed);
      }
    }
  }
}

/** What one test works with. */
interface AlertWorld {
  redis: RedisServer;
  ns: Namespace;
  stateDb: Redis;
  dir: string;
  historyPath: string;
  /**
   * Writes the config with `alerting` appended under `[alerting]` and starts the daemon; on
   * the first start, creates Ethernet0 `portDelayMs` after the APPL_DB write.
   */
  start(alerting: string, portDelayMs?: number): Promise<DaemonProcess>;
  /** Starts a webhook receiver in the namespace; stopped at the end of the test. */
  receiver(port?: number, delayMs?: number): Promise<WebhookReceiver>;
  /** The daemon started last. */
  readonly daemon: DaemonProcess;
}

async function withAlertWorld(
  prefix: string,
  body: (world: AlertWorld) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  const daemons: DaemonProcess[] = [];
  const receivers: WebhookReceiver[] = [];
  let ns: Namespace | undefined;
  let orchagent: Orchagent | undefined;
  const dir = await Deno.makeTempDir({ prefix: "portsyncd-alerts-" });
  try {
    ns = await createNamespace(prefix);
    orchagent = new Orchagent(redis.client("APPL_DB"));
    await seedConfigPorts(redis.client("CONFIG_DB"), { Ethernet0: P2_PORTS.Ethernet0! });
    const namespace = ns;
    const agent = orchagent;
    const historyPath = `${dir}/alerts.db`;
    let portAdded = false;
    const world: AlertWorld = {
      redis,
      ns: namespace,
      stateDb: redis.client("STATE_DB"),
      dir,
      historyPath,
      async start(alerting, portDelayMs = 0) {
        const configPath = `${dir}/portsyncd.toml`;
        await Deno.writeTextFile(
          configPath,
          [
            "[metrics]",
            `listen = "127.0.0.1:9090"`,
            "tls = false",
            "[warm_restart]",
            `state_file = ${JSON.stringify(`${dir}/port_state.json`)}`,
            "snapshot_interval_ms = 100",
            "[logging]",
            `syslog_socket = ${JSON.stringify(`${dir}/no-syslog`)}`,
            "[alerting]",
            `history_db = ${JSON.stringify(historyPath)}`,
            alerting,
          ].join("\n"),
        );
        const daemon = await startDaemon({
          namespace,
          dbConfigPath: redis.dbConfigPath,
          configPath,
          args: ["--log-level", "INFO"],
        });
        daemons.push(daemon);
        await daemon.waitForLine(/Serving metrics/, 10_000);
        if (!portAdded) {
          // A cold start: Ethernet0 appears after PortConfigDone, as orchagent creates it.
          await daemon.waitForLine(/Wrote ports to APPL_DB/, 10_000);
          await agent.startAuto();
          await sleep(portDelayMs);
          await namespace.addPort("Ethernet0", { up: true, peerUp: true, mtu: 9100 });
          portAdded = true;
        }
        await waitOper(world, "up");
        return daemon;
      },
      async receiver(port = HOOK_PORT, delayMs = 0) {
        const receiver = await WebhookReceiver.start(namespace, port, delayMs);
        receivers.push(receiver);
        return receiver;
      },
      get daemon() {
        const daemon = daemons.at(-1);
        if (daemon === undefined) throw new Error("Read the daemon failed: none started yet");
        return daemon;
      },
    };
    await body(world);
    for (const daemon of daemons) {
      const status = await daemon.stop();
      if (status.code !== 0) throw new Error(`Stop the daemon failed: exit code ${status.code}`);
    }
  } catch (error) {
    const last = daemons.at(-1);
    // deno-lint-ignore no-console
    if (last) console.error(`daemon log:\n${last.lines.slice(-60).join("\n")}`);
    throw error;
  } finally {
    for (const daemon of daemons) await daemon.stop();
    for (const receiver of receivers) await receiver.stop();
    await orchagent?.stop().catch(() => {});
    await ns?.delete();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Waits for Ethernet0's oper status in STATE_DB. A carrier change reaches the kernel's oper
 * state through linkwatch, which runs at most once a second and later on a busy machine.
 */
async function waitOper(world: AlertWorld, oper: "up" | "down", timeoutMs = 5000) {
  await waitFor(
    async () => (await readStatePort(world.stateDb, "Ethernet0"))?.netdev_oper_status === oper,
    { message: `STATE_DB Ethernet0 oper ${oper}`, timeoutMs },
  );
}

/**
 * Toggles the carrier of Ethernet0 (its peer's admin state) about every 100 ms until stopped,
 * at most 300 times; `stop()` leaves the peer up.
 */
function startFlapping(ns: Namespace): { stop(): Promise<number> } {
  let stopped = false;
  let toggles = 0;
  const loop = (async () => {
    for (; toggles < 300 && !stopped; toggles++) {
      await ns.run(["link", "set", "p-Ethernet0", toggles % 2 === 0 ? "down" : "up"]);
      await sleep(100);
    }
    await ns.run(["link", "set", "p-Ethernet0", "up"]);
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return toggles;
    },
  };
}

/** GETs `path` from the metrics server inside the namespace; throws unless HTTP 200. */
async function httpGet(world: AlertWorld, path: string): Promise<string> {
  const output = await new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      world.ns.name,
      "curl",
      "-sS",
      "--max-time",
      "5",
      "-w",
      "\n%{http_code}",
      `${METRICS_URL}${path}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const cut = stdout.lastIndexOf("\n");
  const status = stdout.slice(cut + 1);
  if (output.code !== 0 || status !== "200") {
    throw new Error(
      `GET ${path} failed: curl exit ${output.code}, HTTP ${status}, ${
        new TextDecoder().decode(output.stderr).trim()
      } ${stdout.slice(0, cut)}`,
    );
  }
  return stdout.slice(0, cut);
}

interface AlertsDocument {
  active: Array<{
    rule: string;
    labels: Record<string, string>;
    state: string;
    severity: string;
    value: number | null;
    threshold: string;
    silenced: boolean;
  }>;
  history: Array<HistoryJson> | null;
}

interface HistoryJson {
  id: number;
  rule: string;
  labels: Record<string, string>;
  from: string;
  to: string;
  value: number | null;
  threshold: string;
  severity: string;
  at: string;
  silenced: boolean;
}

async function getAlerts(world: AlertWorld, query: string): Promise<AlertsDocument> {
  return JSON.parse(await httpGet(world, `/alerts?${query}`)) as AlertsDocument;
}

/** One sample line of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`Parse metrics line failed: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]!] = JSON.parse(`"${label[2]}"`) as string;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Value of the sample with exactly these labels, undefined when absent. */
function sampleOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return samples.find((sample) =>
    sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === want
  )?.value;
}

async function metrics(world: AlertWorld): Promise<Sample[]> {
  return parseSamples(await httpGet(world, "/metrics"));
}

interface HistoryDbRow {
  id: number;
  at_ms: number;
  rule: string;
  labels: string;
  from_state: string;
  to_state: string;
  value: number | null;
  threshold: string;
  severity: string;
  silenced: number;
}

/** Reads the history file with node:sqlite, read-only, as another process would. */
function readHistoryDb(
  path: string,
): { rows: HistoryDbRow[]; journalMode: string; version: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare("SELECT * FROM alert_history ORDER BY id")
      .all() as unknown as HistoryDbRow[];
    const journal = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    const version = db.prepare("PRAGMA user_version").get() as { user_version: number };
    return { rows, journalMode: journal.journal_mode, version: Number(version.user_version) };
  } finally {
    db.close();
  }
}

function waitHistoryRow(
  world: AlertWorld,
  predicate: (row: HistoryDbRow) => boolean,
  message: string,
  timeoutMs = 10_000,
): Promise<HistoryDbRow> {
  return waitFor(
    () => Promise.resolve(readHistoryDb(world.historyPath).rows.find(predicate)),
    { message, timeoutMs, intervalMs: 100 },
  );
}

/** Runs `portsyncd alerts` outside the namespace, as an operator on the switch would. */
async function alertsCli(args: string[]): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/main.ts`, "alerts", ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  if (output.code !== 0) throw new Error(`Run portsyncd alerts failed: ${stderr}`);
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

const FLAP_LABELS = { port: "Ethernet0" };
const FIRING_SERIES = { rule: "port_flapping", severity: "warning" };

Deno.test("flap alert fires and resolves", async () => {
  await withAlertWorld("alert-flap", async (world) => {
    const receiver = await world.receiver();
    await world.start(alertingKeys() + flapRule());
    const before = await metrics(world);
    assertEquals(sampleOf(before, "portsyncd_alerts_firing", FIRING_SERIES), 0);

    const flapper = startFlapping(world.ns);
    let firing: HistoryDbRow;
    try {
      firing = await waitHistoryRow(
        world,
        (row) => row.rule === "port_flapping" && row.to_state === "firing",
        "history row of port_flapping firing",
      );
      // SQLite: the pending row, then the firing row, in WAL mode at the current schema.
      const stored = readHistoryDb(world.historyPath);
      assertEquals(stored.journalMode, "wal");
      assertEquals(stored.version, HISTORY_SCHEMA_VERSION);
      const flapRows = stored.rows.filter((row) => row.rule === "port_flapping");
      assertEquals(flapRows.map((row) => [row.from_state, row.to_state]).slice(0, 2), [
        ["inactive", "pending"],
        ["pending", "firing"],
      ]);
      assertEquals(JSON.parse(firing.labels), FLAP_LABELS);
      assertEquals(
        [firing.severity, firing.threshold, firing.silenced],
        ["warning", FLAP_THRESHOLD_TEXT, 0],
      );
      assert(firing.value !== null, "firing row without a value");
      assert(firing.value > 1, `firing value ${firing.value}`);
      assert(firing.at_ms - flapRows[0]!.at_ms >= 600, "fired before the for duration");

      // GET /alerts with state and rule filters.
      const alerts = await getAlerts(world, "state=firing&rule=port_flapping");
      assertEquals(alerts.active.length, 1, JSON.stringify(alerts));
      const active = alerts.active[0]!;
      assertEquals(
        [active.rule, active.labels, active.state, active.severity, active.silenced],
        ["port_flapping", FLAP_LABELS, "firing", "warning", false],
      );
      assert(alerts.history !== null, "no history open");
      assert(alerts.history.length >= 1, JSON.stringify(alerts));
      assert(alerts.history.every((row) => row.rule === "port_flapping" && row.to === "firing"));
      assert(alerts.history.some((row) => row.id === firing.id));
      assertEquals(await getAlerts(world, "state=resolved&rule=port_flapping"), {
        active: [],
        history: [],
      });
      assertEquals(await getAlerts(world, "rule=redis_disconnected"), {
        active: [],
        history: [],
      });

      // The metric while firing.
      assertEquals(sampleOf(await metrics(world), "portsyncd_alerts_firing", FIRING_SERIES), 1);

      // The webhook POST.
      const request = await waitFor(
        () =>
          Promise.resolve(
            receiver.posts("port_flapping").find((post) => post.document.state === "firing"),
          ),
        { message: "webhook POST of port_flapping firing", timeoutMs: 5000 },
      );
      const posted = request.document;
      assertEquals([request.method, request.path], ["POST", "/hook"]);
      assertEquals(request.contentType, "application/json");
      assertEquals(
        {
          version: posted.version,
          source: posted.source,
          labels: posted.labels,
          previous: posted.previous,
          severity: posted.severity,
          threshold: posted.threshold,
          summary: posted.summary,
        },
        {
          version: 1,
          source: "portsyncd",
          labels: FLAP_LABELS,
          previous: "pending",
          severity: "warning",
          threshold: FLAP_THRESHOLD_TEXT,
          summary: "Ethernet0 flaps in the alerting test",
        },
      );
      assertEquals(posted.value, firing.value);
      assertEquals(posted.at, new Date(firing.at_ms).toISOString());
      assertEquals(typeof posted.host, "string");

      // The command line, while the daemon writes.
      const json = JSON.parse((await alertsCli(["--db", world.historyPath, "--json"])).stdout);
      assert(
        (json as HistoryJson[]).some((row) =>
          row.id === firing.id && row.to === "firing" && row.from === "pending" &&
          row.rule === "port_flapping" && row.labels.port === "Ethernet0"
        ),
        JSON.stringify(json),
      );
    } finally {
      await flapper.stop();
    }

    // Flapping stopped: the rate falls under the threshold and the alert resolves.
    const resolved = await waitHistoryRow(
      world,
      (row) => row.rule === "port_flapping" && row.to_state === "resolved",
      "history row of port_flapping resolved",
    );
    assertEquals([resolved.from_state, JSON.parse(resolved.labels)], ["firing", FLAP_LABELS]);
    assert(resolved.value !== null, "resolved row without a value");
    assert(resolved.value <= 1, `resolved value ${resolved.value}`);
    const after = await getAlerts(world, "rule=port_flapping");
    assertEquals(after.active, []);
    assertEquals(after.history?.[0]?.to, "resolved");
    assertEquals(
      (await getAlerts(world, "state=resolved&rule=port_flapping")).history?.map((r) => r.id),
      [resolved.id],
    );
    assertEquals(sampleOf(await metrics(world), "portsyncd_alerts_firing", FIRING_SERIES), 0);
    const resolvedPost = await waitFor(
      () =>
        Promise.resolve(
          receiver.posts("port_flapping").find((post) => post.document.state === "resolved"),
        ),
      { message: "webhook POST of port_flapping resolved", timeoutMs: 5000 },
    );
    assertEquals(resolvedPost.document.previous, "firing");

    // Restart keeps history; the command line reads it while the daemon is down.
    const rowsBefore = readHistoryDb(world.historyPath).rows;
    assertEquals((await world.daemon.stop()).code, 0);
    const table = (await alertsCli(["--db", world.historyPath, "--rule", "port_flapping"]))
      .stdout;
    const lines = table.trimEnd().split("\n");
    assertMatch(lines[0]!, /^TIME\s+RULE\s+LABELS\s+FROM\s+TO\s+SEVERITY\s+VALUE\s+THRESHOLD$/);
    assertMatch(table, /port_flapping\s+\{port="Ethernet0"\}\s+pending\s+firing\s+warning/);
    assertMatch(table, /port_flapping\s+\{port="Ethernet0"\}\s+firing\s+resolved\s+warning/);
    const resolvedOnly = (await alertsCli(["--db", world.historyPath, "--state", "resolved"]))
      .stdout;
    assertEquals(resolvedOnly.trimEnd().split("\n").length, 2, resolvedOnly);

    await world.start(alertingKeys() + flapRule());
    await world.daemon.waitForLine(/Started alerting/);
    const kept = await getAlerts(world, "rule=port_flapping&limit=1000");
    assertEquals(
      kept.history?.map((row) => row.id).sort((a, b) => a - b),
      rowsBefore.filter((row) => row.rule === "port_flapping").map((row) => row.id),
    );
    assertEquals(
      readHistoryDb(world.historyPath).rows.slice(0, rowsBefore.length),
      rowsBefore,
    );
    assertEquals(
      [...Deno.readDirSync(world.dir)].filter((entry) => entry.name.includes("corrupt")),
      [],
    );
  });
});

/** Flaps Ethernet0 until `done` returns a value, then stops flapping and returns it. */
async function flapUntil<T>(
  world: AlertWorld,
  done: () => Promise<T | undefined | false>,
  message: string,
): Promise<T> {
  const flapper = startFlapping(world.ns);
  try {
    return await waitFor(done, { message, timeoutMs: 15_000, intervalMs: 100 });
  } finally {
    await flapper.stop();
  }
}

Deno.test("restart ends alerts left open", async () => {
  await withAlertWorld("alert-open", async (world) => {
    await world.start(alertingKeys() + flapRule());
    const firing = await flapUntil(
      world,
      () =>
        Promise.resolve(
          readHistoryDb(world.historyPath).rows.find((row) =>
            row.rule === "port_flapping" && row.to_state === "firing"
          ),
        ),
      "history row of port_flapping firing",
    );
    // Stopped while the alert fires: the old process never writes its end.
    assertEquals((await world.daemon.stop()).code, 0);
    const stoppedAt = Date.now();
    const last = readHistoryDb(world.historyPath).rows.at(-1)!;
    assertEquals([last.rule, last.to_state], ["port_flapping", "firing"]);

    await world.start(alertingKeys() + flapRule());
    await world.daemon.waitForLine(/Ended alerts left open by the previous process/, 5000);
    const rows = readHistoryDb(world.historyPath).rows.filter((row) =>
      row.rule === "port_flapping"
    );
    const ended = rows.at(-1)!;
    assertEquals(
      [ended.from_state, ended.to_state, ended.value, ended.labels],
      ["firing", "resolved", null, firing.labels],
    );
    assert(ended.at_ms >= stoppedAt, "the end row is written by the new process");
    assertEquals((await getAlerts(world, "rule=port_flapping")).active, []);
  });
});

Deno.test("default flap rule counts changes", async () => {
  await withAlertWorld("alert-default", async (world) => {
    // The built-in rule: more than 6 oper changes in 2 minutes. Ethernet0 appears after the
    // first evaluations, so every change of its series counts, its first one included.
    await world.start("interval_ms = 200\n", 600);
    const flaps = { port: "Ethernet0" };
    const counted = async () =>
      sampleOf(await metrics(world), "portsyncd_port_oper_flaps_total", flaps) ?? 0;
    const base = await counted();
    assert(base <= 2, `${base} oper changes while Ethernet0 came up`);
    // Ethernet0 is up: alternate down and up until six changes.
    for (let change = base + 1; change <= 6; change++) {
      const oper = (change - base) % 2 === 1 ? "down" : "up";
      await world.ns.run(["link", "set", "p-Ethernet0", oper]);
      await waitOper(world, oper);
    }
    const last = await waitFor(async () => {
      const oper = (await readStatePort(world.stateDb, "Ethernet0"))?.netdev_oper_status;
      return await counted() === 6 && oper;
    }, { message: "six oper changes counted", timeoutMs: 3000 });
    // Several evaluations with six changes in the window: nothing happens.
    await sleep(1000);
    assertEquals(readHistoryDb(world.historyPath).rows, []);
    assertEquals(sampleOf(await metrics(world), "portsyncd_alerts_firing", FIRING_SERIES), 0);

    await world.ns.run(["link", "set", "p-Ethernet0", last === "up" ? "down" : "up"]);
    const firing = await waitHistoryRow(
      world,
      (row) => row.rule === "port_flapping" && row.to_state === "firing",
      "port_flapping firing after the seventh change",
      5000,
    );
    assertEquals([firing.from_state, firing.threshold], ["inactive", "rate > 0.05/s"]);
    assertEquals(firing.value, 7 / 120);
  });
});

Deno.test("webhook down or slow", async () => {
  await withAlertWorld("alert-hook", async (world) => {
    const slow = await world.receiver(HOOK_PORT, 3000);
    // port_flapping posts to the default URL, where nothing listens; flap_slow to a receiver
    // that responds only after the 400 ms timeout.
    await world.start(
      alertingKeys(CLOSED_PORT) + flapRule() +
        flapRule({ id: "flap_slow", webhookUrl: `http://127.0.0.1:${HOOK_PORT}/slow` }),
    );
    const failures = (samples: Sample[], rule: string) =>
      sampleOf(samples, "portsyncd_alert_webhook_failures_total", { rule });
    const counted = await flapUntil(world, async () => {
      const samples = await metrics(world);
      return (failures(samples, "port_flapping") ?? 0) >= 1 &&
        (failures(samples, "flap_slow") ?? 0) >= 1 && samples;
    }, "webhook failures of both rules counted");
    assertEquals(sampleOf(counted, "portsyncd_alerts_firing", FIRING_SERIES), 1);

    // Both attempts reached the slow receiver; the closed port got a logged failure.
    const slowFiring = slow.posts("flap_slow").filter((post) => post.document.state === "firing");
    assertEquals(slowFiring.length, 2, JSON.stringify(slow.requests));
    assertEquals(slowFiring[0]!.path, "/slow");
    const givenUp = await world.daemon.waitForLine(
      /Failed to deliver alert webhook, giving up rule=port_flapping/,
    );
    assertMatch(givenUp, new RegExp(`url=http://127\\.0\\.0\\.1:${CLOSED_PORT}/hook attempts=2`));
    await world.daemon.waitForLine(
      /Failed to deliver alert webhook, giving up rule=flap_slow .*no answer within 400 ms/,
    );

    // Port sync goes on while deliveries fail.
    await waitOper(world, "up");
    await world.ns.run(["link", "set", "p-Ethernet0", "down"]);
    await waitOper(world, "down");
    await world.ns.run(["link", "set", "p-Ethernet0", "up"]);
    await waitOper(world, "up");
    const health = JSON.parse(await httpGet(world, "/health")) as { status: string };
    assertEquals(health.status, "ok");
  });
});

Deno.test("silence holds back actions", async () => {
  await withAlertWorld("alert-silence", async (world) => {
    const receiver = await world.receiver();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    await world.start(
      alertingKeys() + flapRule() + flapRule({ id: "flap_control" }) +
        `[[alerting.silences]]\nmatchers = ['rule="port_flapping"']\nends_at = ${endsAt}\n` +
        'comment = "maintenance in the alerting test"\n',
    );
    const flapper = startFlapping(world.ns);
    try {
      const silenced = await waitHistoryRow(
        world,
        (row) => row.rule === "port_flapping" && row.to_state === "firing",
        "history row of silenced port_flapping firing",
      );
      assertEquals([silenced.from_state, silenced.silenced], ["pending", 1]);
      // The unsilenced control rule fires alike and is posted, so the receiver works.
      await waitFor(
        () =>
          Promise.resolve(
            receiver.posts("flap_control").some((post) => post.document.state === "firing"),
          ),
        { message: "webhook POST of flap_control firing", timeoutMs: 5000 },
      );
      const alerts = await getAlerts(world, "state=firing&rule=port_flapping");
      assertEquals(alerts.active.map((alert) => [alert.state, alert.silenced]), [
        ["firing", true],
      ]);
      assert(alerts.history?.every((row) => row.silenced), JSON.stringify(alerts.history));
      assertEquals(sampleOf(await metrics(world), "portsyncd_alerts_firing", FIRING_SERIES), 1);
    } finally {
      await flapper.stop();
    }
    await waitHistoryRow(
      world,
      (row) => row.rule === "port_flapping" && row.to_state === "resolved" && row.silenced === 1,
      "history row of silenced port_flapping resolved",
    );
    await waitFor(
      () =>
        Promise.resolve(
          receiver.posts("flap_control").some((post) => post.document.state === "resolved"),
        ),
      { message: "webhook POST of flap_control resolved", timeoutMs: 5000 },
    );
    await sleep(300);
    assertEquals(receiver.posts("port_flapping"), []);
    const table = (await alertsCli(["--db", world.historyPath, "--rule", "port_flapping"]))
      .stdout;
    assertMatch(table, /pending\s+firing \(silenced\)\s+warning/);
    assertMatch(table, /firing\s+resolved \(silenced\)\s+warning/);
  });
});

Deno.test("corrupt history moved aside", async () => {
  await withAlertWorld("alert-corrupt", async (world) => {
    const garbage = "this is not an SQLite database\n".repeat(200);
    await Deno.writeTextFile(world.historyPath, garbage);
    await world.start(alertingKeys());
    const line = await world.daemon.waitForLine(/Moved unreadable alert history aside/);
    assertMatch(line, /^ ?ERROR /);
    const paths = /path=(\S+) aside=(\S+)/.exec(line);
    assert(paths !== null, line);
    assertEquals(paths[1], world.historyPath);
    assertMatch(paths[2]!, /\/alerts\.db\.corrupt-\d{4}-\d\d-\d\dT\d{6}Z$/);
    assertEquals(await Deno.readTextFile(paths[2]!), garbage);

    const fresh = readHistoryDb(world.historyPath);
    assertEquals([fresh.version, fresh.journalMode, fresh.rows], [
      HISTORY_SCHEMA_VERSION,
      "wal",
      [],
    ]);
    assertEquals((await getAlerts(world, "")).history, []);
    // Port sync runs: a link change reaches STATE_DB.
    await world.ns.run(["link", "set", "p-Ethernet0", "down"]);
    await waitOper(world, "down");
  });
});

/** Names of every metric family the shipped rules and dashboard query. */
async function queriedNames(): Promise<string[]> {
  const { rules, dashboard } = await shippedQueries();
  return [...new Set([...rules, ...dashboard].flatMap(metricNames))].sort();
}

/**
 * Names of `names` without a sample in the exposition `text`: a histogram needs `_bucket`
 * (with `le="+Inf"`), `_count` and `_sum` samples, any other type a sample of its own name.
 */
function missingFrom(text: string, names: readonly string[]): string[] {
  const samples = parseSamples(text);
  const types = new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]),
  );
  const has = (name: string, labels?: Record<string, string>) =>
    samples.some((sample) =>
      sample.name === name &&
      Object.entries(labels ?? {}).every(([key, value]) => sample.labels[key] === value)
    );
  return names.filter((name) =>
    types.get(name) === "histogram"
      ? !(has(`${name}_bucket`, { le: "+Inf" }) && has(`${name}_count`) && has(`${name}_sum`))
      : !has(name)
  );
}

Deno.test("live metrics cover shipped queries", async () => {
  await withAlertWorld("alert-names", async (world) => {
    const names = await queriedNames();
    assert(names.length >= 8, names.join(","));
    const keys = alertingKeys(CLOSED_PORT) + flapRule();
    const failed = (samples: Sample[]) =>
      (sampleOf(samples, "portsyncd_alert_webhook_failures_total", { rule: "port_flapping" }) ??
        0) >= 1;

    // Cold start, after link changes and a failed webhook: everything but the warm metric.
    await world.start(keys);
    await flapUntil(world, async () => failed(await metrics(world)), "a webhook failure");
    const cold = await httpGet(world, "/metrics");
    assertEquals(missingFrom(cold, names), ["portsyncd_warm_reconcile_seconds"]);
    assert(!cold.includes("portsyncd_warm_reconcile_seconds"), "cold start exports warm metric");
    assertMatch(cold, /^portsyncd_event_to_redis_latency_seconds_bucket\{le="0\.00001"\} \d+$/m);

    // Warm restart from the snapshot: the reconcile gauge appears as well.
    await waitFor(async () => {
      const text = await Deno.readTextFile(`${world.dir}/port_state.json`).catch(() => "");
      return text.includes('"Ethernet0"');
    }, { message: "snapshot with Ethernet0", timeoutMs: 5000 });
    await world.stateDb.hset("WARM_RESTART_ENABLE_TABLE|swss", "enable", "true");
    assertEquals((await world.daemon.stop()).code, 0);
    await world.start(keys);
    await world.daemon.waitForLine(/Warm restart reconciled/, 10_000);
    await flapUntil(world, async () => failed(await metrics(world)), "a webhook failure");
    const warm = await httpGet(world, "/metrics");
    assertEquals(missingFrom(warm, names), []);
    const reconcile = sampleOf(parseSamples(warm), "portsyncd_warm_reconcile_seconds");
    assert(reconcile !== undefined, "no portsyncd_warm_reconcile_seconds sample");
    assert(reconcile > 0, `reconcile ${reconcile}`);
    assert(reconcile < 10, `reconcile ${reconcile}`);
    assertEquals(sampleOf(parseSamples(warm), "portsyncd_starts_total", { mode: "warm" }), 1);
  });
});
