import { assertEquals } from "../../tests/assert.ts";
import { Counter, Gauge, Histogram, Registry } from "../metrics/registry/mod.ts";
import { AlertActions } from "./alert_actions.ts";
import { AlertEngine } from "./alert_engine.ts";
import type { AlertRule, AlertTransition } from "./alert_rule.ts";
import { parseAlertingConfig } from "./parse_alerting_config.ts";
import { parseConfigText } from "../config/load_config.ts";

/** Builds one rule through the configuration parser, so tests use validated rules. */
function rule(fields: string): AlertRule {
  const text = `[[alerting.rules]]\nid = "test"\n${fields}\n`;
  const { config } = parseConfigText(text, "/t.toml");
  return parseAlertingConfig(config.alerting, "/t.toml").rules.find((r) => r.id === "test")!;
}

function setup(ruleFields: string, options: { notify?: (s: string) => void } = {}) {
  const registry = new Registry();
  let now = Date.UTC(2026, 0, 1);
  const recorded: AlertTransition[] = [];
  const engine = new AlertEngine({
    registry,
    rules: [rule(ruleFields)],
    clock: () => now,
    history: { record: (t) => recorded.push(t) },
    actions: new AlertActions({ notify: options.notify }),
  });
  const step = (ms: number) => {
    now += ms;
    return engine.evaluate().map((t) => `${t.from}->${t.to}`);
  };
  return { registry, engine, recorded, step };
}

Deno.test("engine above fires after for", () => {
  const { registry, step, recorded } = setup(
    'metric = "g"\ncondition = "above"\nthreshold = 5\nfor = "10s"',
  );
  const gauge = registry.register(new Gauge({ name: "g", help: "h" }));
  gauge.set(6);
  assertEquals(step(0), ["inactive->pending"]);
  assertEquals(step(5000), []);
  assertEquals(step(5000), ["pending->firing"]);
  gauge.set(5);
  assertEquals(step(5000), []);
  gauge.set(7);
  assertEquals(step(5000), [], "a short dip does not resolve");
  gauge.set(1);
  assertEquals(step(5000), []);
  assertEquals(step(5000), []);
  assertEquals(step(5000), ["firing->resolved"], "false for 10 s resolves");
  gauge.set(9);
  assertEquals(step(5000), ["resolved->pending"]);
  gauge.set(0);
  assertEquals(step(5000), ["pending->inactive"]);
  assertEquals(recorded.length, 5);
  assertEquals(recorded[1]!.value, 6);
  assertEquals(recorded[1]!.threshold, "> 5");
});

Deno.test("engine below fires at once", () => {
  const { registry, step } = setup('metric = "up"\ncondition = "below"\nthreshold = 0.5');
  const gauge = registry.register(new Gauge({ name: "up", help: "h", labelNames: ["db"] }));
  gauge.labels("APPL_DB").set(1);
  gauge.labels("STATE_DB").set(0);
  assertEquals(step(0), ["inactive->firing"]);
  gauge.labels("STATE_DB").set(1);
  assertEquals(step(1000), ["firing->resolved"]);
});

Deno.test("engine between and equals", () => {
  const between = setup('metric = "g"\ncondition = "between"\nlow = 1\nhigh = 2');
  const g1 = between.registry.register(new Gauge({ name: "g", help: "h" }));
  g1.set(3);
  assertEquals(between.step(0), []);
  g1.set(2);
  assertEquals(between.step(1), ["inactive->firing"]);
  g1.set(0.5);
  assertEquals(between.step(1), ["firing->resolved"]);

  const equals = setup('metric = "g"\ncondition = "equals"\nthreshold = 10\ntolerance = 0.5');
  const g2 = equals.registry.register(new Gauge({ name: "g", help: "h" }));
  g2.set(10.6);
  assertEquals(equals.step(0), []);
  g2.set(9.5);
  assertEquals(equals.step(1), ["inactive->firing"]);
});

Deno.test("engine rate counts new series", () => {
  const { registry, step, engine } = setup(
    'metric = \'flaps_total{port="Ethernet8"}\'\ncondition = "rate_of_change"\n' +
      'threshold = 0.01\nwindow = "60s"',
  );
  const flaps = registry.register(
    new Counter({ name: "flaps_total", help: "h", labelNames: ["port"] }),
  );
  assertEquals(step(0), []);
  flaps.labels("Ethernet0").inc(100);
  flaps.labels("Ethernet8").inc(1);
  // The series appeared after the first reading, so it counts from 0: 1 in 60 s = 0.017/s.
  assertEquals(step(10_000), ["inactive->firing"]);
  assertEquals(engine.active()[0]!.value, 1 / 60);
  assertEquals(engine.active().map((a) => a.labels), [{ port: "Ethernet8" }]);
  // No more changes: up to 60 s the window still holds the change.
  const later: string[] = [];
  for (let i = 0; i < 5; i++) later.push(...step(10_000));
  assertEquals(later, []);
  assertEquals(step(10_000), ["firing->resolved"]);
});

Deno.test("engine rate divides by window", () => {
  // The default flap rule: more than 6 changes in 2 minutes.
  const { registry, step, recorded } = setup(
    'metric = "flaps_total"\ncondition = "rate_of_change"\nthreshold = 0.05\nwindow = "2m"',
  );
  const flaps = registry.register(
    new Counter({ name: "flaps_total", help: "h", labelNames: ["port"] }),
  );
  assertEquals(step(0), []);
  flaps.labels("Ethernet0").inc();
  assertEquals(step(5000), [], "one change in 5 s is not 0.2/s");
  for (let change = 2; change <= 6; change++) {
    flaps.labels("Ethernet0").inc();
    assertEquals(step(5000), [], `${change} changes`);
  }
  flaps.labels("Ethernet0").inc();
  assertEquals(step(5000), ["inactive->firing"]);
  assertEquals(recorded[0]!.value, 7 / 120);
});

Deno.test("engine rate handles counter reset", () => {
  const { registry, step } = setup(
    'metric = "c_total"\ncondition = "rate_of_change"\nthreshold = 0.5\nwindow = "10s"',
  );
  const counter = registry.register(new Counter({ name: "c_total", help: "h" }));
  counter.inc(50);
  step(0);
  counter.reset();
  counter.inc(10);
  // A reset reads as 10 new events in 10 s: 1/s.
  assertEquals(step(10_000), ["inactive->firing"]);
});

Deno.test("engine histogram p99 over window", () => {
  const { registry, step, engine } = setup(
    'metric = "lat_seconds"\ncondition = "above"\nquantile = 0.99\nthreshold = 0.5\n' +
      'window = "60s"\nfor = "20s"',
  );
  const histogram = registry.register(
    new Histogram({ name: "lat_seconds", help: "h", buckets: [0.1, 0.5, 1, 5] }),
  );
  for (let i = 0; i < 100; i++) histogram.observe(0.05);
  assertEquals(step(0), []);
  for (let i = 0; i < 10; i++) histogram.observe(2);
  assertEquals(step(10_000), ["inactive->pending"]);
  assertEquals(engine.active()[0]!.value > 1, true);
  assertEquals(step(20_000), ["pending->firing"]);
  for (let i = 0; i < 1000; i++) histogram.observe(0.05);
  step(60_000);
  assertEquals(step(20_000), ["firing->resolved"]);
});

Deno.test("engine resolves vanished series", () => {
  const { registry, step, engine } = setup('metric = "g"\nthreshold = 1\nfor = "5s"');
  const gauge = registry.register(new Gauge({ name: "g", help: "h", labelNames: ["port"] }));
  gauge.labels("Ethernet4").set(2);
  step(0);
  assertEquals(step(5000), ["pending->firing"]);
  gauge.remove("Ethernet4");
  assertEquals(step(1000), []);
  assertEquals(step(5000), ["firing->resolved"]);
  assertEquals(engine.active(), []);
});

Deno.test("engine notify lists firing alerts", () => {
  const statuses: string[] = [];
  const { registry, step } = setup(
    'metric = "g"\nthreshold = 1\nactions = ["notify"]',
    { notify: (s) => statuses.push(s) },
  );
  const gauge = registry.register(new Gauge({ name: "g", help: "h", labelNames: ["port"] }));
  gauge.labels("Ethernet4").set(0);
  step(0);
  gauge.labels("Ethernet4").set(2);
  step(1000);
  step(1000);
  gauge.labels("Ethernet4").set(0);
  step(1000);
  assertEquals(statuses, [
    "alerts firing: none",
    'alerts firing: 1 (test{port="Ethernet4"})',
    "alerts firing: none",
  ]);
});

Deno.test("engine silence records without action", () => {
  const registry = new Registry();
  const statuses: string[] = [];
  const recorded: AlertTransition[] = [];
  const now = Date.UTC(2026, 0, 1);
  const { config } = parseConfigText(
    '[[alerting.rules]]\nid = "t"\nmetric = "g"\nthreshold = 1\nactions = ["notify"]\n' +
      "[[alerting.silences]]\nmatchers = ['rule=\"t\"', 'port=~\"Ethernet[0-4]\"']\n" +
      "ends_at = 2026-01-02T00:00:00Z\n",
    "/t.toml",
  );
  const settings = parseAlertingConfig(config.alerting, "/t.toml");
  const engine = new AlertEngine({
    registry,
    rules: settings.rules.filter((r) => r.id === "t"),
    silences: settings.silences,
    clock: () => now,
    history: { record: (t) => recorded.push(t) },
    actions: new AlertActions({ notify: (s) => statuses.push(s) }),
  });
  const gauge = registry.register(new Gauge({ name: "g", help: "h", labelNames: ["port"] }));
  gauge.labels("Ethernet4").set(2);
  gauge.labels("Ethernet8").set(2);
  engine.evaluate();
  assertEquals(recorded.map((t) => [t.labels.port, t.to, t.silenced]), [
    ["Ethernet4", "firing", true],
    ["Ethernet8", "firing", false],
  ]);
  assertEquals(statuses, ['alerts firing: 1 (t{port="Ethernet8"})']);
});

Deno.test("engine skips disabled rules", () => {
  const { registry, step } = setup('metric = "g"\nthreshold = 1\nenabled = false');
  registry.register(new Gauge({ name: "g", help: "h" })).set(5);
  assertEquals(step(0), []);
});

Deno.test("engine reads a family again only when it changed", () => {
  const { registry, step } = setup(
    'metric = "flaps_total"\ncondition = "rate_of_change"\nthreshold = 0.05\nwindow = "2m"',
  );
  const flaps = registry.register(
    new Counter({ name: "flaps_total", help: "h", labelNames: ["port"] }),
  );
  for (let port = 0; port < 1024; port += 4) flaps.labels(`Ethernet${port}`);
  let reads = 0;
  const readChanged = registry.readChanged.bind(registry);
  registry.readChanged = (name, known) => {
    const result = readChanged(name, known);
    if (result?.reading !== undefined) reads++;
    return result;
  };
  assertEquals(step(0), []);
  flaps.labels("Ethernet8").inc(3);
  assertEquals(step(5000), []);
  assertEquals(reads, 2);
  // Ten quiet minutes: the window empties, then the rule rests.
  for (let i = 0; i < 120; i++) assertEquals(step(5000), []);
  assertEquals(reads, 2, "an unchanged family is not read again");
  flaps.labels("Ethernet8").inc(7);
  assertEquals(step(5000), ["inactive->firing"], "a change after the rest still fires");
  assertEquals(reads, 3);
  for (let i = 0; i < 23; i++) assertEquals(step(5000), []);
  assertEquals(step(5000), ["firing->resolved"], "the increase leaves the 2m window");
});
