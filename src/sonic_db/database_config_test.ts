import { assertEquals, assertInstanceOf, assertRejects, assertThrows } from "../../tests/assert.ts";
import {
  DatabaseConfigError,
  DEFAULT_DATABASE_CONFIG_PATH,
  loadDatabaseConfig,
  parseDatabaseConfig,
} from "./database_config.ts";

const SAMPLE = {
  INSTANCES: {
    redis: { hostname: "127.0.0.1", port: 6379, unix_socket_path: "/var/run/redis/redis.sock" },
    redis_chassis: { hostname: "redis_chassis.server", port: 6380 },
  },
  DATABASES: {
    APPL_DB: { id: 0, separator: ":", instance: "redis" },
    CONFIG_DB: { id: 4, separator: "|", instance: "redis" },
    STATE_DB: { id: 6, separator: "|", instance: "redis" },
    CHASSIS_APP_DB: { id: 12, separator: "|", instance: "redis_chassis" },
  },
  VERSION: "1.0",
};

function sampleWith(edit: (config: typeof SAMPLE & Record<string, unknown>) => void): string {
  const config = structuredClone(SAMPLE) as typeof SAMPLE & Record<string, unknown>;
  edit(config);
  return JSON.stringify(config);
}

function parseError(text: string): DatabaseConfigError {
  const error = assertThrows(() => parseDatabaseConfig("/etc/db.json", text), DatabaseConfigError);
  assertInstanceOf(error, DatabaseConfigError);
  assertEquals(error.path, "/etc/db.json");
  return error;
}

Deno.test("database config parses sample", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/database_config.json`;
    await Deno.writeTextFile(path, JSON.stringify(SAMPLE));
    const config = await loadDatabaseConfig(path);
    assertEquals(config.path, path);
    assertEquals(config.database("APPL_DB"), {
      name: "APPL_DB",
      id: 0,
      separator: ":",
      instance: "redis",
    });
    assertEquals(config.database("STATE_DB").id, 6);
    assertEquals(config.database("STATE_DB").separator, "|");
    assertEquals(config.instances.get("redis"), {
      hostname: "127.0.0.1",
      port: 6379,
      unixSocketPath: "/var/run/redis/redis.sock",
    });
    assertEquals(config.instances.get("redis_chassis"), {
      hostname: "redis_chassis.server",
      port: 6380,
    });
    assertEquals([...config.databases.keys()].length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("database config default path", () => {
  assertEquals(DEFAULT_DATABASE_CONFIG_PATH, "/var/run/redis/sonic-db/database_config.json");
});

Deno.test("database config empty socket path", () => {
  const config = parseDatabaseConfig(
    "/etc/db.json",
    sampleWith((c) => {
      c.INSTANCES.redis.unix_socket_path = "";
    }),
  );
  assertEquals(config.instances.get("redis")?.unixSocketPath, undefined);
});

Deno.test("database config unknown database", () => {
  const config = parseDatabaseConfig("/etc/db.json", JSON.stringify(SAMPLE));
  const error = assertThrows(() => config.database("ASIC_DB"), DatabaseConfigError);
  assertEquals(error.message, "Database ASIC_DB not found in /etc/db.json: add it under DATABASES");
});

Deno.test("database config missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/absent.json`;
    const error = await assertRejects(() => loadDatabaseConfig(path), DatabaseConfigError);
    assertEquals(
      error.message,
      `Failed to read SONiC database config ${path}: file not found; ` +
        "pass --db-config PATH or start the database service first",
    );
    assertEquals(error.path, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("database config bad JSON position", () => {
  const error = parseError('{\n  "INSTANCES": {}\n  "DATABASES": {}\n}');
  assertEquals(
    error.message,
    "Failed to parse SONiC database config /etc/db.json: " +
      "Expected ',' or '}' after property value at line 3 column 3; fix the JSON syntax in that file",
  );
});

Deno.test("database config truncated JSON", () => {
  const error = parseError("");
  assertEquals(
    error.message,
    "Failed to parse SONiC database config /etc/db.json: Unexpected end of JSON input; " +
      "fix the JSON syntax in that file",
  );
});

Deno.test("database config missing separator", () => {
  const error = parseError(sampleWith((c) => {
    delete (c.DATABASES.APPL_DB as Record<string, unknown>).separator;
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: required key DATABASES.APPL_DB.separator " +
      "is missing; add it as in the SONiC sample database_config.json",
  );
});

Deno.test("database config missing DATABASES", () => {
  const error = parseError(sampleWith((c) => {
    delete (c as Record<string, unknown>).DATABASES;
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: required key DATABASES is missing; " +
      "add it as in the SONiC sample database_config.json",
  );
});

Deno.test("database config missing hostname", () => {
  const error = parseError(sampleWith((c) => {
    delete (c.INSTANCES.redis as Record<string, unknown>).hostname;
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: required key INSTANCES.redis.hostname " +
      "is missing; add it as in the SONiC sample database_config.json",
  );
});

Deno.test("database config string id", () => {
  const error = parseError(sampleWith((c) => {
    (c.DATABASES.STATE_DB as Record<string, unknown>).id = "6";
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: DATABASES.STATE_DB.id must be " +
      'a non-negative integer, got "6"; fix the value',
  );
});

Deno.test("database config bad port", () => {
  const error = parseError(sampleWith((c) => {
    (c.INSTANCES.redis as Record<string, unknown>).port = 70000;
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: INSTANCES.redis.port must be " +
      "an integer from 0 to 65535, got 70000; fix the value",
  );
});

Deno.test("database config numeric socket path", () => {
  const error = parseError(sampleWith((c) => {
    (c.INSTANCES.redis as Record<string, unknown>).unix_socket_path = 5;
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: INSTANCES.redis.unix_socket_path " +
      "must be a string, got 5; fix the value",
  );
});

Deno.test("database config array DATABASES", () => {
  const error = parseError(sampleWith((c) => {
    (c as Record<string, unknown>).DATABASES = [];
  }));
  assertEquals(
    error.message,
    "Failed to load SONiC database config /etc/db.json: DATABASES must be an object, " +
      "got []; fix the value",
  );
});

Deno.test("database config bad separator", () => {
  const error = parseError(sampleWith((c) => {
    c.DATABASES.APPL_DB.separator = "/";
  }));
  assertEquals(
    error.message,
    'Failed to load SONiC database config /etc/db.json: DATABASES.APPL_DB.separator is "/", ' +
      'but only ":" and "|" are allowed; fix the value',
  );
});

Deno.test("database config unknown instance", () => {
  const error = parseError(sampleWith((c) => {
    c.DATABASES.STATE_DB.instance = "redis2";
  }));
  assertEquals(
    error.message,
    'Failed to load SONiC database config /etc/db.json: DATABASES.STATE_DB.instance names "redis2", ' +
      "which is not in INSTANCES; add INSTANCES.redis2 or fix the name",
  );
});
