import { assert, assertEquals } from "../../tests/assert.ts";
import { CONFIG_SCHEMA } from "./config_schema.ts";
import { parseConfigText } from "./load_config.ts";
import { renderDefaultConfig } from "./render_default_config.ts";

Deno.test("default config parses to defaults", () => {
  const text = renderDefaultConfig();
  const { config, warnings } = parseConfigText(text, "portsyncd.toml");
  assertEquals(warnings, []);
  assertEquals(config, parseConfigText("", "empty.toml").config);
});

Deno.test("default config lists every key", () => {
  const text = renderDefaultConfig();
  for (const [section, keys] of Object.entries(CONFIG_SCHEMA)) {
    assert(text.includes(`\n[${section}]\n`), `section [${section}] missing`);
    for (const [key, spec] of Object.entries(keys)) {
      assert(text.includes(`\n# ${key} = `), `key ${section}.${key} missing`);
      assert(text.includes(`# ${spec.doc}.`), `doc of ${section}.${key} missing`);
    }
  }
});

Deno.test("default config uncommented keys parse", () => {
  const uncommented = renderDefaultConfig().replace(/^# (\w+ = .*)$/gm, "$1");
  const { config, warnings } = parseConfigText(uncommented, "portsyncd.toml");
  assertEquals(warnings, []);
  for (const [section, keys] of Object.entries(CONFIG_SCHEMA)) {
    for (const [key, spec] of Object.entries(keys)) {
      const value = (config as Record<string, Record<string, unknown>>)[section]![key];
      if ("default" in spec) assertEquals(value, spec.default, `${section}.${key}`);
    }
  }
});
