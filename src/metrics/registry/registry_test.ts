import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";
import { EXPOSITION_CONTENT_TYPE, Registry } from "./registry.ts";
import type { LabelNames } from "./series_table.ts";

Deno.test("exposition escapes help and labels", () => {
  const registry = new Registry();
  const errors = registry.register(
    new Counter({
      name: "x_errors_total",
      help: 'Errors by "name", C:\\path\nsecond line',
      labelNames: ["name", "kind"],
    }),
  );
  errors.labels('a"b', "back\\slash").inc(2);
  errors.labels("new\nline", "plain").inc();
  assertEquals(
    registry.render(),
    [
      '# HELP x_errors_total Errors by "name", C:\\\\path\\nsecond line',
      "# TYPE x_errors_total counter",
      'x_errors_total{name="a\\"b",kind="back\\\\slash"} 2',
      'x_errors_total{name="new\\nline",kind="plain"} 1',
      "",
    ].join("\n"),
  );
  assertEquals(registry.contentType, "text/plain; version=0.0.4; charset=utf-8");
  assertEquals(registry.contentType, EXPOSITION_CONTENT_TYPE);
});

Deno.test("exposition renders histogram lines", () => {
  const registry = new Registry();
  const latency = registry.register(
    new Histogram({
      name: "x_latency_seconds",
      help: "Latency",
      labelNames: ["db"],
      buckets: [0.1, 1, 2.5],
    }),
  );
  // 0.1 sits on a bound: `le` is "less than or equal", so it counts in the 0.1 bucket.
  for (const value of [0.05, 0.1, 0.5, 7]) latency.labels("APPL_DB").observe(value);
  assertEquals(registry.render().split("\n"), [
    "# HELP x_latency_seconds Latency",
    "# TYPE x_latency_seconds histogram",
    'x_latency_seconds_bucket{db="APPL_DB",le="0.1"} 2',
    'x_latency_seconds_bucket{db="APPL_DB",le="1"} 3',
    'x_latency_seconds_bucket{db="APPL_DB",le="2.5"} 3',
    'x_latency_seconds_bucket{db="APPL_DB",le="+Inf"} 4',
    'x_latency_seconds_sum{db="APPL_DB"} 7.65',
    'x_latency_seconds_count{db="APPL_DB"} 4',
    "",
  ]);
  const reading = registry.read("x_latency_seconds")!;
  assertEquals(reading.type, "histogram");
  assertEquals(reading.series[0]!.buckets, [[0.1, 2], [1, 3], [2.5, 3], [Infinity, 4]]);
  assertEquals([reading.series[0]!.value, reading.series[0]!.sum], [4, 7.65]);
  assertEquals(reading.series[0]!.labels, { db: "APPL_DB" });
});

Deno.test("exposition shows empty families", () => {
  const registry = new Registry();
  assertEquals(registry.render(), "");
  registry.register(new Counter({ name: "x_by_port_total", help: "h", labelNames: ["port"] }));
  registry.register(new Gauge({ name: "x_pending", help: "h" }));
  registry.register(new Histogram({ name: "x_seconds", help: "h", buckets: [1] }));
  assertEquals(
    registry.render(),
    [
      "# HELP x_by_port_total h",
      "# TYPE x_by_port_total counter",
      "",
      "# HELP x_pending h",
      "# TYPE x_pending gauge",
      "x_pending 0",
      "",
      "# HELP x_seconds h",
      "# TYPE x_seconds histogram",
      'x_seconds_bucket{le="1"} 0',
      'x_seconds_bucket{le="+Inf"} 0',
      "x_seconds_sum 0",
      "x_seconds_count 0",
      "",
    ].join("\n"),
  );
});

Deno.test("exposition spells special values", () => {
  const registry = new Registry();
  const gauge = registry.register(new Gauge({ name: "x", help: "h", labelNames: ["v"] }));
  gauge.labels("nan").set(NaN);
  gauge.labels("inf").set(Infinity);
  gauge.labels("-inf").set(-Infinity);
  gauge.labels("small").set(0.000025);
  gauge.labels("big").set(1e21);
  assertEquals(registry.render().split("\n").slice(2, -1), [
    'x{v="nan"} NaN',
    'x{v="inf"} +Inf',
    'x{v="-inf"} -Inf',
    'x{v="small"} 0.000025',
    'x{v="big"} 1e+21',
  ]);
});

Deno.test("series remove and reset", () => {
  const registry = new Registry();
  const up = registry.register(new Gauge({ name: "up", help: "h", labelNames: ["a", "b"] }));
  up.labels("1", "x").set(1);
  up.labels("1", "y").set(2);
  up.labels("2", "x").set(3);
  up.remove("1", "x");
  up.remove("9", "x");
  up.labels("1", "x").set(4);
  assertEquals(registry.render().split("\n").slice(2, -1), [
    'up{a="1",b="y"} 2',
    'up{a="2",b="x"} 3',
    'up{a="1",b="x"} 4',
  ]);
  up.reset();
  assertEquals(registry.read("up")!.series, []);
  const total = registry.register(new Counter({ name: "c_total", help: "h" }));
  total.inc(5);
  total.reset();
  assertEquals(total.value, 0);
  assertEquals(registry.render().split("\n").at(-2), "c_total 0");
});

Deno.test("gauge collect runs per read", () => {
  const registry = new Registry();
  let calls = 0;
  registry.register(
    new Gauge({
      name: "x_state",
      help: "h",
      labelNames: ["state"],
      collect(gauge) {
        calls++;
        gauge.reset();
        gauge.labels(calls % 2 === 1 ? "odd" : "even").set(calls);
      },
    }),
  );
  assertEquals(registry.read("x_state")!.series.map((s) => [s.key, s.value]), [
    ['state="odd"', 1],
  ]);
  assertEquals(registry.render().split("\n")[2], 'x_state{state="even"} 2');
  assertEquals(registry.read("absent"), undefined);
  assertEquals(registry.names(), ["x_state"]);
});

Deno.test("registry rejects bad input", () => {
  const registry = new Registry();
  const counter = registry.register(new Counter({ name: "c_total", help: "h", labelNames: ["a"] }));
  assertThrows(
    () => registry.register(new Gauge({ name: "c_total", help: "h" })),
    Error,
    "Failed to register metric c_total: a metric of that name is registered already; reuse " +
      "it with get()",
  );
  assertThrows(
    () => new Counter({ name: "1bad", help: "h" }),
    TypeError,
    'Failed to create metric "1bad": the name is not valid; use letters, digits, _ and :, not ' +
      "starting with a digit",
  );
  assertThrows(() => new Gauge({ name: "g", help: "h", labelNames: ["__x"] }), TypeError);
  assertThrows(() => new Gauge({ name: "g", help: "h", labelNames: ["a", "a"] }), TypeError);
  const fourNames = ["a", "b", "c", "d"] as unknown as LabelNames;
  assertThrows(
    () => new Gauge({ name: "g", help: "h", labelNames: fourNames }),
    TypeError,
    "Failed to create metric g: it has 4 label names, at most 3 are supported; split the " +
      "metric or drop a label",
  );
  assertThrows(
    () => new Histogram({ name: "h", help: "h", labelNames: ["le"], buckets: [1] }),
    TypeError,
  );
  assertThrows(() => new Histogram({ name: "h", help: "h", buckets: [1, 1] }), RangeError);
  assertThrows(
    () => counter.labels("x").inc(-1),
    RangeError,
    "Failed to increment counter c_total: amount -1 is negative or not a number; use a gauge " +
      "for a value that goes down",
  );
  assertThrows(
    () => counter.inc(),
    TypeError,
    "Failed to increment c_total without labels: it has labels a; select a series with " +
      "labels() first",
  );
  assertThrows(
    () => (counter.labels as (...values: string[]) => unknown)("x", "y"),
    RangeError,
    "Failed to select a series of c_total: got 2 label values, expected 1 (a); pass one " +
      "value per label",
  );
  const histogram = new Histogram({ name: "h", help: "h", buckets: [1, Infinity] });
  assertThrows(() => histogram.observe(NaN), RangeError);
  histogram.observe(3);
  assertEquals(histogram.read().series[0]!.buckets, [[1, 0], [Infinity, 1]]);
});

/** Reads the change count of family `name` through {@linkcode Registry.readChanged}. */
function revision(registry: Registry, name: string): number | undefined {
  return registry.readChanged(name, undefined)?.revision;
}

Deno.test("revision counts changes only", () => {
  const registry = new Registry();
  const flaps = registry.register(
    new Counter({ name: "f_total", help: "h", labelNames: ["port"] }),
  );
  const up = registry.register(new Gauge({ name: "up", help: "h" }));
  const latency = registry.register(new Histogram({ name: "l", help: "h", buckets: [1] }));
  const start = revision(registry, "f_total")!;
  flaps.labels("Ethernet0");
  const created = revision(registry, "f_total")!;
  assertEquals(created, start + 1, "a new series is a change");
  flaps.labels("Ethernet0").inc(0);
  flaps.labels("Ethernet0").inc();
  assertEquals(revision(registry, "f_total"), created + 2);
  flaps.remove("Ethernet4");
  assertEquals(revision(registry, "f_total"), created + 2, "removing a missing series is none");
  flaps.remove("Ethernet0");
  assertEquals(revision(registry, "f_total"), created + 3);

  const gauge = revision(registry, "up")!;
  up.set(0);
  up.inc(0);
  assertEquals(revision(registry, "up"), gauge, "setting the same value is no change");
  up.set(-0);
  up.set(NaN);
  up.set(NaN);
  assertEquals(revision(registry, "up"), gauge + 2);

  const histogram = revision(registry, "l")!;
  latency.observe(0.5);
  assertEquals(revision(registry, "l"), histogram + 1);
  assertEquals(revision(registry, "absent"), undefined);
});

Deno.test("revision sees collected values", () => {
  const registry = new Registry();
  let connected = 1;
  registry.register(
    new Gauge({ name: "up", help: "h", collect: (gauge) => gauge.set(connected) }),
  );
  const first = revision(registry, "up")!;
  assertEquals(revision(registry, "up"), first);
  connected = 0;
  assertEquals(revision(registry, "up"), first + 1);
  assertEquals(registry.read("up")!.series[0]!.value, 0);
});
