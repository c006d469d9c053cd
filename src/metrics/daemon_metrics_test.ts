import { assert, assertEquals } from "../../tests/assert.ts";
import type { LinkEvent } from "../sync/link_event.ts";
import { DaemonMetrics } from "./daemon_metrics.ts";
import type { DaemonStatus } from "../daemon/daemon_status.ts";
import { EventLoopLag, IDLE_PROBES } from "./event_loop_lag.ts";
import { buildHealthReport } from "./health_report.ts";
import { isLoopbackHost, parseListenAddress } from "./listen_address.ts";

function event(oper: boolean): LinkEvent {
  return {
    op: "new",
    name: "Ethernet0",
    ifindex: 5,
    family: 0,
    admin: true,
    oper,
    mtu: 9100,
    master: 0,
    kind: "veth",
    fromDump: false,
  };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("metrics count flaps and writes", () => {
  let now = 1000;
  const metrics = new DaemonMetrics(() => now);
  for (const oper of [true, false, true, true]) {
    const e = event(oper);
    metrics.decision(e, { action: "set", name: "Ethernet0", status: { ...e, mtu: 9100 } });
  }
  now = 1003;
  metrics.stateWritten(
    [{
      op: "set",
      name: "Ethernet0",
      status: { ifindex: 5, admin: true, oper: false, mtu: 9100 },
    }],
    0.0001,
    1000,
  );
  metrics.receiveError("ENOBUFS");
  metrics.dumpStarted("overflow", 1);
  metrics.dumpStarted("reconnect", 1);
  metrics.portInitDone();
  const text = metrics.text();
  assertEquals(sample(text, 'portsyncd_port_oper_flaps_total{port="Ethernet0"}'), 2);
  assertEquals(sample(text, 'portsyncd_port_oper_up{port="Ethernet0"}'), 0);
  assertEquals(sample(text, 'portsyncd_port_admin_up{port="Ethernet0"}'), 1);
  assertEquals(sample(text, "portsyncd_netlink_overflows_total"), 1);
  assertEquals(sample(text, 'portsyncd_netlink_dumps_total{reason="overflow"}'), 1);
  assertEquals(sample(text, 'portsyncd_event_to_redis_latency_seconds_bucket{le="0.0025"}'), 0);
  assertEquals(sample(text, 'portsyncd_event_to_redis_latency_seconds_bucket{le="0.005"}'), 1);
  assertEquals(sample(text, "portsyncd_port_init_done_seconds"), 0.003);
  assert(!text.includes("portsyncd_warm_reconcile_seconds"));
  assertEquals(sample(text, "portsyncd_netlink_resyncs_total"), 1);
  metrics.stateWritten([{ op: "delete", name: "Ethernet0" }], 0.0001, undefined);
  metrics.reconciled(0.5, { unchanged: 3, updated: 2, removed: 1 });
  const later = metrics.text();
  assertEquals(sample(later, 'portsyncd_port_oper_up{port="Ethernet0"}'), undefined);
  assertEquals(sample(later, "portsyncd_warm_reconcile_seconds"), 0.5);
  assertEquals(sample(later, 'portsyncd_warm_reconciled_ports_total{outcome="updated"}'), 2);
});

Deno.test("promtool accepts daemon metrics", async () => {
  const metrics = new DaemonMetrics();
  metrics.messages("RTM_NEWLINK", 3);
  metrics.receiveError('odd "errno"\\\n');
  metrics.stateWritten(
    [{ op: "set", name: "Ethernet0", status: { ifindex: 5, admin: true, oper: true, mtu: 9100 } }],
    0.0002,
    undefined,
  );
  metrics.portInitDone();
  metrics.reconciled(0.5, { unchanged: 1, updated: 0, removed: 0 });
  const text = metrics.text();
  assert(text.includes('{errno="odd \\"errno\\"\\\\\\n"} 1'), text);
  const promtool = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = promtool.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await promtool.output();
  const report = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assertEquals([output.code, report], [0, ""]);
});

Deno.test("health degrades without redis", () => {
  const base = {
    state: "running" as const,
    warm: false,
    initialSyncDone: true,
    portInitDone: true,
    netlinkReaderRunning: true,
    netlinkBusySince: undefined,
    netlinkResyncing: false,
    lastNetlinkReceiveAt: 1000,
    syncedPortCount: 2,
    pendingPortCount: 0,
    awaitingPortCount: 0,
    redisStatus: () => ({ APPL_DB: "ready", STATE_DB: "ready" }),
  };
  const ok = buildHealthReport(base, 0.001, 3000);
  assertEquals([ok.status, ok.seconds_since_last_event, ok.problems], ["ok", 2, []]);
  const down = buildHealthReport(
    { ...base, redisStatus: () => ({ STATE_DB: "reconnecting" }) },
    0,
    3000,
  );
  assertEquals([down.status, down.problems], ["degraded", ["STATE_DB connection is reconnecting"]]);
  assertEquals(buildHealthReport({ ...base, state: "starting" }, 0, 1).status, "starting");
});

Deno.test("listen address parses and checks", () => {
  assertEquals(parseListenAddress("[::1]:9090"), { host: "::1", port: 9090 });
  assertEquals(parseListenAddress("127.0.0.1:80"), { host: "127.0.0.1", port: 80 });
  assertEquals(parseListenAddress("::1:9090"), undefined);
  assertEquals(parseListenAddress("[::1]:0"), undefined);
  for (const host of ["::1", "127.1.2.3", "localhost"]) {
    assertEquals(isLoopbackHost(host), true, host);
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.1"]) assertEquals(isLoopbackHost(host), false, host);
});

Deno.test("event loop lag sees a block", () => {
  let now = 0;
  const lag = new EventLoopLag(() => now);
  lag.start();
  try {
    // A probe is due every second, so a loop blocked for 2.5 s is 1.5 s overdue.
    now = 2500;
    assertEquals(lag.lagSeconds, 1.5);
  } finally {
    lag.stop();
  }
});

Deno.test("event loop lag probe rests while idle", async () => {
  const lag = new EventLoopLag(undefined, 5);
  const metrics = new DaemonMetrics();
  // The test reads only the probe, so the daemon's status is never read.
  metrics.attach({ status: {} as DaemonStatus, lag });
  lag.start();
  try {
    const restAfterMs = 5 * (IDLE_PROBES + 6);
    await new Promise((resolve) => setTimeout(resolve, restAfterMs));
    assertEquals(lag.probing, false, "no netlink batch, no probe timer");
    metrics.batchReceived();
    assertEquals(lag.probing, true, "a netlink batch starts the probe");
    for (let i = 0; i < IDLE_PROBES + 6; i++) {
      metrics.batchReceived();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assertEquals(lag.probing, true, "batches keep it running");
    await new Promise((resolve) => setTimeout(resolve, restAfterMs));
    assertEquals(lag.probing, false);
  } finally {
    lag.stop();
  }
});
