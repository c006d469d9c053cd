import { assertEquals } from "../../tests/assert.ts";
import { WebhookSender } from "./webhook_sender.ts";

/** Starts a receiver on 127.0.0.1 that answers after `delayMs` with `status`. */
function receiver(status: number, delayMs = 0) {
  const bodies: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      bodies.push(await request.json());
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight--;
      return new Response("ok", { status });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    bodies,
    get maxInFlight() {
      return maxInFlight;
    },
    close: () => server.shutdown(),
  };
}

Deno.test("webhook posts one at a time", async () => {
  const target = receiver(200, 20);
  const failures: string[] = [];
  const sender = new WebhookSender({
    timeoutMs: 1000,
    maxAttempts: 2,
    backoffMs: 10,
    onFailure: (rule) => failures.push(rule),
  });
  try {
    for (let i = 0; i < 3; i++) sender.send("port_flapping", target.url, { n: i });
    await sender.idle();
    assertEquals(target.bodies, [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assertEquals(target.maxInFlight, 1);
    assertEquals(sender.sent, 3);
    assertEquals(failures, []);
  } finally {
    await sender.close();
    await target.close();
  }
});

Deno.test("webhook retries then counts failure", async () => {
  const target = receiver(500);
  const failures: string[] = [];
  const sender = new WebhookSender({
    timeoutMs: 1000,
    maxAttempts: 3,
    backoffMs: 10,
    onFailure: (rule) => failures.push(rule),
  });
  try {
    sender.send("r", target.url, { n: 1 });
    await sender.idle();
    assertEquals(target.bodies.length, 3);
    assertEquals(failures, ["r"]);
  } finally {
    await sender.close();
    await target.close();
  }
});

Deno.test("webhook down or slow fails", async () => {
  const slow = receiver(200, 1000);
  const down = receiver(200);
  await down.close();
  const failures: string[] = [];
  const sender = new WebhookSender({
    timeoutMs: 100,
    maxAttempts: 2,
    backoffMs: 10,
    onFailure: (rule) => failures.push(rule),
  });
  try {
    const started = Date.now();
    sender.send("slow", slow.url, {});
    sender.send("down", down.url, {});
    await sender.idle();
    assertEquals(failures.sort(), ["down", "slow"]);
    assertEquals(Date.now() - started < 900, true, "timeouts bound the wait");
    assertEquals(sender.sent, 0);
  } finally {
    await sender.close();
    await slow.close();
  }
});
