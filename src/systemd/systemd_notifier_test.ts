import { UnixDatagramSocket } from "../../ffi/unix_datagram_socket.ts";
import { assert, assertEquals } from "../../tests/assert.ts";
import type { DaemonStatus } from "../daemon/daemon_status.ts";
import { EventLoopLag } from "../metrics/event_loop_lag.ts";
import { checkLiveness } from "./liveness.ts";
import { SystemdNotifier } from "./systemd_notifier.ts";
import { SystemdReporter } from "./systemd_reporter.ts";

function status(overrides: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    state: "running",
    warm: false,
    initialSyncDone: true,
    portInitDone: true,
    netlinkReaderRunning: true,
    netlinkBusySince: undefined,
    netlinkResyncing: false,
    lastNetlinkReceiveAt: 1,
    syncedPortCount: 1,
    pendingPortCount: 0,
    awaitingPortCount: 0,
    redisStatus: () => ({}),
    ...overrides,
  };
}

function drain(socket: UnixDatagramSocket): string[] {
  const out: string[] = [];
  for (let d = socket.receive(); d; d = socket.receive()) out.push(new TextDecoder().decode(d));
  return out;
}

Deno.test("notifier needs NOTIFY_SOCKET", () => {
  assertEquals(SystemdNotifier.fromEnvironment({}), undefined);
  const other = SystemdNotifier.fromEnvironment(
    { NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "1000000", WATCHDOG_PID: "1" },
    2,
  );
  assertEquals(other?.watchdogUsec, undefined);
  other?.close();
  const own = SystemdNotifier.fromEnvironment({ NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "1000000" });
  assertEquals(own?.watchdogUsec, 1_000_000);
  own?.close();
});

Deno.test("notifier sends to abstract socket", () => {
  const name = `@portsyncd-notify-${crypto.randomUUID()}`;
  const receiver = UnixDatagramSocket.bind(name);
  const notifier = SystemdNotifier.fromEnvironment({ NOTIFY_SOCKET: name })!;
  try {
    notifier.notify("READY=1", "STATUS=two\nlines");
    assertEquals(drain(receiver), ["READY=1\nSTATUS=two lines"]);
  } finally {
    notifier.close();
    receiver.close();
  }
});

Deno.test("liveness checks lag and reader", () => {
  assertEquals(checkLiveness(status(), 0.01, 100), { alive: true });
  assertEquals(checkLiveness(status(), 2, 100).alive, false);
  assertEquals(checkLiveness(status({ netlinkReaderRunning: false }), 0, 100).alive, false);
  assertEquals(checkLiveness(status({ state: "starting", netlinkReaderRunning: false }), 0, 1), {
    alive: true,
  });
  assertEquals(checkLiveness(status({ netlinkBusySince: 0 }), 0, 29_000).alive, true);
  assertEquals(checkLiveness(status({ netlinkBusySince: 0 }), 0, 31_000).alive, false);
});

Deno.test("reporter withholds watchdog when stuck", async () => {
  const name = `@portsyncd-notify-${crypto.randomUUID()}`;
  const receiver = UnixDatagramSocket.bind(name);
  const notifier = SystemdNotifier.fromEnvironment({
    NOTIFY_SOCKET: name,
    WATCHDOG_USEC: "40000",
  })!;
  const current = status();
  const reporter = new SystemdReporter(notifier, current, new EventLoopLag());
  try {
    reporter.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const alive = drain(receiver);
    assert(alive.filter((m) => m === "WATCHDOG=1").length >= 2, alive.join("|"));
    (current as { netlinkReaderRunning: boolean }).netlinkReaderRunning = false;
    await new Promise((resolve) => setTimeout(resolve, 30));
    drain(receiver);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(drain(receiver), []);
    reporter.stateChanged("stopping");
    assertEquals(drain(receiver), ["STOPPING=1\nSTATUS=Stopping"]);
  } finally {
    reporter.close();
    receiver.close();
  }
});
