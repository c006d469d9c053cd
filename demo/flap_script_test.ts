import { assertEquals, assertThrows } from "../tests/assert.ts";
import { buildFlapScript, finalRow, stepDone } from "./flap_script.ts";
import type { PortRow } from "./port_table.ts";

/** Applies a step's expectation to a snapshot, the way the daemon should. */
function apply(rows: PortRow[], step: ReturnType<typeof buildFlapScript>[number]): PortRow[] {
  if (step.expect === "absent") return rows.filter((row) => row.port !== step.port);
  const expect = step.expect;
  const found = rows.some((row) => row.port === step.port);
  const next = found
    ? rows.map((row) => row.port === step.port ? { ...row, ...expect } : row)
    : [...rows, { ...finalRow(step.port), ...expect }];
  return next;
}

Deno.test("flap script ends all up", () => {
  for (const count of [1, 2, 4, 8]) {
    const ports = Array.from({ length: count }, (_, i) => `Ethernet${4 * i}`);
    const steps = buildFlapScript(ports);
    assertEquals(steps.length, 8);
    let rows = ports.map(finalRow);
    for (const step of steps) {
      assertEquals(stepDone(step, rows), false, `${count} ports: ${step.description}`);
      rows = apply(rows, step);
      assertEquals(stepDone(step, rows), true);
    }
    const byName = (a: PortRow, b: PortRow) => a.port.localeCompare(b.port);
    assertEquals(rows.sort(byName), ports.map(finalRow).sort(byName));
  }
});

Deno.test("flap script eight ports", () => {
  const ports = Array.from({ length: 8 }, (_, i) => `Ethernet${4 * i}`);
  const steps = buildFlapScript(ports);
  assertEquals(steps.map((step) => step.port), [
    "Ethernet4",
    "Ethernet4",
    "Ethernet8",
    "Ethernet8",
    "Ethernet12",
    "Ethernet12",
    "Ethernet16",
    "Ethernet16",
  ]);
  assertEquals(steps[0]!.commands, ["link set p-Ethernet4 down"]);
  assertEquals(steps[7]!.commands, [
    "link add Ethernet16 mtu 9100 type veth peer name p-Ethernet16 mtu 9100",
    "link set p-Ethernet16 up",
    "link set Ethernet16 up",
  ]);
});

Deno.test("flap script needs ports", () => {
  assertThrows(() => buildFlapScript([]), RangeError);
});
