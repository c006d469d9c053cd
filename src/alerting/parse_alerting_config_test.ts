import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { ConfigError } from "../config/config_error.ts";
import { parseConfigText } from "../config/load_config.ts";
import { DEFAULT_ALERT_RULES } from "./default_rules.ts";
import { parseAlertingConfig } from "./parse_alerting_config.ts";

function parse(text: string) {
  return parseAlertingConfig(parseConfigText(text, "/p.toml").config.alerting, "/p.toml");
}

Deno.test("alerting config has defaults", () => {
  const settings = parse("");
  assertEquals(settings.intervalMs, 5000);
  assertEquals(settings.historyDb, "/var/lib/sonic/portsyncd/alerts.db");
  assertEquals(settings.rules.map((r) => r.id), DEFAULT_ALERT_RULES.map((r) => r.id));
  const flap = settings.rules[0]!;
  assertEquals(flap.condition, { kind: "rate_of_change", threshold: 0.05 });
  assertEquals(flap.windowMs, 120_000);
});

Deno.test("alerting config merges by id", () => {
  const settings = parse(
    '[alerting]\ninterval_ms = 1000\nwebhook_url = "http://127.0.0.1:9/x"\n' +
      '[[alerting.rules]]\nid = "port_flapping"\nthreshold = 0.2\nactions = ["webhook"]\n' +
      '[[alerting.rules]]\nid = "mine"\nmetric = \'g{db="APPL_DB"}\'\ncondition = "between"\n' +
      'low = 1\nhigh = 2\nmatchers = [\'x!="y"\']\nfor = "1m30s"\nseverity = "critical"\n',
  );
  const flap = settings.rules.find((r) => r.id === "port_flapping")!;
  assertEquals(flap.condition, { kind: "rate_of_change", threshold: 0.2 });
  assertEquals(flap.windowMs, 120_000, "keys not given keep the default");
  assertEquals(flap.actions, ["webhook"]);
  const mine = settings.rules.at(-1)!;
  assertEquals(mine.metric, "g");
  assertEquals(mine.matchers.map((m) => `${m.label}${m.operator}${m.value}`), [
    "db=APPL_DB",
    "x!=y",
  ]);
  assertEquals(mine.forMs, 90_000);
  assertEquals(mine.severity, "critical");
});

Deno.test("alerting config names bad rule", () => {
  assertThrows(
    () => parse('[[alerting.rules]]\nid = "port_flapping"\ncondition = "sideways"\n'),
    ConfigError,
    'Invalid value for alerting.rules[id="port_flapping"].condition in /p.toml: got ' +
      '"sideways", expected one of above, below, between, equals, rate_of_change',
  );
  assertThrows(
    () => parse('[[alerting.rules]]\nid = "x"\nmetric = "g"\nthreshold = 1\nfor = 30\n'),
    ConfigError,
    'Invalid value for alerting.rules[id="x"].for in /p.toml: got 30, expected a duration ' +
      'such as "30s", "5m" or "1h"',
  );
  assertThrows(
    () => parse('[[alerting.rules]]\nid = "x"\nmetric = "g"\nthreshold = 1\nseverity = "fatal"\n'),
    ConfigError,
    'Invalid value for alerting.rules[id="x"].severity in /p.toml: got "fatal", expected one ' +
      "of info, warning, critical",
  );
  assertThrows(
    () => parse('[[alerting.rules]]\nid = "x"\nmetric = "g"\nthreshold = 1\nthresold = 2\n'),
    ConfigError,
  );
});

Deno.test("alerting config needs webhook url", () => {
  assertThrows(
    () => parse('[[alerting.rules]]\nid = "x"\nmetric = "g"\nthreshold = 1\nactions = ["webhook"]'),
    ConfigError,
    'Invalid value for alerting.rules[id="x"].actions in /p.toml: got ["webhook"], expected ' +
      "a webhook_url on the rule or in [alerting] for the webhook action",
  );
});

Deno.test("alerting config reads silences", () => {
  const settings = parse(
    '[[alerting.silences]]\nmatchers = [\'port="Ethernet8"\']\nends_at = "2026-05-01T12:00:00Z"\n' +
      'comment = "cabling work"\n',
  );
  assertEquals(settings.silences[0]!.endsAt, Date.UTC(2026, 4, 1, 12));
  assertEquals(settings.silences[0]!.comment, "cabling work");
  assertThrows(
    () => parse("[[alerting.silences]]\nmatchers = ['port=\"Ethernet8\"']\n"),
    ConfigError,
    "Invalid value for alerting.silences[0].ends_at in /p.toml: got nothing, expected an " +
      "offset date-time such as 2026-05-01T12:00:00Z",
  );
});
