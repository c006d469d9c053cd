import { resetSync } from "@logtape/logtape";
import { assertEquals } from "../../tests/assert.ts";
import { startRedis } from "../../tests/support/redis_server.ts";
import { waitFor } from "../../tests/support/wait_for.ts";
import { createConnection } from "../sonic_db/connection.ts";
import { loadDatabaseConfig } from "../sonic_db/database_config.ts";
import { LoggerTable, tableLevel, tableOutput } from "./logger_table.ts";
import { LogControl } from "./setup_logging.ts";

Deno.test("logger values fall back", () => {
  assertEquals(tableLevel("DEBUG"), "DEBUG");
  assertEquals(tableLevel("debug"), "NOTICE");
  assertEquals(tableLevel(null), "NOTICE");
  assertEquals(tableOutput("STDOUT"), "STDOUT");
  assertEquals(tableOutput("FILE"), "SYSLOG");
});

async function withTable(
  seed: Record<string, string> | undefined,
  levelOverride: "ERROR" | undefined,
  body: (
    table: LoggerTable,
    control: LogControl,
    configDb: ReturnType<Awaited<ReturnType<typeof startRedis>>["client"]>,
  ) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  let table: LoggerTable | undefined;
  try {
    const configDb = redis.client("CONFIG_DB");
    if (seed) await configDb.hset("LOGGER|portsyncd", seed);
    const databaseConfig = await loadDatabaseConfig(redis.dbConfigPath);
    const control = new LogControl(() => undefined);
    control.apply("NOTICE", "STDERR", true);
    table = new LoggerTable({
      client: createConnection(databaseConfig, "CONFIG_DB", { purpose: "logger" }),
      subscriber: createConnection(databaseConfig, "CONFIG_DB", { purpose: "logger-events" }),
      dbId: databaseConfig.database("CONFIG_DB").id,
      separator: "|",
      control,
      levelOverride,
    });
    await table.start(3000);
    await body(table, control, configDb);
  } finally {
    table?.close();
    resetSync();
    await redis.stop();
  }
}

Deno.test("logger table writes defaults", async () => {
  await withTable(undefined, undefined, async (_table, control, configDb) => {
    assertEquals(await configDb.hgetall("LOGGER|portsyncd"), {
      LOGLEVEL: "NOTICE",
      LOGOUTPUT: "SYSLOG",
    });
    assertEquals([control.level, control.output], ["NOTICE", "SYSLOG"]);
  });
});

Deno.test("logger table keeps present value", async () => {
  await withTable({ LOGLEVEL: "INFO" }, undefined, async (_table, control, configDb) => {
    assertEquals(await configDb.hgetall("LOGGER|portsyncd"), {
      LOGLEVEL: "INFO",
      LOGOUTPUT: "SYSLOG",
    });
    assertEquals(control.level, "INFO");
  });
});

Deno.test("logger table follows changes", async () => {
  await withTable(
    { LOGLEVEL: "NOTICE", LOGOUTPUT: "STDERR" },
    undefined,
    async (_t, control, configDb) => {
      assertEquals([control.level, control.output], ["NOTICE", "STDERR"]);
      await configDb.hset("LOGGER|portsyncd", "LOGLEVEL", "DEBUG");
      await waitFor(() => Promise.resolve(control.level === "DEBUG"), { message: "level DEBUG" });
      await configDb.hset("LOGGER|portsyncd", "LOGOUTPUT", "STDOUT", "LOGLEVEL", "bogus");
      await waitFor(() => Promise.resolve(control.output === "STDOUT"), {
        message: "output STDOUT",
      });
      assertEquals(control.level, "NOTICE");
    },
  );
});

Deno.test("logger override wins over table", async () => {
  await withTable(
    { LOGLEVEL: "DEBUG", LOGOUTPUT: "STDERR" },
    "ERROR",
    async (_t, control, configDb) => {
      assertEquals(control.level, "ERROR");
      await configDb.hset("LOGGER|portsyncd", "LOGOUTPUT", "STDOUT");
      await waitFor(() => Promise.resolve(control.output === "STDOUT"), {
        message: "output STDOUT",
      });
      assertEquals(control.level, "ERROR");
    },
  );
});
