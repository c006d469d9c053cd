/**
 * A webhook receiver the alerting tests run inside the daemon's network namespace with
 * `ip netns exec`, so that the daemon reaches it on the namespace's loopback. It responds to every
 * POST after `--delay-ms` with status 204 and prints one JSON line per request on stdout
 * (`{"method","path","contentType","body"}`); the first line is `{"listening":PORT}`.
 *
 * Usage: `deno run --allow-net _webhook_receiver.ts --port 8080 [--delay-ms 0]`
 *
 * @module
 */

function option(name: string, fallback: number): number {
  const index = Deno.args.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(Deno.args[index + 1]);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Read ${name} failed: got ${Deno.args[index + 1]}, expected an integer >= 0`);
  }
  return value;
}

const port = option("--port", 8080);
const delayMs = option("--delay-ms", 0);
const encoder = new TextEncoder();

function print(line: unknown): void {
  Deno.stdout.writeSync(encoder.encode(`${JSON.stringify(line)}\n`));
}

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: (address) => print({ listening: address.port }),
}, async (request) => {
  const body = await request.text();
  print({
    method: request.method,
    path: new URL(request.url).pathname,
    contentType: request.headers.get("content-type"),
    body,
  });
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  return new Response(null, { status: 204 });
});
