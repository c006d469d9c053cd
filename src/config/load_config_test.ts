import { assertEquals, assertInstanceOf, assertRejects, assertThrows } from "../../tests/assert.ts";
import { ConfigError } from "./config_error.ts";
import { loadConfig, parseConfigText } from "./load_config.ts";

Deno.test("parseConfigText fills defaults for empty text", () => {
  const { config, warnings } = parseConfigText("", "/x.toml");
  assertEquals(config.netlink.receive_buffer_bytes, 16 * 1024 * 1024);
  assertEquals(config.logging.level, undefined);
  assertEquals(config.warm_restart.initial_sync_timeout_ms, 10000);
  assertEquals(warnings, []);
});

Deno.test("parseConfigText reads given values", () => {
  const { config } = parseConfigText(
    '[netlink]\nreceive_buffer_bytes = 8192\n[logging]\nlevel = "DEBUG"\n',
    "/x.toml",
  );
  assertEquals(config.netlink.receive_buffer_bytes, 8192);
  assertEquals(config.logging.level, "DEBUG");
});

Deno.test("parseConfigText reports syntax error position", () => {
  const error = assertThrows(
    () => parseConfigText("[netlink]\nreceive_buffer_bytes = = 3\n", "/etc/p.toml"),
    ConfigError,
  );
  assertEquals(
    error.message.startsWith("Failed to parse config file /etc/p.toml at line 2, column"),
    true,
  );
});

Deno.test("parseConfigText rejects out-of-range integer", () => {
  assertThrows(
    () => parseConfigText("[netlink]\nreceive_buffer_bytes = 12\n", "/etc/p.toml"),
    ConfigError,
    "Invalid value for netlink.receive_buffer_bytes in /etc/p.toml: got 12, expected an integer from 4096 to 1073741824",
  );
});

Deno.test("parseConfigText rejects wrong type", () => {
  assertThrows(
    () => parseConfigText('[sync]\nappl_recheck_interval_ms = "fast"\n', "/p.toml"),
    ConfigError,
    'Invalid value for sync.appl_recheck_interval_ms in /p.toml: got "fast", expected an integer from 50 to 10000',
  );
});

Deno.test("parseConfigText rejects unknown log level", () => {
  assertThrows(
    () => parseConfigText('[logging]\nlevel = "LOUD"\n', "/p.toml"),
    ConfigError,
    'Invalid value for logging.level in /p.toml: got "LOUD", expected one of EMERG, ALERT, CRIT, ERROR, WARN, NOTICE, INFO, DEBUG',
  );
});

Deno.test("parseConfigText warns about unknown keys", () => {
  const { warnings } = parseConfigText("[netlink]\nspeed = 1\n[extra]\na = 1\n", "/p.toml");
  assertEquals(warnings, [
    "Unknown key netlink.speed in /p.toml is ignored",
    "Unknown section [extra] in /p.toml is ignored",
  ]);
});

Deno.test("loadConfig uses defaults for missing default file", async () => {
  const loaded = await loadConfig("/nonexistent/portsyncd.toml", false);
  assertEquals(loaded.path, undefined);
  assertEquals(loaded.config.sync.appl_recheck_interval_ms, 500);
});

Deno.test("loadConfig rejects missing explicit file", async () => {
  const error = await assertRejects(() => loadConfig("/nonexistent/p.toml", true), ConfigError);
  assertInstanceOf(error, ConfigError);
  assertEquals(
    error.message,
    "Failed to read config file /nonexistent/p.toml: file not found; fix the path given to --config",
  );
});
