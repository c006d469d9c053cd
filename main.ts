import { runCli } from "./src/cli/run_cli.ts";
import { drainStreamSinks } from "./src/logging/stream_sink.ts";

if (import.meta.main) {
  const code = await runCli(Deno.args);
  // Log lines still on their way to stderr are written before the process ends.
  await drainStreamSinks(2000);
  Deno.exit(code);
}
