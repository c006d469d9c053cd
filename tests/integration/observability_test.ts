import { UnixDatagramSocket } from "../../ffi/unix_datagram_socket.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { P2_PORTS, readStatePort, REPO_ROOT, seedConfigPorts, waitFor } from "../support/mod.ts";
import {
  curlInNamespace,
  type ObserveWorld,
  sampleValue,
  withObserveWorld,
} from "./_observe_world.ts";

const FLAPS = 'portsyncd_port_oper_flaps_total{port="Ethernet0"}';
const OPER_UP = 'portsyncd_port_oper_up{port="Ethernet0"}';

/** Brings up a cold-started daemon with Ethernet0 created after PortConfigDone. */
async function startWithEthernet0(
  world: ObserveWorld,
  options: { extraToml?: string; env?: Record<string, string> } = {},
) {
  await seedConfigPorts(world.configDb, { Ethernet0: P2_PORTS.Ethernet0! });
  const daemon = await world.start(options);
  await daemon.waitForLine(/Wrote ports to APPL_DB/, 10_000);
  await world.orchagent.startAuto();
  await world.ns.addPort("Ethernet0", { up: true, peerUp: true, mtu: 9100 });
  await waitOper(world, "up");
  return daemon;
}

async function waitOper(world: ObserveWorld, oper: "up" | "down"): Promise<void> {
  await waitFor(
    async () => (await readStatePort(world.stateDb, "Ethernet0"))?.netdev_oper_status === oper,
    { message: `STATE_DB Ethernet0 oper ${oper}`, timeoutMs: 5000 },
  );
}

function readDatagrams(socket: UnixDatagramSocket, into: string[]): string[] {
  for (let datagram = socket.receive(); datagram; datagram = socket.receive()) {
    into.push(new TextDecoder().decode(datagram));
  }
  return into;
}

Deno.test("metrics over mTLS follow flaps", async () => {
  await withObserveWorld("obs-mtls", async (world) => {
    await world.configDb.hset("LOGGER|portsyncd", { LOGLEVEL: "NOTICE", LOGOUTPUT: "STDERR" });
    const daemon = await startWithEthernet0(world);
    await daemon.waitForLine(/Serving metrics/);
    const client = { cert: world.certs.clientCert, key: world.certs.clientKey };

    const health = await waitFor(async () => {
      const result = await curlInNamespace(world, "/health", client);
      return result.httpStatus === "200" && JSON.parse(result.body);
    }, { message: "/health ok", timeoutMs: 5000 });
    assertEquals(health.status, "ok");
    assertEquals(health.port_init_done, true);
    assertEquals(health.ports.in_sync, 1);
    assertEquals(health.redis, { CONFIG_DB: "ready", APPL_DB: "ready", STATE_DB: "ready" });
    assertEquals(health.netlink.reader, "running");
    assertEquals(health.warm_restart, { warm: false });

    const first = await curlInNamespace(world, "/metrics", client);
    assertEquals(first.httpStatus, "200", first.stderr);
    assertEquals(sampleValue(first.body, OPER_UP), 1);
    assertEquals(sampleValue(first.body, 'portsyncd_starts_total{mode="cold"}'), 1);
    assertEquals(sampleValue(first.body, 'portsyncd_redis_connected{db="STATE_DB"}'), 1);
    const flapsBefore = sampleValue(first.body, FLAPS) ?? 0;
    const writesBefore = sampleValue(first.body, 'portsyncd_redis_writes_total{db="STATE_DB"}');
    assert(writesBefore !== undefined, first.body);
    assert(writesBefore >= 1, first.body);

    await world.ns.run(["link", "set", "p-Ethernet0", "down"]);
    await waitOper(world, "down");
    const down = await curlInNamespace(world, "/metrics", client);
    assertEquals(sampleValue(down.body, OPER_UP), 0);
    await world.ns.run(["link", "set", "p-Ethernet0", "up"]);
    await waitOper(world, "up");
    await world.ns.run(["link", "set", "p-Ethernet0", "down"]);
    await waitOper(world, "down");
    await world.ns.run(["link", "set", "p-Ethernet0", "up"]);
    await waitOper(world, "up");

    const after = await curlInNamespace(world, "/metrics", client);
    assertEquals(sampleValue(after.body, FLAPS), flapsBefore + 4);
    assertEquals(sampleValue(after.body, OPER_UP), 1);
    assert(
      sampleValue(after.body, 'portsyncd_redis_writes_total{db="STATE_DB"}')! >= writesBefore + 4,
    );
    assert(sampleValue(after.body, "portsyncd_event_to_redis_latency_seconds_count")! >= 4);
    assert(
      sampleValue(after.body, 'portsyncd_link_events_total{type="RTM_NEWLINK",outcome="set"}')! >=
        5,
    );
    assert(sampleValue(after.body, "portsyncd_port_init_done_seconds")! > 0);

    const bad: Array<[string, { cert: string; key: string } | undefined]> = [
      ["no certificate", undefined],
      ["foreign CA", { cert: world.certs.foreignClientCert, key: world.certs.foreignClientKey }],
      ["X.509 v1", { cert: world.certs.v1ClientCert, key: world.certs.v1ClientKey }],
    ];
    for (const [name, badClient] of bad) {
      const result = await curlInNamespace(world, "/metrics", badClient);
      assert(result.code !== 0, `${name}: served with HTTP ${result.httpStatus}`);
      assertEquals([result.httpStatus, result.body], ["000", ""], name);
    }
  });
});

Deno.test("systemd notify and LOGGER level", async () => {
  await withObserveWorld("obs-sd", async (world) => {
    const notifyPath = `${world.dir}/notify`;
    const notify = UnixDatagramSocket.bind(notifyPath);
    try {
      await world.configDb.hset("LOGGER|portsyncd", { LOGLEVEL: "NOTICE", LOGOUTPUT: "STDERR" });
      const daemon = await startWithEthernet0(world, {
        env: { NOTIFY_SOCKET: notifyPath, WATCHDOG_USEC: "200000" },
      });
      const messages: string[] = [];
      await waitFor(() =>
        Promise.resolve(
          readDatagrams(notify, messages).includes(
            "READY=1\nSTATUS=Running: ports in sync",
          ),
        ), { message: `READY=1 among ${JSON.stringify(messages)}`, timeoutMs: 5000 });
      assert(messages.some((m) => m.startsWith("STATUS=Starting")), messages.join("|"));
      const readyAt = messages.findIndex((m) => m.startsWith("READY=1"));
      await waitFor(
        () =>
          Promise.resolve(
            readDatagrams(notify, messages).slice(readyAt).filter((m) => m === "WATCHDOG=1")
              .length >= 3,
          ),
        { message: "three watchdog pings after READY", timeoutMs: 3000 },
      );

      const client = { cert: world.certs.clientCert, key: world.certs.clientKey };
      await daemon.waitForLine(/Serving metrics/);
      assertEquals((await curlInNamespace(world, "/health", client)).httpStatus, "200");
      assertEquals(daemon.lines.filter((line) => line.startsWith(" DEBUG ")), []);
      await world.configDb.hset("LOGGER|portsyncd", "LOGLEVEL", "DEBUG");
      await daemon.waitForLine(/Changed log settings from=NOTICE\/STDERR to=DEBUG\/STDERR/);
      assertEquals((await curlInNamespace(world, "/health", client)).httpStatus, "200");
      const line = await daemon.waitForLine(/^ DEBUG portsyncd\.metrics: Served metrics request/);
      assertMatch(line, /path=\/health status=200/);

      const status = await daemon.stop();
      assertEquals(status.code, 0);
      readDatagrams(notify, messages);
      assert(messages.includes("STOPPING=1\nSTATUS=Stopping"), messages.slice(-5).join("|"));
      const stoppingAt = messages.indexOf("STOPPING=1\nSTATUS=Stopping");
      assertEquals(messages.slice(stoppingAt).filter((m) => m === "WATCHDOG=1"), []);
    } finally {
      notify.close();
    }
  });
});

Deno.test("syslog gets RFC 3164 datagrams", async () => {
  await withObserveWorld("obs-log", async (world) => {
    const logPath = `${world.dir}/log`;
    const syslog = UnixDatagramSocket.bind(logPath);
    try {
      const daemon = await world.start({ extraToml: `[logging]\nsyslog_socket = "${logPath}"\n` });
      const datagrams: string[] = [];
      const wrote = await waitFor(
        () =>
          Promise.resolve(
            readDatagrams(syslog, datagrams).find((d) => d.includes("Wrote ports to APPL_DB")),
          ),
        { message: "syslog datagram of the APPL_DB write", timeoutMs: 10_000 },
      );
      assertMatch(
        wrote,
        new RegExp(
          String.raw`^<13>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} portsyncd\[${daemon.pid}\]: ` +
            String.raw`portsyncd\.daemon: Wrote ports to APPL_DB count=0$`,
        ),
      );
      assertEquals(await world.configDb.hgetall("LOGGER|portsyncd"), {
        LOGLEVEL: "NOTICE",
        LOGOUTPUT: "SYSLOG",
      });
      assertEquals(daemon.lines.filter((line) => line.includes("Wrote ports to APPL_DB")), []);
      await world.configDb.hset("LOGGER|portsyncd", "LOGOUTPUT", "STDERR");
      await daemon.waitForLine(/Changed log settings from=NOTICE\/SYSLOG to=NOTICE\/STDERR/);
    } finally {
      syslog.close();
    }
  });
});

Deno.test("plain http off loopback refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "portsyncd-observe-" });
  try {
    await Deno.writeTextFile(
      `${dir}/portsyncd.toml`,
      '[metrics]\nlisten = "0.0.0.0:9090"\ntls = false\n',
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        `${REPO_ROOT}/main.ts`,
        "--config",
        `${dir}/portsyncd.toml`,
        "--db-config",
        `${dir}/absent.json`,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assertEquals(output.code, 1);
    const stderr = new TextDecoder().decode(output.stderr);
    assertMatch(stderr, /tls = false needs a loopback listen address/);
    assert(!stderr.includes("absent.json"), stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
