import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import { assert, assertEquals } from "../../tests/assert.ts";
import { makeTestCertificates, type TestCertificates } from "../../tests/support/certificates.ts";
import { curlOutputArgs, type CurlResult, runCurl } from "../../tests/support/curl.ts";
import type { Config } from "../config/config_schema.ts";
import { HttpRouter } from "./http_router.ts";
import { type MetricsServer, startMetricsServer } from "./metrics_server.ts";

/** Fetches `path` from the server with curl, optionally with a client certificate. */
async function curl(
  server: MetricsServer,
  certs: TestCertificates,
  path: string,
  client?: { cert: string; key: string },
): Promise<CurlResult> {
  const scheme = server.tls ? "https" : "http";
  const args = curlOutputArgs();
  if (server.tls) args.push("--cacert", certs.ca);
  if (client) args.push("--cert", client.cert, "--key", client.key);
  args.push(`${scheme}://[::1]:${server.address.port}${path}`);
  return await runCurl("curl", args);
}

function metricsConfig(overrides: Partial<Config["metrics"]>): Config["metrics"] {
  return {
    listen: "[::1]:9090",
    tls: true,
    cert: undefined,
    key: undefined,
    ca: undefined,
    min_tls_version: "TLSv1.3",
    ...overrides,
  };
}

function captureLogs(lowestLevel: "debug" | "info" = "info"): LogRecord[] {
  const records: LogRecord[] = [];
  configureSync({
    reset: true,
    sinks: { capture: (record) => records.push(record) },
    loggers: [
      { category: ["portsyncd"], sinks: ["capture"], lowestLevel },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
  });
  return records;
}

async function withServer(
  body: (server: MetricsServer, certs: TestCertificates, router: HttpRouter) => Promise<void>,
  overrides: Partial<Config["metrics"]> = {},
): Promise<void> {
  const certs = await makeTestCertificates();
  const router = new HttpRouter();
  router.register("/metrics", () => ({
    status: 200,
    contentType: "text/plain; version=0.0.4",
    body: "portsyncd_test_total 1\n",
  }));
  router.register("/health", () => ({
    status: 200,
    contentType: "application/json",
    body: '{"status":"ok"}',
  }));
  let server: MetricsServer | undefined;
  try {
    server = await startMetricsServer({
      metrics: metricsConfig({
        cert: certs.serverCert,
        key: certs.serverKey,
        ca: certs.ca,
        ...overrides,
      }),
      address: { host: "::1", port: 0 },
      router,
    });
    assert(server, "the metrics server did not start");
    await body(server, certs, router);
  } finally {
    await server?.close();
    await certs.remove();
  }
}

Deno.test("mtls accepts CA-signed client", async () => {
  await withServer(async (server, certs, router) => {
    const client = { cert: certs.clientCert, key: certs.clientKey };
    const metrics = await curl(server, certs, "/metrics", client);
    assertEquals([metrics.code, metrics.httpStatus], [0, "200"], metrics.stderr);
    assertEquals(metrics.body, "portsyncd_test_total 1\n");
    const health = await curl(server, certs, "/health", client);
    assertEquals(JSON.parse(health.body), { status: "ok" });
    assertEquals((await curl(server, certs, "/nothing", client)).httpStatus, "404");
    router.register("/alerts", (url) => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ since: url.searchParams.get("since") }),
    }));
    const alerts = await curl(server, certs, "/alerts?since=5", client);
    assertEquals(JSON.parse(alerts.body), { since: "5" });
  });
});

Deno.test("mtls rejects bad clients", async () => {
  const records = captureLogs("debug");
  try {
    await withServer(async (server, certs, router) => {
      let served = 0;
      router.register("/counted", () => {
        served++;
        return { status: 200, contentType: "text/plain", body: "served\n" };
      });
      const cases: Array<[string, { cert: string; key: string } | undefined]> = [
        ["no certificate", undefined],
        ["foreign CA", { cert: certs.foreignClientCert, key: certs.foreignClientKey }],
        ["X.509 v1", { cert: certs.v1ClientCert, key: certs.v1ClientKey }],
      ];
      for (const [name, client] of cases) {
        const before = records.length;
        const result = await curl(server, certs, "/counted", client);
        assert(result.code !== 0, `${name}: curl succeeded: ${result.httpStatus}`);
        assertEquals([result.httpStatus, result.body], ["000", ""], name);
        const rejected = records.slice(before).filter((record) =>
          record.message[0] === "Rejected metrics client in the TLS handshake"
        );
        assertEquals(rejected.length, 1, `${name}: ${result.stderr}`);
      }
      assertEquals(served, 0);
      const good = await curl(server, certs, "/counted", {
        cert: certs.clientCert,
        key: certs.clientKey,
      });
      assertEquals([good.httpStatus, served], ["200", 1]);
    });
  } finally {
    resetSync();
  }
});

Deno.test("mtls honours TLS 1.2 minimum", async () => {
  await withServer(async (server, certs) => {
    const client = { cert: certs.clientCert, key: certs.clientKey };
    const args = ["--tls-max", "1.2"];
    const output = await new Deno.Command("curl", {
      args: [
        "-sS",
        "--max-time",
        "5",
        ...args,
        "--cacert",
        certs.ca,
        "--cert",
        client.cert,
        "--key",
        client.key,
        `https://[::1]:${server.address.port}/health`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  }, { min_tls_version: "TLSv1.2" });
});

Deno.test("mtls refuses TLS 1.2 by default", async () => {
  await withServer(async (server, certs) => {
    const output = await new Deno.Command("curl", {
      args: [
        "-sS",
        "--max-time",
        "5",
        "--tls-max",
        "1.2",
        "--cacert",
        certs.ca,
        "--cert",
        certs.clientCert,
        "--key",
        certs.clientKey,
        `https://[::1]:${server.address.port}/health`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(output.code !== 0, "a TLS 1.2 client was served");
  });
});

Deno.test("plain http on loopback", async () => {
  await withServer(async (server, certs) => {
    assertEquals(server.tls, false);
    const result = await curl(server, certs, "/health");
    assertEquals([result.code, result.httpStatus], [0, "200"], result.stderr);
  }, { tls: false });
});

Deno.test("missing key file disables server", async () => {
  const certs = await makeTestCertificates();
  const records = captureLogs();
  try {
    const missing = `${certs.dir}/absent.key`;
    const server = await startMetricsServer({
      metrics: metricsConfig({ cert: certs.serverCert, key: missing, ca: certs.ca }),
      address: { host: "::1", port: 0 },
      router: new HttpRouter(),
    });
    assertEquals(server, undefined);
    const errors = records.filter((record) => record.level === "error");
    assertEquals(errors.length, 1);
    assertEquals(errors[0]!.properties.file, missing);
    assertEquals(errors[0]!.properties.key, "metrics.key");
  } finally {
    resetSync();
    await certs.remove();
  }
});

Deno.test("unset credentials keep server off", async () => {
  const records = captureLogs();
  try {
    const server = await startMetricsServer({
      metrics: metricsConfig({}),
      address: { host: "::1", port: 0 },
      router: new HttpRouter(),
    });
    assertEquals(server, undefined);
    assertEquals(records.filter((record) => record.level === "error").length, 0);
    assert(records.some((record) => /Metrics server is off/.test(String(record.message[0]))));
  } finally {
    resetSync();
  }
});
