import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import { HISTORY_MIGRATIONS, HISTORY_SCHEMA_VERSION } from "./_history_schema.ts";
import { AlertHistory, AlertHistoryError } from "./alert_history.ts";
import type { AlertTransition } from "./alert_rule.ts";

function change(at: number, to: AlertTransition["to"], rule = "port_flapping"): AlertTransition {
  return {
    rule,
    labels: { port: "Ethernet8" },
    from: "inactive",
    to,
    value: 0.2,
    threshold: "rate > 0.05/s",
    severity: "warning",
    at,
    silenced: false,
  };
}

async function withDir(fn: (dir: string) => void | Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "alert_history_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("history restart keeps rows", () =>
  withDir((dir) => {
    const path = `${dir}/sub/alerts.db`;
    const first = AlertHistory.open(path);
    first.record(change(1000, "firing"));
    first.record({ ...change(2000, "resolved"), value: null, silenced: true });
    first.close();
    const again = AlertHistory.open(path);
    assertEquals(again.count(), 2);
    assertEquals(again.schemaVersion, HISTORY_SCHEMA_VERSION);
    again.close();
    const reader = AlertHistory.openReadOnly(path);
    const rows = reader.query();
    assertEquals(rows.map((r) => [r.at, r.to, r.value, r.silenced]), [
      [2000, "resolved", null, true],
      [1000, "firing", 0.2, false],
    ]);
    assertEquals(rows[1]!.labels, { port: "Ethernet8" });
    assertEquals(reader.query({ state: "firing" }).length, 1);
    assertEquals(reader.query({ since: 1500 }).length, 1);
    assertEquals(reader.query({ rule: "other" }).length, 0);
    reader.close();
    const raw = new DatabaseSync(path);
    assertEquals({ ...raw.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
    raw.close();
  }));

Deno.test("history moves corrupt file aside", () =>
  withDir((dir) => {
    const path = `${dir}/alerts.db`;
    Deno.writeTextFileSync(path, "not a database ".repeat(400));
    const history = AlertHistory.open(path, Date.UTC(2026, 0, 2, 3, 4, 5));
    history.record(change(1, "firing"));
    assertEquals(history.count(), 1);
    history.close();
    const aside = `${path}.corrupt-2026-01-02T030405Z`;
    assertEquals(Deno.readTextFileSync(aside).startsWith("not a database"), true);
  }));

Deno.test("history keeps both corrupt files", () =>
  withDir((dir) => {
    const path = `${dir}/alerts.db`;
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    for (const text of ["first broken file ", "second broken file "]) {
      Deno.writeTextFileSync(path, text.repeat(400));
      AlertHistory.open(path, now).close();
    }
    const aside = `${path}.corrupt-2026-01-02T030405Z`;
    assertMatch(Deno.readTextFileSync(aside), /^first broken file/);
    assertMatch(Deno.readTextFileSync(`${aside}-2`), /^second broken file/);
  }));

Deno.test("history migrates version 1", () =>
  withDir((dir) => {
    const path = `${dir}/alerts.db`;
    const old = new DatabaseSync(path);
    old.exec(HISTORY_MIGRATIONS[0]!);
    old.exec("PRAGMA user_version = 1");
    old.exec(
      `INSERT INTO alert_history (at_ms, rule, labels, from_state, to_state, value, threshold,
       severity) VALUES (5, 'r', '{}', 'pending', 'firing', 1, '> 0', 'info')`,
    );
    old.close();
    const history = AlertHistory.open(path);
    assertEquals(history.schemaVersion, 2);
    assertEquals(history.query().map((r) => [r.rule, r.to, r.silenced]), [["r", "firing", false]]);
    history.close();
  }));

Deno.test("history refuses newer schema", () =>
  withDir((dir) => {
    const path = `${dir}/alerts.db`;
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    const error = assertThrows(() => AlertHistory.open(path), AlertHistoryError);
    assertMatch(error.message, /schema version 99 is newer than 2/);
  }));

Deno.test("history prunes by age and rows", () =>
  withDir((dir) => {
    const history = AlertHistory.open(`${dir}/alerts.db`);
    for (let i = 1; i <= 10; i++) history.record(change(i * 1000, "firing"));
    assertEquals(history.prune(10_000, 7_500, 1000), 2, "rows before 2500 ms");
    assertEquals(history.prune(10_000, 60_000, 5), 3);
    assertEquals(history.query().map((r) => r.at), [10_000, 9000, 8000, 7000, 6000]);
    history.close();
  }));

Deno.test("history read-only needs file", () => {
  const error = assertThrows(
    () => AlertHistory.openReadOnly("/nonexistent/alerts.db"),
    AlertHistoryError,
  );
  assertEquals(
    error.message,
    "Failed to open alert history /nonexistent/alerts.db: file not found; give the file with " +
      "--db or the config with --config",
  );
});

Deno.test("history ends alerts left open", () =>
  withDir((dir) => {
    const path = `${dir}/alerts.db`;
    const first = AlertHistory.open(path);
    first.record(change(1000, "firing"));
    first.record({ ...change(1500, "pending", "event_latency_p99"), labels: {} });
    first.record(change(2000, "firing", "netlink_resync"));
    first.record({ ...change(3000, "resolved", "netlink_resync"), from: "firing" });
    first.close();

    const second = AlertHistory.open(path);
    const ended = second.endOpenAlerts(9000);
    assertEquals(
      ended.map((row) => [row.rule, row.from, row.to, row.at, row.value]),
      [
        ["port_flapping", "firing", "resolved", 9000, null],
        ["event_latency_p99", "pending", "inactive", 9000, null],
      ],
    );
    assertEquals(second.query({ since: 9000 }).length, 2, "each end is a stored row");
    assertEquals(second.endOpenAlerts(9500), [], "nothing is left open afterwards");
    second.close();
    const reader = AlertHistory.openReadOnly(path);
    assertEquals(reader.endOpenAlerts(9900), [], "a read-only history is never changed");
    reader.close();
  }));
