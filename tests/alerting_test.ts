/**
 * Alerting end to end inside one process: a real registry, a SQLite history in a temporary
 * folder, a webhook receiver and `/alerts` on 127.0.0.1, and the `portsyncd alerts` command as
 * a subprocess.
 */
import { createServer } from "node:http";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { waitFor } from "./support/wait_for.ts";
import { parseConfigText } from "../src/config/load_config.ts";
import { type Alerting, startAlerting } from "../src/alerting/start_alerting.ts";
import type { AlertsRequestHandler } from "../src/alerting/alerts_request_handler.ts";
import { AlertHistory } from "../src/alerting/alert_history.ts";
import { Counter, Registry } from "../src/metrics/registry/mod.ts";

const root = new URL("../", import.meta.url).pathname;

function config(dir: string, webhookUrl: string) {
  const text = `[alerting]
interval_ms = 100
history_db = "${dir}/alerts.db"
webhook_url = "${webhookUrl}"
webhook_timeout_ms = 200
webhook_max_attempts = 2
webhook_backoff_ms = 20

[[alerting.rules]]
id = "port_flapping"
threshold = 2
window = "1s"
actions = ["log", "notify", "webhook"]

[[alerting.silences]]
matchers = ['port="Ethernet12"']
ends_at = 2099-01-01T00:00:00Z
comment = "cabling work"
`;
  return parseConfigText(text, "/test.toml").config;
}

function webhookReceiver() {
  const posts: Array<Record<string, unknown>> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    posts.push(await req.json());
    return new Response(null, { status: 204 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/alerts`,
    posts,
    close: () => server.shutdown(),
  };
}

/** Serves the handler as the metrics server would, on 127.0.0.1. */
async function serveAlerts(handler: AlertsRequestHandler) {
  const server = createServer((request, response) => {
    const { status, contentType, body } = handler(new URL(request.url ?? "/", "http://x"));
    response.writeHead(status, { "content-type": contentType });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    get: async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${address.port}${path}`);
      return { status: response.status, json: await response.json() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function runAlertsCli(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${root}main.ts`, "alerts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("alerting flap fires and resolves", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alerting_" });
  const hook = webhookReceiver();
  const registry = new Registry();
  const flaps = registry.register(
    new Counter({
      name: "portsyncd_port_oper_flaps_total",
      help: "Oper changes",
      labelNames: ["port"],
    }),
  );
  const statuses: string[] = [];
  let alerting: Alerting | undefined;
  let web: Awaited<ReturnType<typeof serveAlerts>> | undefined;
  try {
    alerting = startAlerting({
      registry,
      config: config(dir, hook.url),
      notify: (status) => statuses.push(status),
    });
    web = await serveAlerts(alerting.handleAlertsRequest);
    const history = alerting.history!;
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Flap Ethernet8 (unsilenced) and Ethernet12 (silenced) 10 times in 0.5 s.
    for (let i = 0; i < 10; i++) {
      flaps.labels("Ethernet8").inc();
      flaps.labels("Ethernet12").inc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const fired = await waitFor(() => {
      const rows = history.query({ state: "firing" });
      return Promise.resolve(rows.length === 2 ? rows : undefined);
    }, { message: "both flap alerts firing in the history" });
    assertEquals(
      fired.map((row) => [row.labels.port, row.silenced]).sort(),
      [["Ethernet12", true], ["Ethernet8", false]],
    );
    await waitFor(() => Promise.resolve(hook.posts.length >= 1 || undefined), {
      message: "webhook POST",
    });
    assertEquals(hook.posts[0]!.rule, "port_flapping");
    assertEquals(hook.posts[0]!.labels, { port: "Ethernet8" });
    assertEquals(hook.posts[0]!.state, "firing");
    assert(
      statuses.includes('alerts firing: 1 (port_flapping{port="Ethernet8"})'),
      statuses.join(),
    );

    const page = await web.get("/alerts?state=firing&rule=port_flapping");
    assertEquals(page.status, 200);
    assertEquals(page.json.active.length, 2);
    assertEquals(page.json.history.length, 2);
    assertEquals((await web.get("/alerts?limit=0")).status, 400);
    const metrics = registry.render();
    assertMatch(metrics, /portsyncd_alerts_firing\{rule="port_flapping",severity="warning"\} 2/);

    // Stop flapping: the 1 s window empties and both alerts resolve.
    await waitFor(() => {
      const rows = history.query({ state: "resolved" });
      return Promise.resolve(rows.length === 2 ? rows : undefined);
    }, { message: "both flap alerts resolved", timeoutMs: 5000 });
    await waitFor(() => Promise.resolve(hook.posts.length >= 2 || undefined), {
      message: "resolve POST",
    });
    assertEquals(hook.posts.map((post) => [post.labels, post.state]), [
      [{ port: "Ethernet8" }, "firing"],
      [{ port: "Ethernet8" }, "resolved"],
    ]);
    await alerting.stop();
    alerting = undefined;

    // Restart keeps history; the CLI reads it while no engine runs.
    const reopened = AlertHistory.open(`${dir}/alerts.db`);
    assertEquals(reopened.count(), 4);
    reopened.close();
    const table = await runAlertsCli(["--db", `${dir}/alerts.db`]);
    assertEquals(table.code, 0, table.stderr);
    assertEquals(table.stderr, `Alert history from ${dir}/alerts.db\n`);
    const lines = table.stdout.trimEnd().split("\n");
    assertMatch(lines[0]!, /^TIME\s+RULE\s+LABELS\s+FROM\s+TO\s+SEVERITY\s+VALUE\s+THRESHOLD$/);
    assertEquals(lines.length, 5);
    assert(
      lines.some((line) =>
        /port_flapping\s+\{port="Ethernet12"\}\s+inactive\s+firing \(silenced\)/.test(line)
      ),
      table.stdout,
    );
    const json = await runAlertsCli([
      "--db",
      `${dir}/alerts.db`,
      "--json",
      "--state",
      "resolved",
      "--since",
      "1h",
    ]);
    assertEquals(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as Array<{ to: string; rule: string }>;
    assertEquals(rows.map((row) => [row.rule, row.to]), [["port_flapping", "resolved"], [
      "port_flapping",
      "resolved",
    ]]);
    const bad = await runAlertsCli(["--db", `${dir}/missing.db`]);
    assertEquals(bad.code, 1);
    assertMatch(bad.stderr, /Failed to open alert history .*missing\.db: file not found/);
  } finally {
    await alerting?.stop();
    await web?.close();
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerting survives corrupt history and dead webhook", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alerting_" });
  // A port nobody listens on: bind, note the port, close.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadUrl = `http://127.0.0.1:${(probe.addr as Deno.NetAddr).port}/hook`;
  probe.close();
  await Deno.writeTextFile(`${dir}/alerts.db`, "garbage ".repeat(1000));
  const registry = new Registry();
  const flaps = registry.register(
    new Counter({
      name: "portsyncd_port_oper_flaps_total",
      help: "Oper changes",
      labelNames: ["port"],
    }),
  );
  let alerting: Alerting | undefined;
  try {
    alerting = startAlerting({ registry, config: config(dir, deadUrl) });
    const entries = [...Deno.readDirSync(dir)].map((entry) => entry.name);
    assert(entries.some((name) => name.startsWith("alerts.db.corrupt-")), entries.join());
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (let i = 0; i < 10; i++) flaps.labels("Ethernet8").inc();
    await waitFor(
      () =>
        Promise.resolve(alerting!.history!.query({ state: "firing" }).length === 1 || undefined),
      {
        message: "flap alert firing in the new history",
      },
    );
    await waitFor(() => {
      const text = registry.render();
      return Promise.resolve(
        /portsyncd_alert_webhook_failures_total\{rule="port_flapping"\} 1/.test(text) || undefined,
      );
    }, { message: "webhook failure counted" });
  } finally {
    await alerting?.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("disabled alerting still ends old alerts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alerting_" });
  try {
    const path = `${dir}/alerts.db`;
    const earlier = AlertHistory.open(path, 1000);
    earlier.record({
      rule: "port_flapping",
      labels: { port: "Ethernet4" },
      from: "pending",
      to: "firing",
      value: 5,
      threshold: "> 2",
      severity: "warning",
      at: 1000,
      silenced: false,
    });
    earlier.close();
    const disabled = parseConfigText(
      `[alerting]\nenabled = false\nhistory_db = "${path}"\n`,
      "/test.toml",
    ).config;
    const alerting = startAlerting({
      registry: new Registry(),
      config: disabled,
      clock: () => 9000,
    });
    assertEquals(alerting.engine, undefined, "no engine runs while alerting is disabled");
    await alerting.stop();
    const reader = AlertHistory.openReadOnly(path);
    try {
      const ends = reader.query({ since: 9000 });
      assertEquals(ends.map((row) => [row.rule, row.from, row.to]), [
        ["port_flapping", "firing", "resolved"],
      ]);
    } finally {
      reader.close();
    }
    const later = AlertHistory.open(path, 10_000);
    try {
      assertEquals(later.endOpenAlerts(10_000), [], "no alert is left open");
    } finally {
      later.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("disabled alerting creates no history", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alerting_" });
  try {
    const disabled = parseConfigText(
      `[alerting]\nenabled = false\nhistory_db = "${dir}/alerts.db"\n`,
      "/test.toml",
    ).config;
    const alerting = startAlerting({ registry: new Registry(), config: disabled });
    await alerting.stop();
    assertEquals([...Deno.readDirSync(dir)].map((entry) => entry.name), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
