import { assertEquals } from "../../tests/assert.ts";
import { Counter, Gauge, Registry } from "../metrics/registry/mod.ts";
import type { AlertRule } from "./alert_rule.ts";
import { MetricSampler } from "./metric_sampler.ts";

const WINDOW_MS = 120_000;

function flapRule(): AlertRule {
  return {
    id: "flaps",
    metric: "test_flaps_total",
    matchers: [],
    condition: { kind: "rate_of_change", threshold: 0.05 },
    quantile: undefined,
    windowMs: WINDOW_MS,
    forMs: 0,
    severity: "warning",
    actions: [],
    webhookUrl: undefined,
    enabled: true,
    summary: "",
  };
}

function setup(): { flaps: Counter<readonly ["port"]>; sampler: MetricSampler } {
  const registry = new Registry();
  const flaps = new Counter({
    name: "test_flaps_total",
    help: "Flaps per port",
    labelNames: ["port"] as const,
  });
  registry.register(flaps);
  return { flaps, sampler: new MetricSampler(registry, WINDOW_MS, ["test_flaps_total"]) };
}

Deno.test("sampler rate after long plateau", () => {
  const { flaps, sampler } = setup();
  flaps.labels("Ethernet0").inc(3);
  // Five minutes of unchanged readings, then six increments within the window.
  for (let at = 0; at <= 300_000; at += 5_000) sampler.sample(at);
  flaps.labels("Ethernet0").inc(6);
  sampler.sample(305_000);
  const [series] = sampler.values(flapRule(), 305_000);
  assertEquals(series?.value, 6 / (WINDOW_MS / 1000));
});

Deno.test("sampler rate ages out of window", () => {
  const { flaps, sampler } = setup();
  flaps.labels("Ethernet0").inc(3);
  sampler.sample(0);
  flaps.labels("Ethernet0").inc(6);
  const rates = new Map<number, number | undefined>();
  for (let at = 5_000; at <= 300_000; at += 5_000) {
    sampler.sample(at);
    rates.set(at, sampler.values(flapRule(), at)[0]?.value);
  }
  // The increase happened between 0 and 5 s: windows that start at or before 0 s see it.
  assertEquals(rates.get(120_000), 6 / (WINDOW_MS / 1000));
  assertEquals(rates.get(125_000), 0);
  assertEquals(rates.get(300_000), 0);
});

Deno.test("sampler collects a gauge once", () => {
  const registry = new Registry();
  let collects = 0;
  let depth = 0;
  registry.register(
    new Gauge({
      name: "test_queue_depth",
      help: "Queued items",
      collect: (gauge) => {
        collects++;
        gauge.set(depth);
      },
    }),
  );
  const sampler = new MetricSampler(registry, WINDOW_MS, ["test_queue_depth"]);
  sampler.sample(0);
  assertEquals(collects, 1, "first reading");
  depth = 4;
  sampler.sample(5_000);
  assertEquals(collects, 2, "a changed value is collected once");
  sampler.sample(10_000);
  assertEquals(collects, 3, "an unchanged value is collected once");
  assertEquals(sampler.changedAt("test_queue_depth"), 5_000);
});
