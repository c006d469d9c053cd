import { assertEquals, assertThrows } from "../tests/assert.ts";
import { DemoUsageError, parseDemoArgs } from "./demo_args.ts";

Deno.test("demo args defaults", () => {
  assertEquals(parseDemoArgs([]), { help: false, durationSeconds: Infinity, ports: 8 });
});

Deno.test("demo args both spellings", () => {
  assertEquals(parseDemoArgs(["--duration", "0", "--ports=4"]), {
    help: false,
    durationSeconds: 0,
    ports: 4,
  });
  assertEquals(parseDemoArgs(["--duration=2.5", "-h"]).durationSeconds, 2.5);
});

Deno.test("demo args reject bad values", () => {
  assertThrows(
    () => parseDemoArgs(["--ports", "65"]),
    DemoUsageError,
    'Invalid value for --ports: "65"; pass a whole number from 1 to 64',
  );
  assertThrows(() => parseDemoArgs(["--ports", "0"]), DemoUsageError);
  assertThrows(() => parseDemoArgs(["--ports", "2.5"]), DemoUsageError);
  assertThrows(() => parseDemoArgs(["--duration", "-1"]), DemoUsageError);
  assertThrows(() => parseDemoArgs(["--duration", ""]), DemoUsageError);
  assertThrows(() => parseDemoArgs(["--duration"]), DemoUsageError, "Missing value for --duration");
  assertThrows(() => parseDemoArgs(["--verbose"]), DemoUsageError);
});
