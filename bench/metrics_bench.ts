/**
 * Metric updates on the hot path, 1000 per iteration so that the harness's own cost per
 * iteration does not hide them. It measures a labelled counter increment (series found by
 * label values), a histogram observation and the observer calls the daemon makes per netlink
 * batch, and also one scrape of a registry with 1024 ports.
 *
 * @module
 */

import { DaemonMetrics, LATENCY_BUCKETS_SECONDS } from "../src/metrics/daemon_metrics.ts";
import { Counter, Histogram, Registry } from "../src/metrics/registry/mod.ts";

const UPDATES = 1000;
const PORTS = Array.from({ length: 1024 }, (_, index) => `Ethernet${index * 4}`);
const KINDS = ["RTM_NEWLINK", "RTM_DELLINK"];

const registry = new Registry();
const messages = registry.register(
  new Counter({ name: "messages_total", help: "h", labelNames: ["type", "outcome"] }),
);
const flaps = registry.register(
  new Counter({ name: "flaps_total", help: "h", labelNames: ["port"] }),
);
const latency = registry.register(
  new Histogram({ name: "latency_seconds", help: "h", buckets: LATENCY_BUCKETS_SECONDS }),
);
for (const port of PORTS) flaps.labels(port).inc();

Deno.bench(`${UPDATES} labels(type, outcome).inc()`, { group: "inc", baseline: true }, (b) => {
  b.start();
  for (let i = 0; i < UPDATES; i++) messages.labels(KINDS[i & 1]!, "decoded").inc(3);
  b.end();
});

Deno.bench(`${UPDATES} labels(port).inc() over 1024 ports`, { group: "inc" }, (b) => {
  b.start();
  for (let i = 0; i < UPDATES; i++) flaps.labels(PORTS[i & 1023]!).inc();
  b.end();
});

Deno.bench(`${UPDATES} observe() of 17 buckets, small values`, { group: "observe" }, (b) => {
  b.start();
  for (let i = 0; i < UPDATES; i++) latency.observe(0.00004 + i * 1e-8);
  b.end();
});

Deno.bench(`${UPDATES} observe() of 17 buckets, above every bound`, { group: "observe" }, (b) => {
  b.start();
  for (let i = 0; i < UPDATES; i++) latency.observe(3 + i);
  b.end();
});

const daemon = new DaemonMetrics();
const written = PORTS.map((name, index) => [{
  op: "set" as const,
  name,
  status: { ifindex: 10 + index, admin: true, oper: index % 3 === 0, mtu: 9100 },
}]);

Deno.bench(
  `${UPDATES} DaemonMetrics batches (messages, stateWritten)`,
  { group: "daemon" },
  (b) => {
    b.start();
    for (let i = 0; i < UPDATES; i++) {
      daemon.messages("RTM_NEWLINK", 1);
      daemon.stateWritten(written[i & 1023]!, 0.00012, performance.now() - 0.05);
    }
    b.end();
  },
);

Deno.bench("render with 1024 ports", { group: "scrape" }, () => {
  daemon.text();
});
