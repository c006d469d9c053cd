import { getLogger, type LogRecord, resetSync } from "@logtape/logtape";
import { UnixDatagramSocket } from "../../ffi/unix_datagram_socket.ts";
import { assert, assertEquals, assertMatch } from "../../tests/assert.ts";
import { LogControl } from "./setup_logging.ts";
import {
  createSyslogSink,
  formatSyslogDatagram,
  syslogSinkFactory,
  syslogTimestamp,
} from "./syslog_sink.ts";

function record(level: LogRecord["level"], timestamp: number): LogRecord {
  return {
    category: ["portsyncd", "link"],
    level,
    message: ["Link message"],
    rawMessage: "Link message",
    properties: { port: "Ethernet0", oper: "up" },
    timestamp,
  };
}

Deno.test("syslog timestamp pads the day", () => {
  assertEquals(syslogTimestamp(new Date(2024, 0, 5, 7, 8, 9)), "Jan  5 07:08:09");
  assertEquals(syslogTimestamp(new Date(2024, 11, 25, 23, 59, 0)), "Dec 25 23:59:00");
});

Deno.test("syslog datagram carries priority", () => {
  const at = new Date(2024, 2, 14, 1, 2, 3).getTime();
  assertEquals(
    formatSyslogDatagram(record("info", at), 42),
    "<13>Mar 14 01:02:03 portsyncd[42]: portsyncd.link: Link message port=Ethernet0 oper=up",
  );
  assertMatch(formatSyslogDatagram(record("error", at), 42), /^<11>/);
  assertMatch(formatSyslogDatagram(record("trace", at), 42), /^<15>/);
});

Deno.test("syslog sink sends and falls back", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/log`;
  const receiver = UnixDatagramSocket.bind(path);
  const fallback: string[] = [];
  const sink = createSyslogSink({ socketPath: path, pid: 7, fallback: (l) => fallback.push(l) });
  try {
    sink(record("warning", Date.now()));
    const datagram = new TextDecoder().decode(receiver.receive());
    assertMatch(datagram, /^<12>\w{3} [ \d]\d \d\d:\d\d:\d\d portsyncd\[7\]: portsyncd\.link: /);
    receiver.close();
    sink(record("warning", Date.now()));
    sink(record("error", Date.now()));
    assertEquals(fallback.length, 3, fallback.join("\n"));
    assertMatch(fallback[0]!, /Failed to send to syslog socket/);
    assertMatch(fallback[1]!, /^ {2}WARN portsyncd\.link: Link message/);
    assertMatch(fallback[2]!, /^ ERROR portsyncd\.link/);
  } finally {
    sink[Symbol.dispose]();
    receiver.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("syslog factory needs a socket", () => {
  assertEquals(syslogSinkFactory(`/nonexistent-${crypto.randomUUID()}`)(), undefined);
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/file`, "");
    assertEquals(syslogSinkFactory(`${dir}/file`)(), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("log control sends to syslog", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/log`;
  const receiver = UnixDatagramSocket.bind(path);
  try {
    const control = new LogControl(syslogSinkFactory(path));
    control.apply("NOTICE", "SYSLOG", true);
    getLogger(["portsyncd", "test"]).info("Hello syslog", { port: "Ethernet8" });
    getLogger(["portsyncd", "test"]).debug("Hidden at NOTICE");
    const datagrams: string[] = [];
    for (let datagram = receiver.receive(); datagram; datagram = receiver.receive()) {
      datagrams.push(new TextDecoder().decode(datagram));
    }
    assert(
      datagrams.some((d) =>
        /portsyncd\[\d+\]: portsyncd\.test: Hello syslog port=Ethernet8$/.test(d)
      ),
      datagrams.join("\n"),
    );
    assert(!datagrams.some((d) => d.includes("Hidden")));
  } finally {
    resetSync();
    receiver.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
