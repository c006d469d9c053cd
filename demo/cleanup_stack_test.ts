import { assertEquals, assertMatch } from "../tests/assert.ts";
import { CleanupStack } from "./cleanup_stack.ts";

Deno.test("cleanup runs newest first", async () => {
  const stack = new CleanupStack(1000);
  const order: string[] = [];
  stack.push("first", () => Promise.resolve(order.push("first")));
  stack.push("broken", () => Promise.reject(new Error("boom")));
  stack.push("last", () => Promise.resolve(order.push("last")));
  const results = await stack.run();
  assertEquals(order, ["last", "first"]);
  assertEquals(results.map((result) => result.name), ["last", "broken", "first"]);
  assertEquals((results[1]!.error as Error).message, "boom");
  assertEquals(stack.size, 0);
  assertEquals(await stack.run(), results);
});

Deno.test("cleanup bounds a hung action", async () => {
  const stack = new CleanupStack(50);
  let ran = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  stack.push("after", () => Promise.resolve(ran = true));
  stack.push("hung", () => new Promise((resolve) => timer = setTimeout(resolve, 2000)));
  const results = await stack.run();
  clearTimeout(timer);
  assertMatch(String(results[0]!.error), /no result within 50 ms/);
  assertEquals(ran, true);
});
