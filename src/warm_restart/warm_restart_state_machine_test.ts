import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { WarmRestartStateMachine } from "./warm_restart_state_machine.ts";

Deno.test("state machine writes in order", async () => {
  const written: string[] = [];
  const machine = new WarmRestartStateMachine((phase) => {
    written.push(phase);
    return Promise.resolve();
  });
  await machine.enter("initialized");
  await machine.enter("reconciled");
  assertEquals(written, ["initialized", "reconciled"]);
  assertEquals(machine.history, ["initialized", "reconciled"]);
  await assertRejects(
    () => machine.enter("restored"),
    RangeError,
    "Failed to enter warm restart state restored: it cannot follow reconciled; " +
      "allowed after initialized",
  );
  assertEquals(written.length, 2);
});

Deno.test("state machine keeps phase on failure", async () => {
  const machine = new WarmRestartStateMachine(() => Promise.reject(new Error("Redis down")));
  await assertRejects(() => machine.enter("initialized"), Error, "Redis down");
  assertEquals(machine.phase, "none");
});
