import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { matchesLabels, parseLabelMatcher, parseMetricSelector } from "./label_matcher.ts";
import { formatDuration, parseDuration } from "./parse_duration.ts";

Deno.test("matcher operators", () => {
  const labels = { port: "Ethernet8" };
  assertEquals(matchesLabels([parseLabelMatcher('port="Ethernet8"')], labels), true);
  assertEquals(matchesLabels([parseLabelMatcher('port!="Ethernet8"')], labels), false);
  assertEquals(matchesLabels([parseLabelMatcher('port=~"Ethernet(0|8)"')], labels), true);
  assertEquals(matchesLabels([parseLabelMatcher('port=~"Ethernet"')], labels), false);
  assertEquals(matchesLabels([parseLabelMatcher('port!~"Eth.*"')], labels), false);
  assertEquals(matchesLabels([parseLabelMatcher('db=""')], labels), true);
});

Deno.test("selector with matchers", () => {
  const { metric, matchers } = parseMetricSelector('m_total{port="a,b", db=~"X"}');
  assertEquals(metric, "m_total");
  assertEquals(matchers.map((m) => m.value), ["a,b", "X"]);
  assertThrows(() => parseLabelMatcher("port=Ethernet8"), SyntaxError);
  assertThrows(() => parseMetricSelector("9bad"), SyntaxError);
});

Deno.test("duration parse and format", () => {
  assertEquals(parseDuration("1h30m"), 5_400_000);
  assertEquals(parseDuration("250ms"), 250);
  assertEquals(parseDuration("0"), 0);
  assertEquals(parseDuration("5 minutes"), undefined);
  assertEquals(parseDuration(""), undefined);
  assertEquals(formatDuration(120_000), "2m");
  assertEquals(formatDuration(1500), "1500ms");
});
